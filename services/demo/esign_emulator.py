"""A protocol-faithful local emulator of the BSrE Esign Client Service, for the demo and tests.

Speaks the same HTTP API as the region's esign server (v1 and v2, Basic auth; see
docs/ESIGN.md): check status, sign, verify. Users have a NIK and/or e-mail, a
passphrase, a TOTP secret (RFC 6238, as BeSign would show) and a certificate from the
demo CA; signatures are PAdES with a timestamp from the demo TSA (BSrE signs at
B-T with the BSSN TSA). Error bodies and HTTP status codes follow what the real server
returns: 401 {timestamp, status, error, path} for a bad Basic login, 400
{"error", "status_code"} for sign refusals (2031 passphrase, 2011 not registered,
2021 no certificate), 500 for an unreadable request.

Test knobs: ``delay`` (seconds before answering a sign call: lets a client time out
after the server has signed), ``signed_documents`` (what it signed, for tests).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import logging
import struct
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from asn1crypto import tsp as asn1_tsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.api import TimeStamper

from services.clock import Clock
from services.demo.pki import DemoPki, IssuedCert

log = logging.getLogger(__name__)
MAX_REQUEST = 48 << 20


def totp_code(secret_b32: str, unix_time: float, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP (HMAC-SHA1), what BeSign shows the signer."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = struct.pack(">Q", int(unix_time) // step)
    mac = hmac.new(key, counter, hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return f"{value:0{digits}d}"


@dataclass
class EmulatedUser:
    nik: str
    name: str
    passphrase: str
    email: str = ""
    status: str = "ISSUE"  # ISSUE, NO_CERTIFICATE, EXPIRED, REVOKE, SUSPEND
    totp_secret: str = ""
    cert: IssuedCert | None = None


class DemoTsa(TimeStamper):
    """The demo TSA in-process (the emulator's own 'BSSN TSA')."""

    def __init__(self, pki: DemoPki) -> None:
        super().__init__(include_nonce=True)
        self.pki = pki

    async def async_request_tsa_response(self, req: asn1_tsp.TimeStampReq) -> asn1_tsp.TimeStampResp:
        return asn1_tsp.TimeStampResp.load(self.pki.timestamp_response_der(req.dump()))


STATUS_CODES = {"ISSUE": 1111, "NOT_REGISTERED": 2011, "NO_CERTIFICATE": 2021, "EXPIRED": 2022, "REVOKE": 2023,
                "SUSPEND": 2024}
STATUS_TEXT = {
    "ISSUE": "User sudah terdaftar dan memiliki sertifikat dengan status ISSUE",
    "NOT_REGISTERED": "User belum terdaftar",
    "NO_CERTIFICATE": "User tidak memiliki sertifikat",
    "EXPIRED": "Sertifikat user sudah kedaluwarsa",
    "REVOKE": "Sertifikat user sudah dicabut",
    "SUSPEND": "Sertifikat user dibekukan",
}


class Refusal(Exception):
    def __init__(self, http_status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("error", ""))
        self.http_status = http_status
        self.body = body


@dataclass
class EsignEmulator:
    pki: DemoPki
    clock: Clock
    username: str = "esign"
    password: str = "esign-demo"
    users: dict[str, EmulatedUser] = field(default_factory=dict)
    delay: float = 0.0
    signed_documents: list[str] = field(default_factory=list)  # sha256 of each PDF it signed
    documents: dict[str, bytes] = field(default_factory=dict)  # id_dokumen → signed PDF (v1 download)
    sign_requests: int = 0  # sign calls that passed Basic auth
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_user(self, nik: str, name: str, passphrase: str, *, email: str = "", status: str = "ISSUE",
                 totp_secret: str = "", cert: IssuedCert | None = None) -> EmulatedUser:
        if cert is None and status != "NO_CERTIFICATE":
            cert = self.pki.issue(name, serial=f"NIK{nik}", email=email)
        user = EmulatedUser(nik, name, passphrase, email, status, totp_secret, cert)
        self.users[nik] = user
        return user

    # ------------------------------------------------------------------ operations
    def find(self, nik: str | None, email: str | None) -> EmulatedUser | None:
        if nik:
            return self.users.get(str(nik))
        return next((u for u in self.users.values() if email and u.email.lower() == email.lower()), None)

    def status_of(self, user: EmulatedUser | None) -> str:
        return "NOT_REGISTERED" if user is None else user.status

    def _authorise(self, user: EmulatedUser | None, passphrase: str | None, totp: str | None) -> EmulatedUser:
        state = self.status_of(user)
        if user is None:
            raise Refusal(400, {"error": "User tidak terdaftar", "status_code": 2011})
        if state == "NO_CERTIFICATE" or user.cert is None:
            raise Refusal(400, {"error": "User tidak memiliki sertifikat", "status_code": 2021})
        if state != "ISSUE":
            raise Refusal(400, {"error": STATUS_TEXT[state], "status_code": STATUS_CODES[state]})
        if totp:
            now = self.clock.utcnow().timestamp()
            ok = user.totp_secret and any(hmac.compare_digest(totp, totp_code(user.totp_secret, now + d))
                                          for d in (-30, 0, 30))
            if not ok:
                raise Refusal(400, {"error": "Kode TOTP tidak valid atau kedaluwarsa", "status_code": 2032})
        elif not passphrase or not hmac.compare_digest(passphrase.encode(), user.passphrase.encode()):
            raise Refusal(400, {"error": "Passphrase anda salah", "status_code": 2031})
        return user

    def sign(self, pdf: bytes, user: EmulatedUser, props: dict[str, Any]) -> bytes:
        from services.demo.esign_signing import sign_as_server

        if not pdf.startswith(b"%PDF"):
            raise Refusal(500, {"error": "Internal Server Error"})
        try:
            PdfFileReader(io.BytesIO(pdf), strict=False).root  # noqa: B018 - parse check
        except Exception:  # noqa: BLE001 - the real server answers 500 for an unreadable PDF
            raise Refusal(500, {"error": "Internal Server Error"}) from None
        assert user.cert is not None
        signed = sign_as_server(pdf, user.cert, props, self.clock, DemoTsa(self.pki))
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.signed_documents.append(hashlib.sha256(signed).hexdigest())
            self.documents[hashlib.sha256(signed).hexdigest()[:24]] = signed
        return signed

    def verify(self, pdf: bytes) -> dict[str, Any]:
        from services.demo.esign_signing import verify_as_server

        return verify_as_server(pdf, self.pki, self.clock)

    # ------------------------------------------------------------------ HTTP
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> EsignServer:
        return EsignServer(self, host, port)


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug("esign %s - %s", self.address_string(), format % args)  # request line only, never bodies

    def _send(self, status: int, ctype: str, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, "application/json", json.dumps(obj).encode("utf-8"))

    def _spring_error(self, status: int, error: str) -> None:
        emu = self.server.emulator
        self._json(status, {"timestamp": emu.clock.utcnow().isoformat(timespec="milliseconds"), "status": status,
                            "error": error, "path": self.path.split("?")[0]})

    def _authorised(self) -> bool:
        emu = self.server.emulator
        expected = "Basic " + base64.b64encode(f"{emu.username}:{emu.password}".encode()).decode("ascii")
        if hmac.compare_digest((self.headers.get("Authorization") or "").encode(), expected.encode()):
            return True
        self._spring_error(401, "Unauthorized")
        return False

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST:
            self._spring_error(413, "Payload Too Large")
            return None
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if not self._authorised():
            return
        path = self.path.split("?")[0]
        if path.startswith("/api/sign/download/"):
            doc = self.server.emulator.documents.pop(path.rsplit("/", 1)[-1], None)
            if doc is None:
                self._json(404, {"error": "Dokumen telah didownload sebelumnya", "status_code": 404})
            else:
                self._send(200, "application/pdf", doc)
        elif path.startswith("/api/user/status/"):
            user = self.server.emulator.find(path.rsplit("/", 1)[-1], None)
            state = self.server.emulator.status_of(user)
            code = 1110 if state == "NOT_REGISTERED" else STATUS_CODES[state]  # v1 answers 1110 here
            self._json(200, {"status_code": code, "status": state, "message": STATUS_TEXT[state]})
        else:
            self._spring_error(404, "Not Found")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        if not self._authorised():
            return
        body = self._body()
        if body is None:
            return
        path = self.path.split("?")[0]
        route = {"/api/sign/pdf": self._sign_v1, "/api/v2/sign/pdf": self._sign_v2,
                 "/api/v2/user/check/status": self._status_v2, "/api/v2/verify/pdf": self._verify_v2,
                 "/api/sign/verify": self._verify_v1}.get(path)
        if route is None:
            self._spring_error(404, "Not Found")
            return
        if route in (self._sign_v1, self._sign_v2):
            with self.server.emulator._lock:
                self.server.emulator.sign_requests += 1
        try:
            route(body)
        except Refusal as exc:
            if exc.http_status >= 500:
                self._spring_error(exc.http_status, "Internal Server Error")
            else:
                self._json(exc.http_status, exc.body)
        except (ValueError, KeyError, TypeError, binascii.Error):
            self._spring_error(500, "Internal Server Error")
        except (BrokenPipeError, ConnectionResetError):
            log.info("esign: klien memutus sambungan sebelum jawaban terkirim")

    def _form(self, body: bytes) -> dict[str, tuple[bytes, str]]:
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            raise ValueError("not multipart")
        msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        out: dict[str, tuple[bytes, str]] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                payload = part.get_payload(decode=True)
                out[str(name)] = (payload if isinstance(payload, bytes) else b"", part.get_filename() or "")
        return out

    def _sign_v1(self, body: bytes) -> None:
        form = self._form(body)
        text = {k: v[0].decode("utf-8", "replace") for k, v in form.items() if not v[1]}
        emu = self.server.emulator
        user = emu._authorise(emu.find(text.get("nik"), None), text.get("passphrase"), None)
        props: dict[str, Any] = {"tampilan": text.get("tampilan", "invisible").upper(), "reason": text.get("reason"),
                                 "location": text.get("location")}
        if props["tampilan"] == "VISIBLE":
            props.update(page=int(text.get("page", "1")), x=float(text["xAxis"]), y=float(text["yAxis"]),
                         width=float(text["width"]), height=float(text["height"]), origin="bottom-left")
            if "imageTTD" in form:
                props["image"] = form["imageTTD"][0]
        signed = emu.sign(form["file"][0], user, props)
        self._send(200, "application/pdf", signed, {"id_dokumen": hashlib.sha256(signed).hexdigest()[:24]})

    def _sign_v2(self, body: bytes) -> None:
        req = json.loads(body)
        emu = self.server.emulator
        user = emu._authorise(emu.find(req.get("nik"), req.get("email")), req.get("passphrase"), req.get("totp"))
        files = req["file"]
        props_list = req.get("signatureProperties") or [{"tampilan": "INVISIBLE"}]
        if not isinstance(files, list) or not files:
            raise ValueError("file[] kosong")
        started = time.monotonic()
        out = []
        for i, b64 in enumerate(files):
            p = dict(props_list[min(i, len(props_list) - 1)])
            props: dict[str, Any] = {"tampilan": str(p.get("tampilan", "INVISIBLE")).upper(),
                                     "reason": p.get("reason"), "location": p.get("location")}
            if props["tampilan"] == "VISIBLE":
                props.update(page=int(p.get("page", 1)), x=float(p["originX"]), y=float(p["originY"]),
                             width=float(p["width"]), height=float(p["height"]), origin="top-left")
                if p.get("imageBase64"):
                    props["image"] = base64.b64decode(p["imageBase64"])
            pdf = base64.b64decode(b64, validate=True)
            out.append(base64.b64encode(emu.sign(pdf, user, props)).decode("ascii"))
        self._json(200, {"time": int((time.monotonic() - started) * 1000), "file": out})

    def _status_v2(self, body: bytes) -> None:
        req = json.loads(body or b"{}")
        emu = self.server.emulator
        state = emu.status_of(emu.find(req.get("nik"), req.get("email")))
        self._json(200, {"status_code": STATUS_CODES[state], "message": STATUS_TEXT[state], "status": state})

    def _verify_v2(self, body: bytes) -> None:
        req = json.loads(body)
        self._json(200, self.server.emulator.verify(base64.b64decode(req["file"], validate=True)))

    def _verify_v1(self, body: bytes) -> None:
        form = self._form(body)
        pdf, name = form["signed_file"]
        v2 = self.server.emulator.verify(pdf)
        details = [{"signature_field": s["fieldName"],
                    "info_signer": {"signer_name": s["signerName"], "cert_user_certified": s["certificateTrusted"]},
                    "signature_document": {"signed_using_tsa": bool(s.get("timestampInfomation")),
                                           "document_integrity": s["integrityValid"], "reason": s.get("reason"),
                                           "signed_in": s["signatureDate"], "location": s.get("location")}}
                   for s in v2["signatureInformations"]]
        summary = {"VALID": "DOCUMENT VALID !!!", "NO_SIGNATURE": None}.get(v2["conclusion"], "DOCUMENT NOT VALID !!!")
        self._json(200, {"success": True, "code": 200, "message": summary or "Dokumen belum ditandatangani secara "
                         "elektronik", "data": {"nama_dokumen": name or "dokumen.pdf",
                                                "jumlah_signature": v2["signatureCount"], "notes": v2["description"],
                                                "details": details, "summary": summary}})


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    emulator: EsignEmulator


class EsignServer:
    """The emulator listening on a port; ``stop()`` it (or use it as a context manager)."""

    def __init__(self, emulator: EsignEmulator, host: str, port: int) -> None:
        self.emulator = emulator
        self._httpd = _HttpServer((host, port), _Handler)
        self._httpd.emulator = emulator
        self.host, self.port = host, int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="esign-emulator", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EsignServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
