"""The atasan's verification queue: which selfies a user may see, and recording verdicts.

Only users with the verifier role decide. An atasan sees the punches of the
employees whose ``supervisor_id`` is their own employee record; an admin sees
everyone. Every verdict is audited in the same transaction. A punch whose check
ends "rejected" or "manipulation" is left out by the reconciliation, so a month that is
locked (signed, sent) refuses new verdicts until the signer unlocks it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from services.auth import audit
from services.auth.users import AuthError, CurrentUser
from services.errors import BadInputError, NotFoundError
from services.mobile.photos import stored_path
from services.reconcile.period import ensure_unlocked
from services.store.db import clock_of
from services.store.models import Employee, OfficeLocation, Punch, ReferencePhoto, SelfieCheck

VERDICTS = {
    "approved": "Disetujui",
    "rejected": "Ditolak",
    "manipulation": "Manipulasi",
    "pending": "Menunggu",
}
INVALID_VERDICTS = ("rejected", "manipulation")  # reconciliation ignores these punches


@dataclass(frozen=True)
class QueueItem:
    check_id: int
    punch_id: int
    employee_id: int | None
    employee_name: str
    nip: str
    ts: dt.datetime
    distance_m: float | None
    location_name: str
    phone_id: str
    punch_flags: str
    selfie_flags: str
    faces: int
    blur: float
    brightness: float
    similarity: float | None
    reused_of_punch_id: int | None
    reused_of_text: str  # "Nama, 2026-03-02 07:25" of the original photo's punch
    photo_path: Path | None
    reference_path: Path | None
    verdict: str
    verifier: str
    reason: str

    @property
    def all_flags(self) -> list[str]:
        return [f for f in (self.punch_flags + "," + self.selfie_flags).split(",") if f]


def _visible(q: Select, user: CurrentUser) -> Select:
    """Limit a query joined to Employee to what ``user`` may verify."""
    if "admin" in user.roles:
        return q
    if user.employee_id is None:
        return q.where(Employee.id == -1)  # a verifier not linked to an employee supervises nobody
    return q.where(Employee.supervisor_id == user.employee_id)


def list_queue(
    session: Session,
    db_path: Path,
    user: CurrentUser,
    status: str = "pending",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[QueueItem]:
    """Checked selfies visible to ``user``; status "pending", "decided" or "all"; oldest first."""
    user.require("verifier")
    original = aliased(Punch)
    orig_emp = aliased(Employee)
    q = (
        select(SelfieCheck, Punch, Employee, OfficeLocation.name, original.ts, orig_emp.name)
        .join(Punch, Punch.id == SelfieCheck.punch_id)
        .join(Employee, Employee.id == Punch.employee_id)
        .outerjoin(OfficeLocation, OfficeLocation.id == Punch.location_id)
        .outerjoin(original, original.id == SelfieCheck.reused_of_punch_id)
        .outerjoin(orig_emp, orig_emp.id == original.employee_id)
    )
    q = _visible(q, user)
    if status == "pending":
        q = q.where(SelfieCheck.verdict == "pending")
    elif status == "decided":
        q = q.where(SelfieCheck.verdict != "pending")
    if date_from:
        q = q.where(Punch.ts >= dt.datetime.combine(date_from, dt.time.min))
    if date_to:
        q = q.where(Punch.ts < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    rows = session.execute(q.order_by(Punch.ts, Punch.id)).all()
    emp_ids = {emp.id for _c, _p, emp, *_ in rows}
    refs: dict[int, str] = {}
    if emp_ids:
        for emp_id, path in session.execute(
            select(ReferencePhoto.employee_id, ReferencePhoto.path).where(ReferencePhoto.employee_id.in_(emp_ids)).order_by(ReferencePhoto.id)
        ):
            refs.setdefault(emp_id, path)
    items = []
    for check, punch, emp, loc_name, orig_ts, orig_name in rows:
        reused_text = f"{orig_name or '?'}, {orig_ts:%Y-%m-%d %H:%M}" if orig_ts else ""
        items.append(
            QueueItem(
                check_id=check.id,
                punch_id=punch.id,
                employee_id=emp.id,
                employee_name=emp.name,
                nip=emp.nip,
                ts=punch.ts,
                distance_m=punch.distance_m,
                location_name=loc_name or "",
                phone_id=punch.phone_id or "",
                punch_flags=punch.flags or "",
                selfie_flags=check.flags or "",
                faces=check.faces,
                blur=check.blur,
                brightness=check.brightness,
                similarity=check.similarity,
                reused_of_punch_id=check.reused_of_punch_id,
                reused_of_text=reused_text,
                photo_path=stored_path(db_path, punch.photo_path) if punch.photo_path else None,
                reference_path=stored_path(db_path, refs[emp.id]) if emp.id in refs else None,
                verdict=check.verdict,
                verifier=check.verifier,
                reason=check.reason,
            )
        )
    return items


def count_unchecked(session: Session, user: CurrentUser) -> int:
    """Punches with a photo visible to ``user`` that have no SelfieCheck yet."""
    q = (
        select(Punch.id)
        .join(Employee, Employee.id == Punch.employee_id)
        .where(Punch.photo_path.is_not(None))
        .where(~select(SelfieCheck.id).where(SelfieCheck.punch_id == Punch.id).exists())
    )
    return len(session.execute(_visible(q, user)).all())


def set_verdict(session: Session, user: CurrentUser, check_id: int, verdict: str, reason: str = "") -> SelfieCheck:
    """Record the atasan's decision on one selfie (audited). Reject / manipulation need a reason."""
    user.require("verifier")
    if verdict not in VERDICTS or verdict == "pending":
        raise BadInputError(f"Keputusan tidak dikenal: '{verdict}'")
    reason = reason.strip()
    if verdict in INVALID_VERDICTS and not reason:
        raise BadInputError(f"Keputusan '{VERDICTS[verdict]}' wajib disertai alasan.")
    check = session.get(SelfieCheck, check_id)
    if check is None:
        raise NotFoundError(f"Pemeriksaan swafoto #{check_id} tidak ditemukan.")
    punch = session.get(Punch, check.punch_id)
    emp = session.get(Employee, punch.employee_id) if punch and punch.employee_id else None
    if "admin" not in user.roles and (emp is None or user.employee_id is None or emp.supervisor_id != user.employee_id):
        raise AuthError("Anda hanya dapat memverifikasi swafoto bawahan langsung Anda.")
    if punch is not None and emp is not None:
        # A verdict changes that day's status; in a locked/signed month it would never reach the report.
        ensure_unlocked(session, [emp.opd_id], punch.ts.year, punch.ts.month, "Keputusan swafoto")
    before = check.verdict
    check.verdict = verdict
    check.reason = reason
    check.verifier = user.username
    check.verified_at = clock_of(session).now()
    audit.record(
        session, user.username, "selfie.verdict", "selfie_check", check.id,
        {"punch_id": check.punch_id, "employee_id": emp.id if emp else None, "from": before, "to": verdict, "reason": reason},
    )
    return check
