"""Client of the BSrE Esign Client Service (the region's esign server), API v1 and v2.

Protocol as published by the vendor and used by public integrations (see
docs/ESIGN.md for the sources):
- v1: ``POST /api/sign/pdf`` multipart (file, nik, passphrase, tampilan, image, page,
  xAxis, yAxis, width, height, reason, location) → the signed PDF itself (header
  ``id_dokumen``); ``GET /api/user/status/{nik}``; ``POST /api/sign/verify`` (signed_file).
- v2: ``POST /api/v2/sign/pdf`` JSON {nik|email, passphrase|totp, signatureProperties[],
  file[] base64} → {time, file[]}; ``POST /api/v2/user/check/status`` {nik|email} →
  {status_code, status, message}; ``POST /api/v2/verify/pdf`` {file}.
- Errors: HTTP 4xx with {"error": "...", "status_code": N} (2031 wrong passphrase,
  2011 not registered, 2021 no certificate); HTTP 401 {timestamp, status, error, path}
  for a wrong Basic-auth login.

The passphrase (or TOTP) is passed in a `Secret`, kept in memory only, never put in
an exception, a log record or a repr. A sign call that was sent but got no answer
(timeout, dropped connection, 500/502/504) raises `EsignOutcomeUnknown`: the server
may have signed; the caller must not retry blindly.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any

from services.errors import BadInputError, PermissionDeniedError, UnreachableError, UserError

log = logging.getLogger(__name__)
MAX_RESPONSE = 64 << 20


class Secret:
    """A passphrase/TOTP held in memory; its repr and str never show the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


class EsignError(UserError):
    title = "Layanan tanda tangan elektronik menolak"
    code: int | None = None


class EsignAuthError(EsignError, PermissionDeniedError):
    title = "Login layanan esign ditolak"


class EsignWrongPassphrase(EsignError, BadInputError):
    title = "Passphrase salah"


class EsignWrongTotp(EsignError, BadInputError):
    title = "Kode TOTP salah"


class EsignNotRegistered(EsignError):
    title = "Belum terdaftar di BSrE"


class EsignNoCertificate(EsignError):
    title = "Belum memiliki sertifikat elektronik"


class EsignServerDown(EsignError, UnreachableError):
    title = "Server esign tidak dapat dihubungi"


class EsignOutcomeUnknown(EsignError, UnreachableError):
    """The sign request was sent but no usable answer came back: the document may or may not be signed."""

    title = "Status tanda tangan tidak diketahui"


@dataclass(frozen=True)
class EsignConfig:
    url: str  # e.g. http://esign.pemda.go.id
    username: str  # Basic auth of the instansi's esign client
    password: str
    api_version: str = "v2"  # "v1" or "v2"
    timeout: float = 120.0  # a multi-page report takes the server tens of seconds
    status_timeout: float = 15.0


@dataclass(frozen=True)
class UserStatus:
    status: str  # ISSUE, NOT_REGISTERED, NO_CERTIFICATE, EXPIRED, REVOKE, SUSPEND, ...
    code: str
    message: str

    @property
    def can_sign(self) -> bool:
        return self.status == "ISSUE"


@dataclass(frozen=True)
class Appearance:
    """Where the visible signature goes: page is 1-based; x, y lower-left in PDF points."""

    visible: bool = False
    page: int = 1
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    page_height: float = 842
    image_png: bytes | None = None
    reason: str = ""
    location: str = ""


STATUS_MESSAGES = {
    "NOT_REGISTERED": "{who} belum terdaftar sebagai pengguna BSrE pada server esign ini. Daftarkan dulu melalui "
                      "admin TTE (Diskominfo) daerah.",
    "NO_CERTIFICATE": "{who} terdaftar, tetapi belum memiliki sertifikat elektronik aktif. Ajukan penerbitan "
                      "sertifikat ke BSrE melalui admin TTE daerah.",
    "EXPIRED": "Sertifikat elektronik {who} sudah kedaluwarsa. Perpanjang sertifikat melalui admin TTE daerah.",
    "REVOKE": "Sertifikat elektronik {who} telah dicabut. Ajukan sertifikat baru melalui admin TTE daerah.",
    "SUSPEND": "Sertifikat elektronik {who} sedang dibekukan (suspend). Hubungi admin TTE daerah.",
}


def _who(nik: str | None, email: str | None) -> str:
    return f"NIK {nik}" if nik else f"Email {email}"


class EsignClient:
    def __init__(self, config: EsignConfig) -> None:
        if config.api_version not in ("v1", "v2"):
            raise BadInputError(f"Versi API esign tidak dikenal: '{config.api_version}' (pilih v1 atau v2).")
        parts = urllib.parse.urlsplit(config.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadInputError(f"Alamat server esign tidak valid: '{config.url}' (contoh: http://esign.daerah.go.id).")
        self.config = config
        self._parts = parts

    # ------------------------------------------------------------------ transport
    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        p = self._parts
        cls = http.client.HTTPSConnection if p.scheme == "https" else http.client.HTTPConnection
        return cls(p.hostname or "", p.port, timeout=timeout)

    def _call(self, method: str, path: str, body: bytes | None, ctype: str, timeout: float,
              sign_call: bool) -> tuple[int, str, dict[str, str], bytes]:
        cfg = self.config
        token = base64.b64encode(f"{cfg.username}:{cfg.password}".encode()).decode("ascii")
        headers = {"Authorization": f"Basic {token}", "Accept": "application/json, application/pdf"}
        if body is not None:
            headers["Content-Type"] = ctype
        conn = self._connection(timeout)
        full = self._parts.path.rstrip("/") + path
        try:
            conn.connect()
        except (OSError, TimeoutError) as exc:
            raise EsignServerDown(f"Server esign {cfg.url} tidak dapat dihubungi ({exc.__class__.__name__}: "
                                  f"{getattr(exc, 'strerror', None) or exc}). Tidak ada dokumen yang dikirim atau "
                                  "ditandatangani; periksa jaringan atau hubungi admin TTE daerah.") from None
        try:
            conn.request(method, full, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read(MAX_RESPONSE + 1)
            return resp.status, resp.getheader("Content-Type", "") or "", dict(resp.getheaders()), data
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            if sign_call:
                raise EsignOutcomeUnknown(
                    f"Permintaan tanda tangan sudah terkirim ke {cfg.url}, tetapi jawabannya tidak diterima "
                    f"({exc.__class__.__name__}). Status tanda tangan TIDAK DIKETAHUI: dokumen mungkin sudah "
                    "ditandatangani di server. Jangan menandatangani ulang sebelum memeriksanya.") from None
            raise EsignServerDown(f"Server esign {cfg.url} tidak menjawab ({exc.__class__.__name__}).") from None
        finally:
            conn.close()

    def _raise_for(self, status: int, ctype: str, data: bytes, who: str, sign_call: bool) -> None:
        body = _json(data) if "json" in ctype or data[:1] in (b"{", b"[") else None
        text = ""
        code: int | None = None
        if isinstance(body, dict):
            text = str(body.get("error") or body.get("message") or "")
            raw_code = body.get("status_code")
            code = int(str(raw_code)) if str(raw_code).isdigit() else None
        if status == 401:
            raise EsignAuthError(f"Server esign {self.config.url} menolak login klien esign (HTTP 401). Periksa "
                                 "nama pengguna dan kata sandi layanan esign di Pengaturan → Tanda tangan.")
        low = text.lower()
        if code == 2031 or "passphrase" in low:
            raise EsignWrongPassphrase(f"Passphrase sertifikat elektronik untuk {who} salah. Tidak ada yang "
                                       "ditandatangani; masukkan passphrase yang benar (bukan kata sandi aplikasi).")
        if "totp" in low or "otp" in low.split():
            raise EsignWrongTotp(f"Kode TOTP untuk {who} salah atau kedaluwarsa. Ambil kode baru dari aplikasi "
                                 "BeSign lalu coba lagi.")
        if code == 2011 or "tidak terdaftar" in low or "belum terdaftar" in low:
            raise EsignNotRegistered(STATUS_MESSAGES["NOT_REGISTERED"].format(who=who))
        if code == 2021 or "sertifikat" in low:
            raise EsignNoCertificate(STATUS_MESSAGES["NO_CERTIFICATE"].format(who=who) + (f" ({text})" if text else ""))
        if sign_call and status in (500, 502, 504):
            raise EsignOutcomeUnknown(
                f"Server esign {self.config.url} gagal di tengah proses (HTTP {status}). Status tanda tangan TIDAK "
                "DIKETAHUI: periksa dulu sebelum menandatangani ulang.")
        if status >= 500:
            raise EsignServerDown(f"Server esign {self.config.url} sedang bermasalah (HTTP {status}). Coba lagi nanti "
                                  "atau hubungi admin TTE daerah.")
        raise EsignError(f"Server esign menolak permintaan (HTTP {status}"
                         + (f", kode {code}" if code is not None else "") + (f": {text}" if text else "") + ").")

    # ------------------------------------------------------------------ API
    def check_status(self, nik: str | None = None, email: str | None = None) -> UserStatus:
        who = _who(nik, email)
        if self.config.api_version == "v1":
            if not nik:
                raise BadInputError("API esign v1 hanya mengenal NIK; isi NIK penanda tangan.")
            status, ctype, _h, data = self._call("GET", f"/api/user/status/{urllib.parse.quote(nik)}", None, "",
                                                 self.config.status_timeout, False)
        else:
            payload = {"nik": nik} if nik else {"email": email}
            status, ctype, _h, data = self._call("POST", "/api/v2/user/check/status", json.dumps(payload).encode(),
                                                 "application/json", self.config.status_timeout, False)
        if status != 200:
            self._raise_for(status, ctype, data, who, False)
        body = _json(data)
        if isinstance(body, dict) and isinstance(body.get("data"), dict):
            body = body["data"]
        if not isinstance(body, dict) or "status" not in body:
            raise EsignError("Jawaban pemeriksaan status dari server esign tidak dikenali.")
        return UserStatus(str(body["status"]), str(body.get("status_code", "")), str(body.get("message", "")))

    def sign_pdf(self, pdf: bytes, *, nik: str | None = None, email: str | None = None,
                 passphrase: Secret | None = None, totp: Secret | None = None,
                 appearance: Appearance = Appearance(), filename: str = "laporan.pdf") -> bytes:
        who = _who(nik, email)
        if not (nik or email):
            raise BadInputError("Isi NIK (atau email) penanda tangan yang terdaftar di BSrE.")
        if not (passphrase or totp):
            raise BadInputError("Masukkan passphrase sertifikat elektronik (atau kode TOTP).")
        if self.config.api_version == "v1":
            if not nik or not passphrase:
                raise BadInputError("API esign v1 memerlukan NIK dan passphrase (TOTP/email hanya di v2).")
            body, ctype = _multipart_v1(pdf, nik, passphrase, appearance, filename)
            status, rtype, _h, data = self._call("POST", "/api/sign/pdf", body, ctype, self.config.timeout, True)
            if status == 200 and data.startswith(b"%PDF"):
                return data
        else:
            body = _json_v2(pdf, nik, email, passphrase, totp, appearance)
            status, rtype, _h, data = self._call("POST", "/api/v2/sign/pdf", body, "application/json",
                                                 self.config.timeout, True)
            answer = _json(data) if status == 200 else None
            files = answer.get("file") if isinstance(answer, dict) else None
            if isinstance(files, list) and files and isinstance(files[0], str):
                try:
                    signed = base64.b64decode(files[0], validate=True)
                except ValueError:
                    signed = b""
                if signed.startswith(b"%PDF"):
                    return signed
        if status == 200:
            raise EsignOutcomeUnknown("Server esign menjawab 'berhasil' tetapi tanpa PDF bertanda tangan yang dapat "
                                      "dibaca. Status tanda tangan TIDAK DIKETAHUI: periksa sebelum mengulang.")
        self._raise_for(status, rtype, data, who, True)
        raise AssertionError("unreachable")

    def verify_pdf(self, pdf: bytes) -> dict[str, Any]:
        """The server's own verdict (normalised to v2 keys: conclusion, signatureCount, signatureInformations)."""
        if self.config.api_version == "v1":
            boundary = uuid.uuid4().hex
            body = _part(boundary, "signed_file", pdf, "laporan.pdf", "application/pdf") + f"--{boundary}--\r\n".encode()
            status, ctype, _h, data = self._call("POST", "/api/sign/verify", body,
                                                 f"multipart/form-data; boundary={boundary}", self.config.timeout, False)
        else:
            payload = json.dumps({"file": base64.b64encode(pdf).decode("ascii")}).encode()
            status, ctype, _h, data = self._call("POST", "/api/v2/verify/pdf", payload, "application/json",
                                                 self.config.timeout, False)
        if status != 200:
            self._raise_for(status, ctype, data, "dokumen", False)
        body = _json(data)
        if not isinstance(body, dict):
            raise EsignError("Jawaban verifikasi dari server esign tidak dikenali.")
        if self.config.api_version == "v1":
            inner = body.get("data", body)
            details = inner.get("details") or []
            return {"conclusion": "VALID" if str(inner.get("summary", "")).startswith("DOCUMENT VALID") else
                    ("NO_SIGNATURE" if not inner.get("jumlah_signature") else "NOT_VALID"),
                    "signatureCount": int(inner.get("jumlah_signature") or 0), "description": inner.get("notes"),
                    "signatureInformations": details}
        return body


def _json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _part(boundary: str, name: str, value: bytes, filename: str = "", ctype: str = "") -> bytes:
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
    if filename:
        head += f'; filename="{filename}"\r\nContent-Type: {ctype or "application/octet-stream"}'
    return head.encode() + b"\r\n\r\n" + value + b"\r\n"


def _multipart_v1(pdf: bytes, nik: str, passphrase: Secret, ap: Appearance, filename: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [_part(boundary, "file", pdf, filename, "application/pdf"), _part(boundary, "nik", nik.encode()),
             _part(boundary, "passphrase", passphrase.reveal().encode("utf-8")),
             _part(boundary, "tampilan", b"visible" if ap.visible else b"invisible")]
    if ap.visible:
        fields = {"image": "true" if ap.image_png else "false", "page": str(ap.page), "xAxis": str(round(ap.x)),
                  "yAxis": str(round(ap.y)), "width": str(round(ap.width)), "height": str(round(ap.height))}
        parts += [_part(boundary, k, v.encode()) for k, v in fields.items()]
        if ap.image_png:
            parts.append(_part(boundary, "imageTTD", ap.image_png, "ttd.png", "image/png"))
    if ap.reason:
        parts.append(_part(boundary, "reason", ap.reason.encode("utf-8")))
    if ap.location:
        parts.append(_part(boundary, "location", ap.location.encode("utf-8")))
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _json_v2(pdf: bytes, nik: str | None, email: str | None, passphrase: Secret | None, totp: Secret | None,
             ap: Appearance) -> bytes:
    prop: dict[str, Any] = {"tampilan": "VISIBLE" if ap.visible else "INVISIBLE"}
    if ap.visible:
        # v2 coordinates: origin at the page's top-left corner (as the published examples place them)
        prop.update(page=ap.page, originX=round(ap.x, 2), originY=round(ap.page_height - ap.y - ap.height, 2),
                    width=round(ap.width, 2), height=round(ap.height, 2))
        if ap.image_png:
            prop["imageBase64"] = base64.b64encode(ap.image_png).decode("ascii")
    if ap.reason:
        prop["reason"] = ap.reason
    if ap.location:
        prop["location"] = ap.location
    payload: dict[str, Any] = {"nik": nik} if nik else {"email": email}
    if totp:
        payload["totp"] = totp.reveal()
    else:
        payload["passphrase"] = passphrase.reveal() if passphrase else ""
    payload["signatureProperties"] = [prop]
    payload["file"] = [base64.b64encode(pdf).decode("ascii")]
    return json.dumps(payload).encode("utf-8")
