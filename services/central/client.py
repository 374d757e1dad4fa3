"""Talking to the central BKPSDM PostgreSQL database as one OPD (or as BKPSDM).

Errors are split in two so the outbox knows what to do:
- `CentralUnreachable`: network/server/authentication trouble -> keep queued, retry later;
- `SubmissionRefused`: the server said no (different file for the same revision,
  row-level security, constraint) -> retrying the same thing will never help.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from services.errors import UnreachableError, UserError

CONNECT_TIMEOUT_S = 5


class CentralError(UserError):
    pass


class CentralUnreachable(CentralError, UnreachableError):
    pass


class SubmissionRefused(CentralError):
    pass


@dataclass(frozen=True)
class SubmissionPayload:
    """What one submission carries, besides the signed PDF bytes."""

    opd_code: str
    year: int
    month: int
    revision: int
    reason: str
    sha256: str  # of the signed PDF
    signer_subject: str
    signer_cert_pem: str
    summary: list[dict[str, Any]]

    def key(self) -> str:
        return f"{self.opd_code}:{self.year}-{self.month:02d}:r{self.revision}:{self.sha256}"

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SubmissionPayload:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class SubmitOutcome:
    submission_id: int
    submitted_at: dt.datetime
    existed: bool  # True when this exact submission was already there (an idempotent retry)


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


def connect(url: str, password: str | None = None, timeout: int = CONNECT_TIMEOUT_S) -> psycopg.Connection:
    kwargs: dict[str, Any] = {"connect_timeout": timeout, "application_name": "presensi-opd"}
    if password:
        kwargs["password"] = password
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        raise CentralUnreachable(f"Server pusat tidak dapat dihubungi: {_first_line(exc)}") from None
    except psycopg.ProgrammingError as exc:  # malformed URL
        raise CentralUnreachable(f"Alamat server pusat tidak valid: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def submit(conn: psycopg.Connection, payload: SubmissionPayload, pdf: bytes) -> SubmitOutcome:
    """Insert one submission; an identical retry returns the existing row (idempotent)."""
    try:
        with conn.transaction(), conn.cursor() as cur:
            row = cur.execute(
                "INSERT INTO submission (opd_code, year, month, revision, reason, sha256, signed_pdf, signer_subject,"
                " signer_cert_pem, summary, employee_count) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::jsonb,%s)"
                " ON CONFLICT (opd_code, year, month, revision) DO NOTHING RETURNING id, submitted_at",
                (payload.opd_code, payload.year, payload.month, payload.revision, payload.reason, payload.sha256,
                 pdf, payload.signer_subject, payload.signer_cert_pem,
                 json.dumps(payload.summary, ensure_ascii=False), len(payload.summary)),
            ).fetchone()
            if row is not None:
                return SubmitOutcome(int(row[0]), row[1], existed=False)
            existing = cur.execute(
                "SELECT id, sha256, submitted_at FROM submission WHERE opd_code=%s AND year=%s AND month=%s"
                " AND revision=%s",
                (payload.opd_code, payload.year, payload.month, payload.revision),
            ).fetchone()
    except (pg_errors.InsufficientPrivilege, pg_errors.CheckViolation, pg_errors.ForeignKeyViolation,
            pg_errors.NotNullViolation, pg_errors.DataException) as exc:
        raise SubmissionRefused(f"Server pusat menolak kiriman: {_first_line(exc)}") from None
    except psycopg.OperationalError as exc:
        raise CentralUnreachable(f"Koneksi ke server pusat terputus: {_first_line(exc)}") from None
    if existing is None:  # conflict on a row we may not read: another OPD's code
        raise SubmissionRefused("Server pusat menolak kiriman: kode OPD bukan milik akun ini.")
    if existing[1] != payload.sha256:
        raise SubmissionRefused(
            f"Revisi {payload.revision} periode {payload.year}-{payload.month:02d} sudah terkirim dengan berkas lain "
            f"(sha256 {existing[1][:12]}…). Buat revisi baru dengan alasan untuk mengirim ulang."
        )
    return SubmitOutcome(int(existing[0]), existing[2], existed=True)


_FIELDS = ("id, opd_code, year, month, revision, reason, sha256, signed_pdf, signer_subject, signer_cert_pem, summary,"
           " submitted_by, submitted_at")


def fetch_submission(
    conn: psycopg.Connection, opd_code: str, year: int, month: int, revision: int | None = None
) -> CentralSubmission | None:
    """The given revision (default: the newest) as visible to this connection's role."""
    with conn.cursor() as cur:
        if revision is None:
            row = cur.execute(
                f"SELECT {_FIELDS} FROM submission WHERE opd_code=%s AND year=%s AND month=%s"
                " ORDER BY revision DESC LIMIT 1", (opd_code, year, month)).fetchone()
        else:
            row = cur.execute(
                f"SELECT {_FIELDS} FROM submission WHERE opd_code=%s AND year=%s AND month=%s AND revision=%s",
                (opd_code, year, month, revision)).fetchone()
    conn.rollback()
    if row is None:
        return None
    return CentralSubmission(
        id=row[0], opd_code=row[1], year=row[2], month=row[3], revision=row[4], reason=row[5], sha256=row[6],
        signed_pdf=bytes(row[7]), signer_subject=row[8], signer_cert_pem=row[9], summary=row[10],
        submitted_by=row[11], submitted_at=row[12],
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
    """For BKPSDM: every OPD with its first submission time and whether it met the 10th-of-next-month deadline."""
    rows = conn.execute("SELECT * FROM period_status(%s, %s)", (year, month)).fetchall()
    conn.rollback()
    return [OpdPeriodStatus(*r) for r in rows]
