"""Reading the month and deciding on bundles at the central database.

The same queries serve both sides: row-level security makes a BKPSDM login see every OPD and an
OPD login see only its own rows, so `period_rows` is BKPSDM's month overview and an OPD's own
history at once. Deciding (`record_review`) needs the BKPSDM login; the server stamps who and when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from services.central.client import CentralUnreachable, SubmissionRefused, _first_line
from services.central.status import OpdInfo, OpdMonthStatus, SubmissionMeta, month_board
from services.errors import BadInputError, PermissionDeniedError

MIN_RETURN_REASON = 10  # the server's return_needs_reason constraint
MAX_REASON = 2000

_META = (
    "SELECT s.id, s.opd_code, s.year, s.month, s.revision, s.reason, s.submitted_at, s.submitted_by,"
    " coalesce(s.bundle_sha256, s.sha256), s.employee_count,"
    " octet_length(s.signed_pdf) + coalesce(octet_length(s.recap_xlsx), 0) + coalesce(octet_length(s.sptjm_pdf), 0)"
    " + coalesce(octet_length(s.pengantar_pdf), 0),"
    " r.decision, r.id, r.reason, r.reviewed_by, r.reviewed_at"
    " FROM submission s LEFT JOIN review r ON r.submission_id = s.id"
)


def _meta(row: tuple[Any, ...]) -> SubmissionMeta:
    return SubmissionMeta(id=row[0], opd_code=row[1], year=row[2], month=row[3], revision=row[4], reason=row[5],
                          submitted_at=row[6], submitted_by=row[7], bundle_sha256=row[8], employee_count=row[9],
                          total_bytes=int(row[10]), decision=row[11], review_id=row[12], review_reason=row[13] or "",
                          reviewed_by=row[14] or "", reviewed_at=row[15])


def period_rows(conn: psycopg.Connection, year: int, month: int, opd_code: str | None = None) -> list[SubmissionMeta]:
    """Submissions of one month (optionally one OPD) with their decisions, oldest revision first."""
    where = " WHERE s.year = %s AND s.month = %s" + (" AND s.opd_code = %s" if opd_code else "")
    args: tuple[Any, ...] = (year, month) + ((opd_code,) if opd_code else ())
    rows = conn.execute(_META + where + " ORDER BY s.opd_code, s.revision", args).fetchall()
    conn.rollback()
    return [_meta(r) for r in rows]


def own_rows(conn: psycopg.Connection) -> list[SubmissionMeta]:
    """Every submission this login may see, every month (the OPD side's review sync)."""
    rows = conn.execute(_META + " ORDER BY s.year, s.month, s.revision").fetchall()
    conn.rollback()
    return [_meta(r) for r in rows]


def opds(conn: psycopg.Connection) -> list[OpdInfo]:
    rows = conn.execute("SELECT code, name, timezone FROM opd ORDER BY code").fetchall()
    conn.rollback()
    return [OpdInfo(*r) for r in rows]


def load_board(conn: psycopg.Connection, year: int, month: int, as_of: dt.date) -> list[OpdMonthStatus]:
    """BKPSDM's month overview; ``as_of`` is the app's date (db.clock.today()), never the server's now()."""
    return month_board(opds(conn), year, month, period_rows(conn, year, month), as_of)


def is_bkpsdm(conn: psycopg.Connection) -> bool:
    ok = conn.execute("SELECT pg_has_role(current_user, 'presensi_bkpsdm', 'MEMBER')").fetchone()
    conn.rollback()
    return bool(ok and ok[0])


def require_bkpsdm(conn: psycopg.Connection) -> str:
    """The login's name, when it is a BKPSDM login; refuses OPD and unknown logins."""
    row = conn.execute("SELECT current_user, pg_has_role(current_user, 'presensi_bkpsdm', 'MEMBER')").fetchone()
    conn.rollback()
    if row is None or not row[1]:
        raise PermissionDeniedError(
            f"Login '{row[0] if row else '?'}' bukan akun BKPSDM di server pusat (bukan anggota presensi_bkpsdm); "
            f"gunakan login peninjau BKPSDM."
        )
    return str(row[0])


@dataclass(frozen=True)
class ReviewOutcome:
    review_id: int
    reviewed_at: dt.datetime
    existed: bool  # the same decision was already recorded (a retry)


def record_review(conn: psycopg.Connection, submission_id: int, decision: str, reason: str = "") -> ReviewOutcome:
    """Accept, or return with a reason, one submission (insert-only; one decision per submission)."""
    reason = reason.strip()
    if decision not in ("accepted", "returned"):
        raise BadInputError(f"Keputusan '{decision}' tidak dikenal (accepted atau returned).")
    if decision == "returned" and len(reason) < MIN_RETURN_REASON:
        raise BadInputError(f"Alasan pengembalian wajib diisi, paling sedikit {MIN_RETURN_REASON} karakter, agar OPD "
                            f"tahu apa yang harus diperbaiki.")
    if len(reason) > MAX_REASON:
        raise BadInputError(f"Alasan terlalu panjang ({len(reason)} karakter; paling banyak {MAX_REASON}).")
    try:
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO review (submission_id, decision, reason) VALUES (%s, %s, %s)"
                " ON CONFLICT (submission_id) DO NOTHING RETURNING id, reviewed_at",
                (submission_id, decision, reason)).fetchone()
            if row is not None:
                return ReviewOutcome(int(row[0]), row[1], existed=False)
            existing = conn.execute("SELECT id, decision, reason, reviewed_at, reviewed_by FROM review"
                                    " WHERE submission_id = %s", (submission_id,)).fetchone()
    except pg_errors.InsufficientPrivilege:
        raise PermissionDeniedError("Hanya login BKPSDM yang boleh menerima atau mengembalikan kiriman.") from None
    except pg_errors.ForeignKeyViolation:
        raise SubmissionRefused(f"Kiriman id {submission_id} tidak ada di server pusat.") from None
    except (pg_errors.CheckViolation, pg_errors.DataException) as exc:
        raise SubmissionRefused(f"Server pusat menolak keputusan: {_first_line(exc)}") from None
    except psycopg.OperationalError as exc:
        raise CentralUnreachable(f"Koneksi ke server pusat terputus: {_first_line(exc)}") from None
    assert existing is not None
    if existing[1] != decision or existing[2] != reason:
        word = "diterima" if existing[1] == "accepted" else "dikembalikan"
        raise SubmissionRefused(f"Kiriman ini sudah {word} oleh {existing[4]} pada {existing[3]:%d-%m-%Y %H:%M}; "
                                f"keputusan tidak dapat diubah (riwayat hanya bertambah).")
    return ReviewOutcome(int(existing[0]), existing[3], existed=True)
