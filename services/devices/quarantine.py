"""Review of quarantined records: list them, accept a plausible one as a punch, or dismiss it.

Only records whose time can be right after all (a device clock that was ahead, a year-2000 reset
whose date the operator confirms) may be accepted; impossible dates and malformed PINs can only be
dismissed. Every decision is audited and names the reviewer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.auth import audit
from services.devices.pins import pin_map
from services.devices.plausible import REASONS, REVIEWABLE
from services.errors import BadInputError, NotFoundError
from services.store.models import Employee, Punch, PunchQuarantine


@dataclass(frozen=True)
class QuarantineRow:
    id: int
    source: str
    serial: str
    pin: str
    ts_text: str
    reason: str
    reason_text: str
    detail: str
    status: str
    reviewable: bool
    created_at: dt.datetime


def pending_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(PunchQuarantine)
                               .where(PunchQuarantine.status == "pending")).scalar_one())


def list_quarantine(session: Session, status: str | None = "pending", limit: int = 1000) -> list[QuarantineRow]:
    q = select(PunchQuarantine).order_by(PunchQuarantine.id.desc()).limit(limit)
    if status:
        q = q.where(PunchQuarantine.status == status)
    return [QuarantineRow(r.id, r.source, r.source_serial, r.pin, r.ts_text, r.reason, REASONS.get(r.reason, r.reason),
                          r.detail, r.status, r.reason in REVIEWABLE and r.ts is not None, r.created_at)
            for r in session.execute(q).scalars()]


def _pending(session: Session, ids: list[int]) -> list[PunchQuarantine]:
    if not ids:
        raise BadInputError("Pilih dulu rekaman karantina yang akan diputuskan.")
    rows = list(session.execute(select(PunchQuarantine).where(PunchQuarantine.id.in_(ids))).scalars())
    missing = set(ids) - {r.id for r in rows}
    if missing:
        raise NotFoundError(f"Rekaman karantina {', '.join(map(str, sorted(missing)))} tidak ditemukan.")
    done = [r.id for r in rows if r.status != "pending"]
    if done:
        raise BadInputError(f"Rekaman karantina {', '.join(map(str, done))} sudah diputuskan sebelumnya.")
    return rows


def accept(session: Session, ids: list[int], username: str, now: dt.datetime, note: str = "") -> int:
    """Store the chosen records as punches (flag "quarantine_accepted"); returns how many punches were added."""
    rows = _pending(session, ids)
    refused = [r.id for r in rows if r.reason not in REVIEWABLE or r.ts is None]
    if refused:
        raise BadInputError(f"Rekaman {', '.join(map(str, refused))} tidak dapat diterima (tanggal mustahil atau PIN "
                            "tidak valid); hanya dapat ditolak.")
    employees = pin_map(session)
    by_nip = dict(session.execute(select(Employee.nip, Employee.id)).all())  # a mobile record's "PIN" is the NIP
    added = 0
    for r in rows:
        assert r.ts is not None
        existing = session.execute(select(Punch.id).where(Punch.source_serial == r.source_serial, Punch.pin == r.pin,
                                                          Punch.ts == r.ts)).scalar()
        if existing is None:
            mobile = r.source == "mobile"
            punch = Punch(source=r.source if r.source in ("device", "usb", "push", "mobile") else "device",
                          source_serial=r.source_serial, pin=r.pin, ts=r.ts, tz=r.tz,
                          employee_id=by_nip.get(r.pin) if mobile else employees.get(r.pin),
                          state=r.state, verify=r.verify, batch_id=r.batch_id, flags="quarantine_accepted")
            session.add(punch)
            session.flush()
            existing, added = punch.id, added + 1
        r.status, r.reviewed_by, r.reviewed_at, r.punch_id = "accepted", username, now, existing
    audit.record(session, username, "quarantine.accept", "punch_quarantine", ",".join(map(str, ids))[:60],
                 {"ids": ids, "punches_added": added, "note": note})
    return added


def dismiss(session: Session, ids: list[int], username: str, now: dt.datetime, note: str = "") -> int:
    rows = _pending(session, ids)
    for r in rows:
        r.status, r.reviewed_by, r.reviewed_at = "dismissed", username, now
    audit.record(session, username, "quarantine.dismiss", "punch_quarantine", ",".join(map(str, ids))[:60],
                 {"ids": ids, "note": note})
    return len(rows)
