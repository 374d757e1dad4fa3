"""Manual corrections of a day (status / check-in / check-out) with a mandatory reason, audited.

A correction never edits punches: it is stored, the day is recomputed, and the engine
applies the active corrections on top of the computed values (DayRecord.corrected).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import AuthError, CurrentUser
from services.errors import BadInputError, ConflictError
from services.policy.model import Policy
from services.reconcile.engine import parse_correction_time, policy_for_opd, recompute
from services.reconcile.period import ensure_unlocked
from services.store.db import clock_of
from services.store.models import AuditEvent, Correction, DayRecord, Employee

FIELDS = {"status": "Status", "check_in": "Jam masuk", "check_out": "Jam pulang"}
CORRECTABLE_STATUS = ("H", "TK", "DL", "S", "I", "CT", "CBS", "CS", "CM", "CAP", "CLTN", "LIBUR")


class CorrectionError(BadInputError):
    pass


@dataclass(frozen=True)
class CorrectionRow:
    id: int
    field: str
    value: str
    reason: str
    username: str
    created_at: dt.datetime
    active: bool


def check_day_correctable(day: dt.date, today: dt.date) -> None:
    """Refuse a correction of a day that has not happened yet: it has no record to correct.

    ``add_correction`` applies it; screens call it before opening the correction form.
    """
    if day > today:
        raise CorrectionError("Tanggal ini belum terjadi; belum ada yang bisa dikoreksi.")


def _may_correct(user: CurrentUser) -> None:
    if not (user.has("operator") or user.has("verifier")):
        raise AuthError("Koreksi memerlukan peran Operator Umpeg atau Atasan / Verifikator.")


def _validate(field: str, value: str, day: dt.date) -> str:
    value = (value or "").strip()
    if field not in FIELDS:
        raise CorrectionError(f"Kolom koreksi '{field}' tidak dikenal (pilih: {', '.join(FIELDS)}).")
    if field == "status":
        value = value.upper()
        if value not in CORRECTABLE_STATUS:
            raise CorrectionError(f"Status '{value}' tidak valid (pilih: {', '.join(CORRECTABLE_STATUS)}).")
        return value
    try:
        parse_correction_time(value, day, None)
    except ValueError:
        raise CorrectionError(f"{FIELDS[field]} '{value}' tidak valid; tulis JJ:MM, mis. 07:45.") from None
    if not value:
        raise CorrectionError(f"{FIELDS[field]} wajib diisi.")
    return value


ANY_ACTIVE = -1  # add_correction(expected_active=...) default: replace whatever correction is active


def add_correction(session: Session, user: CurrentUser, employee_id: int, date: dt.date, field: str, value: str,
                   reason: str, policy: Policy | None = None, today: dt.date | None = None,
                   expected_active: int | None = ANY_ACTIVE) -> Correction:
    """Store a correction (replacing an active one of the same field), audit it and recompute that day.

    Refused for a day after ``today`` (default: the office clock's today). ``expected_active``: the id of the
    active correction of this field the user saw (None = none); when another user (another PC) corrected
    the field meanwhile the correction is refused with ConflictError instead of replacing theirs unseen.
    """
    _may_correct(user)
    check_day_correctable(date, today or clock_of(session).today())
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise CorrectionError("Alasan koreksi wajib diisi (minimal 5 karakter).")
    value = _validate(field, value, date)
    emp = session.get(Employee, employee_id)
    if emp is None:
        raise CorrectionError(f"Pegawai id {employee_id} tidak ditemukan.")
    ensure_unlocked(session, [emp.opd_id], date.year, date.month, "Koreksi")
    before = session.get(DayRecord, (employee_id, date))
    old = None
    if before is not None:
        old = {"status": before.status, "check_in": before.check_in, "check_out": before.check_out}
    active = list(session.execute(select(Correction).where(
        Correction.employee_id == employee_id, Correction.date == date, Correction.field == field,
        Correction.active.is_(True)).with_for_update()).scalars())
    if expected_active != ANY_ACTIVE and [c.id for c in active] != ([] if expected_active is None else [expected_active]):
        raise ConflictError(_conflict_text(active, emp.name, date, field))
    for prev in active:
        prev.active = False
    corr = Correction(employee_id=employee_id, date=date, field=field, value=value, reason=reason, active=True,
                      username=user.username)
    session.flush()  # the deactivations, outside the savepoint below
    try:
        with session.begin_nested():  # the unique active-correction index decides a race between two PCs
            session.add(corr)
    except IntegrityError:
        raise ConflictError(_conflict_text([], emp.name, date, field)) from None
    audit.record(session, user.username, "correction.add", "day_record", f"{employee_id}:{date.isoformat()}",
                 {"correction_id": corr.id, "field": field, "value": value, "reason": reason, "before": old,
                  "nip": emp.nip})
    recompute(session, date.year, date.month, policy or policy_for_opd(session, emp.opd_id),
              employee_ids=[employee_id], dates=[date], today=today)
    return corr


def _conflict_text(active: list[Correction], name: str, date: dt.date, field: str) -> str:
    by = f" oleh {active[0].username} pada {active[0].created_at:%d-%m-%Y %H:%M}" if active else ""
    return (f"{FIELDS.get(field, field)} {name} tanggal {date:%d-%m-%Y} baru saja dikoreksi{by} "
            "(mungkin dari PC lain). Koreksi Anda tidak disimpan agar koreksi itu tidak tertimpa: "
            "muat ulang lalu ulangi bila masih perlu.")


def revoke_correction(session: Session, user: CurrentUser, correction_id: int, reason: str,
                      policy: Policy | None = None, today: dt.date | None = None) -> None:
    _may_correct(user)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise CorrectionError("Alasan pembatalan koreksi wajib diisi (minimal 5 karakter).")
    corr = session.get(Correction, correction_id, with_for_update=True)
    if corr is None or not corr.active:
        raise CorrectionError("Koreksi tidak ditemukan atau sudah dibatalkan.")
    emp = session.get(Employee, corr.employee_id)
    assert emp is not None
    ensure_unlocked(session, [emp.opd_id], corr.date.year, corr.date.month, "Pembatalan koreksi")
    corr.active = False
    session.flush()
    audit.record(session, user.username, "correction.revoke", "day_record", f"{corr.employee_id}:{corr.date.isoformat()}",
                 {"correction_id": corr.id, "reason": reason})
    recompute(session, corr.date.year, corr.date.month, policy or policy_for_opd(session, emp.opd_id),
              employee_ids=[corr.employee_id], dates=[corr.date], today=today)


UNDO_PREFIX = "Membatalkan koreksi #"


def undo_correction(session: Session, user: CurrentUser, correction_id: int, reason: str,
                    policy: Policy | None = None, today: dt.date | None = None) -> Correction:
    """Undo a correction by a reversing one: a new correction row records who undid which correction, when
    and why (its value is what the field goes back to), the undone one stops applying; nothing is deleted.

    The field goes back to the correction it had replaced when that one was still in force (so undoing a
    second fix restores the first), otherwise to the computed value (value "", not applied by the engine).
    """
    _may_correct(user)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise CorrectionError("Alasan pembatalan koreksi wajib diisi (minimal 5 karakter).")
    corr = session.get(Correction, correction_id)
    if corr is None or not corr.active:
        raise CorrectionError("Koreksi tidak ditemukan atau sudah tidak berlaku.")
    emp = session.get(Employee, corr.employee_id)
    assert emp is not None
    ensure_unlocked(session, [emp.opd_id], corr.date.year, corr.date.month, "Pembatalan koreksi")
    earlier = session.execute(
        select(Correction).where(Correction.employee_id == corr.employee_id, Correction.date == corr.date,
                                 Correction.field == corr.field, Correction.id < corr.id)
        .order_by(Correction.id.desc()).limit(1)).scalar_one_or_none()
    # the earlier row was in force until ``corr`` replaced it only if it was a real value and not undone itself
    restore = earlier is not None and earlier.value != "" and not _was_undone(session, earlier.id)
    corr.active = False
    undo = Correction(employee_id=corr.employee_id, date=corr.date, field=corr.field,
                      value=earlier.value if restore and earlier is not None else "",
                      reason=f"{UNDO_PREFIX}{corr.id}: {reason}"[:500], active=restore, username=user.username)
    session.add(undo)
    session.flush()
    audit.record(session, user.username, "correction.undo", "day_record", f"{corr.employee_id}:{corr.date.isoformat()}",
                 {"correction_id": corr.id, "undo_id": undo.id, "field": corr.field, "from": corr.value,
                  "to": undo.value or "(hasil perhitungan)", "reason": reason, "nip": emp.nip})
    recompute(session, corr.date.year, corr.date.month, policy or policy_for_opd(session, emp.opd_id),
              employee_ids=[corr.employee_id], dates=[corr.date], today=today)
    return undo


def _was_undone(session: Session, correction_id: int) -> bool:
    """Whether a correction stopped applying on its own (undone or revoked), not by being replaced."""
    prefix = f"{UNDO_PREFIX}{correction_id}:"
    if session.execute(select(Correction.id).where(Correction.reason.startswith(prefix)).limit(1)).first():
        return True
    revoked = select(AuditEvent.id).where(AuditEvent.action == "correction.revoke",
                                          AuditEvent.detail.like(f'%"correction_id": {int(correction_id)},%'))
    return session.execute(revoked.limit(1)).first() is not None


def corrections_for_day(session: Session, employee_id: int, date: dt.date) -> list[CorrectionRow]:
    q = (select(Correction.id, Correction.field, Correction.value, Correction.reason, Correction.username,
                Correction.created_at, Correction.active)
         .where(Correction.employee_id == employee_id, Correction.date == date).order_by(Correction.id))
    return [CorrectionRow(*r) for r in session.execute(q)]
