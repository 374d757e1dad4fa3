"""Period lock: the signer locks a month; afterwards recompute/corrections/letters refuse until unlocked.

A month can be locked only after it has ended (by the injected clock), and not while days are still
"perlu ditinjau" (the exception queue) unless the signer overrides with a written reason, which the
audit log keeps together with the number of open days.

Unlocking needs a reason and is audited; a period that was already signed or submitted
goes back to "open" so the report helper issues a new revision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import CurrentUser
from services.calendar.names import month_bounds, month_label
from services.errors import BadInputError, PeriodLockedError, PermissionDeniedError
from services.labels import PERIOD_STATE
from services.reconcile.grid import exception_queue
from services.store.db import clock_of, xact_lock
from services.store.models import DayRecord, Employee, Period, User
from services.timefmt import tanggal_jam

MIN_REASON = 5  # characters of a written reason (unlock, lock over open review days)


class PeriodNotReadyError(BadInputError):
    """The month cannot be locked yet: it has not ended, or days still need review (without an override)."""


def ensure_month_ended(year: int, month: int, today: dt.date, action: str = "Mengunci") -> None:
    """Refuse (PeriodNotReadyError) while the month has not ended: its last day must be before ``today``."""
    last = month_bounds(year, month)[1]
    if last >= today:
        raise PeriodNotReadyError(
            f"{action} periode {month_label(year, month)} ditolak: bulan itu belum berakhir (hari ini "
            f"{today:%d-%m-%Y}; paling cepat {last + dt.timedelta(days=1):%d-%m-%Y}). Hari yang belum lewat "
            "belum punya data presensi.")


STATUS_LABEL = PERIOD_STATE  # one name per state for every screen (services/labels.py)


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]  # "Terkirim ke BKPSDM" mid-sentence keeps BKPSDM


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
        when = tanggal_jam(p.locked_at) if p.locked_at else "-"
        raise PeriodLockedError(
            f"{action} ditolak: periode {month_label(year, month)} sudah {_lower_first(STATUS_LABEL.get(p.status, p.status))} "
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


def _ensure_computed_to_the_end(session: Session, opd_id: int, year: int, month: int) -> None:
    """A month computed only up to a day before its end (the recompute ran mid-month) would lock without its last
    days' TK; refuse until it is recomputed. A month with no day records at all has nothing to review."""
    first, last = month_bounds(year, month)
    latest = session.execute(
        select(func.max(DayRecord.date)).join(Employee, Employee.id == DayRecord.employee_id)
        .where(Employee.opd_id == opd_id, DayRecord.date >= first, DayRecord.date <= last)).scalar()
    if latest is not None and latest < last:
        raise PeriodNotReadyError(
            f"Periode {month_label(year, month)} baru dihitung sampai {latest:%d-%m-%Y}; tekan 'Hitung ulang' dulu agar "
            f"hari sampai {last:%d-%m-%Y} ikut dihitung, lalu kunci.")


def check_lockable(session: Session, opd_id: int, year: int, month: int) -> int:
    """Refuse (PeriodNotReadyError) a month that has not ended or was not computed to its end; else the number
    of days still "perlu ditinjau" (locking over them needs the signer's written reason)."""
    ensure_month_ended(year, month, clock_of(session).today())
    _ensure_computed_to_the_end(session, opd_id, year, month)
    return len(exception_queue(session, opd_id, year, month))


def lock_period(session: Session, opd_id: int, year: int, month: int, user: CurrentUser,
                override_reason: str | None = None) -> Period:
    """Lock a finished month (signer role). Locking an already locked month is an error, not a silent no-op.

    Days still "perlu ditinjau" refuse the lock unless ``override_reason`` (at least 5 characters) says
    why the signer locks anyway; the reason and the number of open days go to the audit log.
    """
    _signer_check(session, user)
    if not 1 <= month <= 12:
        raise BadInputError(f"Bulan {month} tidak valid.")
    period_key_lock(session, opd_id, year, month)
    review = check_lockable(session, opd_id, year, month)
    reason = (override_reason or "").strip()
    if review and len(reason) < MIN_REASON:
        raise PeriodNotReadyError(
            f"Periode {month_label(year, month)} belum bisa dikunci: masih ada {review} hari yang perlu ditinjau "
            "(tab 'Perlu ditinjau' di layar Rekonsiliasi). Tinjau/koreksi dulu, atau Kepala OPD mengunci dengan "
            f"alasan tertulis (minimal {MIN_REASON} karakter; tercatat di jejak audit).")
    p = get_period(session, opd_id, year, month)
    if p is None:
        p = Period(opd_id=opd_id, year=year, month=month, status="open")
        session.add(p)
    elif p.status != "open":
        raise PeriodLockedError(f"Periode {month_label(year, month)} sudah {_lower_first(STATUS_LABEL.get(p.status, p.status))}.")
    p.status = "locked"
    p.locked_by = user.username
    p.locked_at = clock_of(session).now()
    session.flush()
    detail: dict[str, object] = {"opd_id": opd_id, "year": year, "month": month}
    if review:
        detail |= {"review_days": review, "override_reason": reason}
    audit.record(session, user.username, "period.lock", "period", p.id, detail)
    return p


def unlock_period(session: Session, opd_id: int, year: int, month: int, user: CurrentUser, reason: str) -> Period:
    _signer_check(session, user)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise BadInputError(f"Alasan membuka kunci periode wajib diisi (minimal {MIN_REASON} karakter).")
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
