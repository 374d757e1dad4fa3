"""Period lock: the signer locks a month; afterwards recompute/corrections/letters refuse until unlocked.

Unlocking needs a reason and is audited; a period that was already signed or submitted
goes back to "open" so the report helper issues a new revision.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import CurrentUser
from services.calendar.names import month_label
from services.errors import BadInputError, PeriodLockedError, PermissionDeniedError
from services.store.db import clock_of, xact_lock
from services.store.models import Period, User

STATUS_LABEL = {"open": "Terbuka", "locked": "Dikunci", "signed": "Ditandatangani", "submitted": "Terkirim"}


def get_period(session: Session, opd_id: int, year: int, month: int) -> Period | None:
    return session.execute(
        select(Period).where(Period.opd_id == opd_id, Period.year == year, Period.month == month)).scalar()


def period_status(session: Session, opd_id: int, year: int, month: int) -> str:
    p = get_period(session, opd_id, year, month)
    return p.status if p else "open"


def is_locked(session: Session, opd_id: int, year: int, month: int) -> bool:
    return period_status(session, opd_id, year, month) != "open"


def ensure_unlocked(session: Session, opd_ids: Iterable[int], year: int, month: int, action: str = "Perubahan") -> None:
    """Raise PeriodLockedError with a message staff can act on when any of the OPDs has the month locked."""
    ids = sorted(set(opd_ids))
    if not ids:
        return
    for opd_id in ids:  # held until this transaction ends: a lock committed by another PC waits for it, or
        period_key_lock(session, opd_id, year, month, shared=True)  # is seen by the query below
    rows = session.execute(select(Period).where(Period.opd_id.in_(ids), Period.year == year, Period.month == month,
                                                Period.status != "open")).scalars().all()
    if rows:
        p = rows[0]
        when = p.locked_at.strftime("%d-%m-%Y %H:%M") if p.locked_at else "-"
        raise PeriodLockedError(
            f"{action} ditolak: periode {month_label(year, month)} sudah {STATUS_LABEL.get(p.status, p.status).lower()} "
            f"(oleh {p.locked_by or '-'} pada {when}). Buka kunci periode dulu oleh penanda tangan, dengan alasan.")


def period_key_lock(session: Session, opd_id: int, year: int, month: int, *, shared: bool = False) -> None:
    """The month's advisory lock on PostgreSQL (several PCs): edits hold it shared from their lock check to their
    commit, lock/unlock hold it exclusively, so no edit commits into a month another PC has just locked.
    Key (opd_id, -YYYYMM): negative second keys are this lock's own space."""
    xact_lock(session, opd_id, -(year * 100 + month), shared=shared)


def _signer_check(session: Session, user: CurrentUser) -> None:
    user.require("signer")
    row = session.execute(select(User.active).where(User.username == user.username)).scalar()
    if row is False:
        raise PermissionDeniedError(f"Pengguna '{user.username}' tidak aktif.")


def lock_period(session: Session, opd_id: int, year: int, month: int, user: CurrentUser) -> Period:
    """Lock a month (signer role). Locking an already locked month is an error, not a silent no-op."""
    _signer_check(session, user)
    if not 1 <= month <= 12:
        raise BadInputError(f"Bulan {month} tidak valid.")
    period_key_lock(session, opd_id, year, month)
    p = get_period(session, opd_id, year, month)
    if p is None:
        p = Period(opd_id=opd_id, year=year, month=month, status="open")
        session.add(p)
    elif p.status != "open":
        raise PeriodLockedError(f"Periode {month_label(year, month)} sudah {STATUS_LABEL.get(p.status, p.status).lower()}.")
    p.status = "locked"
    p.locked_by = user.username
    p.locked_at = clock_of(session).now()
    session.flush()
    audit.record(session, user.username, "period.lock", "period", p.id, {"opd_id": opd_id, "year": year, "month": month})
    return p


def unlock_period(session: Session, opd_id: int, year: int, month: int, user: CurrentUser, reason: str) -> Period:
    _signer_check(session, user)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise BadInputError("Alasan membuka kunci periode wajib diisi (minimal 5 karakter).")
    period_key_lock(session, opd_id, year, month)
    p = get_period(session, opd_id, year, month)
    if p is None or p.status == "open":
        raise BadInputError(f"Periode {month_label(year, month)} tidak sedang dikunci.")
    previous = p.status
    p.status = "open"
    session.flush()
    audit.record(session, user.username, "period.unlock", "period", p.id,
                 {"opd_id": opd_id, "year": year, "month": month, "previous": previous, "reason": reason})
    return p
