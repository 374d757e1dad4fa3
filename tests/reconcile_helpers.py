"""Small builders shared by the reconcile / calendar / letters tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store.models import DayRecord, EmployeePin, Punch, SelfieCheck


def punch(session: Session, employee_id: int, ts: str, *, source: str = "device", flags: str = "",
          verdict: str | None = None) -> Punch:
    pin = session.execute(select(EmployeePin.pin).where(EmployeePin.employee_id == employee_id)).scalar() or "0"
    p = Punch(source=source, source_serial="MOBILE" if source == "mobile" else "SN-TEST", pin=pin,
              ts=dt.datetime.fromisoformat(ts), employee_id=employee_id, flags=flags)
    session.add(p)
    session.flush()
    if verdict is not None:
        session.add(SelfieCheck(punch_id=p.id, verdict=verdict))
        session.flush()
    return p


def record(session: Session, employee_id: int, day: str) -> DayRecord | None:
    session.expire_all()
    return session.get(DayRecord, (employee_id, dt.date.fromisoformat(day)))


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def punches(session: Session, employee_id: int, *ts: str) -> None:
    for t in ts:
        punch(session, employee_id, t)
