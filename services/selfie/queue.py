"""The atasan's verification queue: which selfies a user may see, and recording verdicts.

Only users with the verifier role decide. An atasan sees the punches of the
employees whose ``supervisor_id`` is their own employee record; an admin sees
everyone. Every verdict is audited in the same transaction. A punch whose check
ends "rejected" or "manipulation" is left out by the reconciliation, so a month that is
locked (signed, sent) refuses new verdicts until the signer unlocks it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from services.auth import audit
from services.auth.users import AuthError, CurrentUser
from services.errors import BadInputError, ConflictError, NotFoundError
from services.reconcile.period import ensure_unlocked
from services.selfie.matching import score_words
from services.selfie.photos import stored_path
from services.selfie.risk import explain, risk_score, risk_words
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
    face_distance: float | None  # to the nearest reference photo's face; small = same person
    match_threshold: float | None
    reused_of_punch_id: int | None
    reused_of_text: str  # "Nama, 2026-03-02 07:25" of the original photo's punch
    photo_path: Path | None
    reference_path: Path | None  # the reference that matched best (else the employee's first)
    verdict: str
    verifier: str
    reason: str
    reference_text: str = ""  # "referensi 2 dari 3, 2026-03-01" of the best-matching reference
    evidence: dict[str, str] = field(default_factory=dict)
    risk: int = 0
    version: int = 1  # the check's row version shown: set_verdict refuses it once another verifier/PC decided

    @property
    def all_flags(self) -> list[str]:
        return [f for f in (self.punch_flags + "," + self.selfie_flags).split(",") if f]

    @property
    def score_words(self) -> str:
        """The face score said in words: "sangat mirip", "mirip", "meragukan ...", "kemungkinan orang lain"."""
        if self.face_distance is None:
            if "no_reference" in self.all_flags:
                return "belum ada foto referensi"
            return "tidak ada wajah untuk dibandingkan" if self.faces == 0 else "tidak dapat dibandingkan"
        return score_words(self.face_distance, self.match_threshold or 0.62)

    @property
    def risk_words(self) -> str:
        return risk_words(self.risk, self.all_flags)

    @property
    def explanations(self) -> list[str]:
        return explain(self.all_flags, self.evidence)


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
    """Checked selfies visible to ``user``; status "pending", "decided" or "all"; riskiest first, then oldest."""
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
    refs = _references(session, {emp.id for _c, _p, emp, *_ in rows})
    items = [_item(db_path, refs, *row) for row in rows]
    # the atasan sees the riskiest first (suspected different person on top), then oldest first
    items.sort(key=lambda it: (-it.risk, it.ts, it.punch_id))
    return items


@dataclass(frozen=True)
class _Ref:
    id: int
    path: str
    number: int  # 1-based among the employee's references
    of: int
    created_at: dt.datetime | None


def _references(session: Session, emp_ids: set[int]) -> dict[int, list[_Ref]]:
    out: dict[int, list[_Ref]] = {}
    if not emp_ids:
        return out
    raw: dict[int, list[tuple[int, str, dt.datetime | None]]] = {}
    for ref_id, emp_id, path, created in session.execute(
        select(ReferencePhoto.id, ReferencePhoto.employee_id, ReferencePhoto.path, ReferencePhoto.created_at)
        .where(ReferencePhoto.employee_id.in_(emp_ids)).order_by(ReferencePhoto.id)
    ):
        raw.setdefault(emp_id, []).append((ref_id, path, created))
    for emp_id, lst in raw.items():
        out[emp_id] = [_Ref(rid, path, i + 1, len(lst), created) for i, (rid, path, created) in enumerate(lst)]
    return out


def _punch_evidence(punch: Punch, loc_name: str | None, reused_text: str) -> dict[str, str]:
    ev: dict[str, str] = {}
    if punch.distance_m is not None:
        ev["outside_geofence"] = f"{punch.distance_m:,.0f} m dari {loc_name or 'kantor'}".replace(",", ".")
    ev["unknown_phone"] = f"ID HP '{punch.phone_id}' tidak terdaftar untuk pegawai ini" if punch.phone_id else "tanpa ID HP"
    ev["mock_location"] = "aplikasi HP melaporkan posisi dari penyedia lokasi tiruan (mock location)"
    if reused_text:
        ev["reused"] = f"foto yang sama dengan presensi {reused_text}"
    return ev


def _item(db_path: Path, refs: dict[int, list[_Ref]], check: SelfieCheck, punch: Punch, emp: Employee,
          loc_name: str | None, orig_ts: dt.datetime | None, orig_name: str | None) -> QueueItem:
    reused_text = f"{orig_name or '?'}, {orig_ts:%Y-%m-%d %H:%M}" if orig_ts else ""
    emp_refs = refs.get(emp.id, [])
    best = next((r for r in emp_refs if r.id == check.best_reference_id), emp_refs[0] if emp_refs else None)
    ref_text = ""
    if best is not None:
        ref_text = f"referensi {best.number} dari {best.of}" + (f", {best.created_at:%Y-%m-%d}" if best.created_at else "")
        if best.id != check.best_reference_id:
            ref_text += " (belum dibandingkan)"
    evidence = _punch_evidence(punch, loc_name, reused_text)
    try:
        evidence.update(json.loads(check.evidence) if check.evidence else {})
    except (ValueError, TypeError):
        pass
    flags = [f for f in ((punch.flags or "") + "," + (check.flags or "")).split(",") if f]
    return QueueItem(
        version=check.version,
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
        face_distance=check.face_distance,
        match_threshold=check.match_threshold,
        reused_of_punch_id=check.reused_of_punch_id,
        reused_of_text=reused_text,
        photo_path=stored_path(db_path, punch.photo_path) if punch.photo_path else None,
        reference_path=stored_path(db_path, best.path) if best else None,
        verdict=check.verdict,
        verifier=check.verifier,
        reason=check.reason,
        reference_text=ref_text,
        evidence={f: evidence[f] for f in flags if f in evidence},
        risk=risk_score(flags, check.face_distance, check.match_threshold),
    )


def count_unchecked(session: Session, user: CurrentUser) -> int:
    """Punches with a photo visible to ``user`` that have no SelfieCheck yet."""
    q = (
        select(Punch.id)
        .join(Employee, Employee.id == Punch.employee_id)
        .where(Punch.photo_path.is_not(None))
        .where(~select(SelfieCheck.id).where(SelfieCheck.punch_id == Punch.id).exists())
    )
    return len(session.execute(_visible(q, user)).all())


def count_pending(session: Session, user: CurrentUser) -> int:
    """Checked selfies waiting for ``user``'s decision: the count of his queue (0 for a non-verifier)."""
    if not user.has("verifier"):
        return 0
    q = (select(func.count(SelfieCheck.id)).join(Punch, Punch.id == SelfieCheck.punch_id)
         .join(Employee, Employee.id == Punch.employee_id).where(SelfieCheck.verdict == "pending"))
    return int(session.execute(_visible(q, user)).scalar() or 0)


def set_verdict(session: Session, user: CurrentUser, check_id: int, verdict: str, reason: str = "",
                expected_version: int | None = None) -> SelfieCheck:
    """Record the atasan's decision on one selfie (audited). Reject / manipulation need a reason.

    ``expected_version``: the check's version when the queue showed it; a decision made meanwhile (another
    verifier, another PC) is refused with ConflictError instead of being overwritten.
    """
    user.require("verifier")
    if verdict not in VERDICTS or verdict == "pending":
        raise BadInputError(f"Keputusan tidak dikenal: '{verdict}'")
    reason = reason.strip()
    if verdict in INVALID_VERDICTS and not reason:
        raise BadInputError(f"Keputusan '{VERDICTS[verdict]}' wajib disertai alasan.")
    check = session.get(SelfieCheck, check_id, with_for_update=True)
    if check is None:
        raise NotFoundError(f"Pemeriksaan swafoto #{check_id} tidak ditemukan.")
    if expected_version is not None and check.version != expected_version:
        who = f" oleh {check.verifier}" if check.verifier else ""
        raise ConflictError(f"Swafoto #{check_id} baru saja diputuskan{who} (mungkin dari PC lain): "
                            f"{VERDICTS.get(check.verdict, check.verdict)}. Keputusan Anda tidak disimpan; "
                            "muat ulang antrean.")
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
