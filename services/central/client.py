"""Talking to the central BKPSDM PostgreSQL database as one OPD (or as BKPSDM).

Errors are split in two so the outbox knows what to do:
- `CentralUnreachable`: network/server/authentication trouble -> keep queued, retry later;
- `SubmissionRefused`: the server said no (different bundle for the same revision, row-level
  security, a constraint such as the size bound) -> retrying the same thing will never help.

One submission row is one revision's whole bundle (schema c0002): the signed recap PDF, the Excel
recap, the SPTJM and the surat pengantar, their sha256, the manifest (whose sha256 is the
idempotency key together with OPD, period and revision) and the OPD's audit-chain head.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import dict_row

from services.errors import UnreachableError, UserError

CONNECT_TIMEOUT_S = 5
# Keep equal to MAX_BUNDLE_BYTES in migrations/versions/c0002_bundle_review.py (the server's own bound).
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
FILE_KINDS = ("recap_pdf", "recap_xlsx", "sptjm_pdf", "pengantar_pdf")
FILE_LABELS = {"recap_pdf": "Rekap kehadiran (PDF bertanda tangan)", "recap_xlsx": "Rekap TPP (Excel)",
               "sptjm_pdf": "Surat pernyataan tanggung jawab mutlak (SPTJM)", "pengantar_pdf": "Surat pengantar"}


class CentralError(UserError):
    pass


class CentralUnreachable(CentralError, UnreachableError):
    pass


class CentralAuthFailed(CentralUnreachable):
    """The server refused the login (wrong password, unknown user, weaker method than scram-sha-256)."""


class CentralTlsError(CentralUnreachable):
    """The server's certificate does not verify against the configured CA (or names another host)."""


class SubmissionRefused(CentralError):
    pass


class BundleTooLarge(SubmissionRefused):
    """Refused before anything is sent: the bundle exceeds the bound the server enforces too."""


@dataclass(frozen=True)
class SubmissionPayload:
    """What one submission carries besides the file bytes (the outbox stores this as JSON)."""

    opd_code: str
    year: int
    month: int
    revision: int
    reason: str
    sha256: str  # of the signed recap PDF
    signer_subject: str
    signer_cert_pem: str
    summary: list[dict[str, Any]]
    bundle_sha256: str = ""
    manifest: str = ""
    file_sha256: dict[str, str] = field(default_factory=dict)  # kind -> sha256, for the four FILE_KINDS
    audit_head_id: int = 0
    audit_head_hash: str = ""

    def key(self) -> str:
        return f"{self.opd_code}:{self.year}-{self.month:02d}:r{self.revision}:{self.bundle_sha256 or self.sha256}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SubmissionPayload:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class SubmitOutcome:
    submission_id: int
    submitted_at: dt.datetime
    existed: bool  # True when this exact bundle was already there (an idempotent retry)


@dataclass(frozen=True)
class CentralSubmission:
    id: int
    opd_code: str
    year: int
    month: int
    revision: int
    reason: str
    sha256: str
    signed_pdf: bytes
    signer_subject: str
    signer_cert_pem: str
    summary: list[dict[str, Any]]
    submitted_by: str
    submitted_at: dt.datetime
    files: dict[str, bytes] = field(default_factory=dict)  # kind -> bytes (recap_pdf included)
    file_sha256: dict[str, str] = field(default_factory=dict)  # kind -> sha256 as recorded by the server
    manifest: str = ""
    bundle_sha256: str = ""
    audit_head_id: int | None = None
    audit_head_hash: str = ""


SCRAM = "scram-sha-256"
REQUIRE_AUTH_LIBPQ = 160000  # libpq 16 added require_auth


def connection_options(url: str) -> dict[str, str]:
    """TLS and authentication options added to ``url``.

    A configured CA (``sslrootcert`` in the URL, see outbox.configure_central) means production: the
    server must prove its name with a certificate from that CA (``sslmode=verify-full``, whatever weaker
    mode the URL says) and the password is only ever sent as SCRAM-SHA-256 (``require_auth``), so a
    server that asks for a cleartext or MD5 password is refused before the password leaves the PC.
    """
    info = psycopg.conninfo.conninfo_to_dict(url)
    if not info.get("sslrootcert"):
        return {}
    opts = {"sslmode": "verify-full"}
    if not info.get("require_auth") and psycopg.pq.version() >= REQUIRE_AUTH_LIBPQ:
        opts["require_auth"] = SCRAM
    return opts


def connect(url: str, password: str | None = None, timeout: int = CONNECT_TIMEOUT_S) -> psycopg.Connection:
    kwargs: dict[str, Any] = {"connect_timeout": timeout, "application_name": "presensi-opd"}
    try:
        kwargs.update(connection_options(url))
    except psycopg.ProgrammingError as exc:
        raise CentralUnreachable(f"Alamat server pusat tidak valid: {_first_line(exc)}") from None
    if password:
        kwargs["password"] = password
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        raise connection_error(url, exc) from None
    except psycopg.ProgrammingError as exc:  # malformed URL
        raise CentralUnreachable(f"Alamat server pusat tidak valid: {_first_line(exc)}") from None


def connection_error(url: str, exc: BaseException) -> CentralUnreachable:
    """The Indonesian reason a connection failed: password, certificate, or the network."""
    text = str(exc)
    low = text.lower()
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        info = {}
    user, host, ca = info.get("user", "?"), info.get("host", "?"), info.get("sslrootcert", "")
    if "password authentication failed" in low or "authentication failed for user" in low:
        return CentralAuthFailed(f"Server pusat {host} menolak kata sandi pengguna {user}. Periksa kata sandi di "
                                 "Pengaturan → Server pusat; tidak ada data yang dikirim.")
    if "no password supplied" in low:
        return CentralAuthFailed(f"Kata sandi server pusat untuk pengguna {user} belum disimpan; isi di "
                                 "Pengaturan → Server pusat.")
    if "authentication method requirement" in low:
        return CentralAuthFailed(f"Server pusat {host} meminta cara masuk selain {SCRAM}; koneksi dibatalkan agar "
                                 "kata sandi tidak terkirim dengan cara yang lemah. Hubungi admin BKPSDM.")
    if "does not match host name" in low:
        return CentralTlsError(f"Sertifikat server pusat bukan untuk alamat {host}; koneksi dibatalkan "
                               f"(kemungkinan server palsu atau alamat salah). {_tls_detail(text)}")
    if "certificate verify failed" in low or ("certificate" in low and "ssl" in low):
        return CentralTlsError(f"Sertifikat server pusat {host} tidak dapat diverifikasi dengan CA {ca or '-'}; "
                               f"koneksi dibatalkan, tidak ada data yang dikirim. {_tls_detail(text)}")
    if "server does not support ssl" in low:
        return CentralTlsError(f"Server pusat {host} tidak mendukung TLS padahal CA sudah diatur; koneksi dibatalkan.")
    return CentralUnreachable(f"Server pusat tidak dapat dihubungi: {_first_line(exc)}")


def _tls_detail(text: str) -> str:
    for line in text.splitlines():
        if "certificate" in line.lower():
            return f"(Rincian: {line.strip()[:200]})"
    return ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def bundle_bytes(files: Mapping[str, bytes], summary: list[dict[str, Any]]) -> int:
    """The size the server bounds: every file plus the summary lines as stored (jsonb text)."""
    return sum(len(b) for b in files.values()) + len(json.dumps(summary, ensure_ascii=False).encode("utf-8"))


def check_bundle_size(files: Mapping[str, bytes], summary: list[dict[str, Any]], what: str) -> int:
    total = bundle_bytes(files, summary)
    if total > MAX_BUNDLE_BYTES:
        parts = ", ".join(f"{FILE_LABELS.get(k, k)} {len(b) / 1048576:.1f} MiB" for k, b in files.items())
        raise BundleTooLarge(
            f"Bundel kiriman {what} berukuran {total / 1048576:.1f} MiB, melebihi batas "
            f"{MAX_BUNDLE_BYTES // 1048576} MiB yang diterima server pusat ({parts}). Perkecil berkasnya "
            f"(mis. PDF tanpa gambar beresolusi tinggi) lalu buat bundel lagi."
        )
    return total


_INSERT = (
    "INSERT INTO submission (opd_code, year, month, revision, reason, sha256, signed_pdf, signer_subject,"
    " signer_cert_pem, summary, employee_count, recap_xlsx, recap_xlsx_sha256, sptjm_pdf, sptjm_sha256,"
    " pengantar_pdf, pengantar_sha256, manifest, bundle_sha256, audit_head_id, audit_head_hash)"
    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::jsonb,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
    " ON CONFLICT (opd_code, year, month, revision) DO NOTHING RETURNING id, submitted_at"
)


def submit(conn: psycopg.Connection, payload: SubmissionPayload, files: Mapping[str, bytes]) -> SubmitOutcome:
    """Insert one revision's bundle; an identical retry returns the existing row (idempotent)."""
    label = f"{payload.opd_code} {payload.year}-{payload.month:02d} revisi {payload.revision}"
    missing = [FILE_LABELS[k] for k in FILE_KINDS if k not in files]
    if missing:
        raise SubmissionRefused(f"Bundel {label} tidak lengkap: {', '.join(missing)} belum ada.")
    check_bundle_size(files, payload.summary, label)
    sha = payload.file_sha256
    params = (payload.opd_code, payload.year, payload.month, payload.revision, payload.reason, payload.sha256,
              files["recap_pdf"], payload.signer_subject, payload.signer_cert_pem,
              json.dumps(payload.summary, ensure_ascii=False), len(payload.summary),
              files["recap_xlsx"], sha.get("recap_xlsx"), files["sptjm_pdf"], sha.get("sptjm_pdf"),
              files["pengantar_pdf"], sha.get("pengantar_pdf"), payload.manifest, payload.bundle_sha256,
              payload.audit_head_id, payload.audit_head_hash)
    try:
        with conn.transaction(), conn.cursor() as cur:
            row = cur.execute(_INSERT, params).fetchone()
            if row is not None:
                return SubmitOutcome(int(row[0]), row[1], existed=False)
            existing = cur.execute(
                "SELECT id, coalesce(bundle_sha256, sha256), submitted_at FROM submission WHERE opd_code=%s"
                " AND year=%s AND month=%s AND revision=%s",
                (payload.opd_code, payload.year, payload.month, payload.revision),
            ).fetchone()
    except (pg_errors.InsufficientPrivilege, pg_errors.CheckViolation, pg_errors.ForeignKeyViolation,
            pg_errors.NotNullViolation, pg_errors.DataException) as exc:
        raise SubmissionRefused(f"Server pusat menolak kiriman {label}: {_first_line(exc)}") from None
    except psycopg.OperationalError as exc:
        raise CentralUnreachable(f"Koneksi ke server pusat terputus: {_first_line(exc)}") from None
    if existing is None:  # conflict on a row we may not read: another OPD's code
        raise SubmissionRefused("Server pusat menolak kiriman: kode OPD bukan milik akun ini.")
    if existing[1] != (payload.bundle_sha256 or payload.sha256):
        raise SubmissionRefused(
            f"Revisi {payload.revision} periode {payload.year}-{payload.month:02d} sudah terkirim dengan bundel lain "
            f"(sha256 {existing[1][:12]}…). Buat revisi baru dengan alasan untuk mengirim ulang."
        )
    return SubmitOutcome(int(existing[0]), existing[2], existed=True)


_FIELDS = ("id, opd_code, year, month, revision, reason, sha256, signed_pdf, signer_subject, signer_cert_pem, summary,"
           " submitted_by, submitted_at, recap_xlsx, recap_xlsx_sha256, sptjm_pdf, sptjm_sha256, pengantar_pdf,"
           " pengantar_sha256, manifest, bundle_sha256, audit_head_id, audit_head_hash")


def fetch_submission(
    conn: psycopg.Connection, opd_code: str, year: int, month: int, revision: int | None = None
) -> CentralSubmission | None:
    """The given revision (default: the newest) with its whole bundle, as visible to this connection's role."""
    order = "" if revision is not None else " ORDER BY revision DESC LIMIT 1"
    where = " AND revision=%s" if revision is not None else ""
    args: tuple[Any, ...] = (opd_code, year, month) + ((revision,) if revision is not None else ())
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"SELECT {_FIELDS} FROM submission WHERE opd_code=%s AND year=%s AND month=%s{where}"
                          f"{order}", args).fetchone()
    conn.rollback()
    return None if row is None else _submission(row)


def fetch_submission_by_id(conn: psycopg.Connection, submission_id: int) -> CentralSubmission | None:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"SELECT {_FIELDS} FROM submission WHERE id=%s", (submission_id,)).fetchone()
    conn.rollback()
    return None if row is None else _submission(row)


def _submission(row: dict[str, Any]) -> CentralSubmission:
    files = {"recap_pdf": bytes(row["signed_pdf"])}
    shas = {"recap_pdf": row["sha256"]}
    for kind, sha_col in (("recap_xlsx", "recap_xlsx_sha256"), ("sptjm_pdf", "sptjm_sha256"),
                          ("pengantar_pdf", "pengantar_sha256")):
        if row[kind] is not None:
            files[kind] = bytes(row[kind])
            shas[kind] = row[sha_col]
    return CentralSubmission(
        id=row["id"], opd_code=row["opd_code"], year=row["year"], month=row["month"], revision=row["revision"],
        reason=row["reason"], sha256=row["sha256"], signed_pdf=files["recap_pdf"],
        signer_subject=row["signer_subject"], signer_cert_pem=row["signer_cert_pem"], summary=row["summary"],
        submitted_by=row["submitted_by"], submitted_at=row["submitted_at"], files=files, file_sha256=shas,
        manifest=row["manifest"] or "", bundle_sha256=row["bundle_sha256"] or "",
        audit_head_id=row["audit_head_id"], audit_head_hash=row["audit_head_hash"] or "",
    )


@dataclass(frozen=True)
class OpdPeriodStatus:
    opd_code: str
    opd_name: str
    first_submitted_at: dt.datetime | None
    latest_revision: int | None
    latest_submitted_at: dt.datetime | None
    deadline: dt.date
    on_time: bool


def period_status(conn: psycopg.Connection, year: int, month: int) -> list[OpdPeriodStatus]:
    """Server-side summary (SQL function of c0001): first submission vs the 10th-of-next-month deadline."""
    rows = conn.execute("SELECT * FROM period_status(%s, %s)", (year, month)).fetchall()
    conn.rollback()
    return [OpdPeriodStatus(*r) for r in rows]
