"""Deadline reminder for last month's report (shown from the 5th of the month).

The signed monthly report (with its bundle) is due at BKPSDM on the 10th of the following month.
From the 5th, while last month's report has not reached the central database - or BKPSDM
returned it and no new revision has been sent - the OPD app shows a banner on the dashboard and
a notification. The day is the office clock's (``db.clock.today()``), passed in by the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.calendar.names import BULAN
from services.central.opd_sync import period_of, review_state
from services.central.status import deadline_for, previous_month
from services.store.models import Report

REMIND_FROM_DAY = 5


@dataclass(frozen=True)
class DeadlineReminder:
    year: int  # the report's month
    month: int
    deadline: dt.date
    days_left: int  # negative once the deadline has passed
    stage: str  # what is missing: "report" / "sign" / "send" / "queued" / "returned"
    detail: str = ""

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def level(self) -> str:
        return "urgent" if self.overdue or self.days_left <= 1 or self.stage == "returned" else "warning"

    def text(self) -> str:
        period = f"{BULAN[self.month - 1]} {self.year}"
        due = f"{self.deadline.day} {BULAN[self.deadline.month - 1]} {self.deadline.year}"
        if self.overdue:
            when = f"sudah LEWAT batas {due} ({-self.days_left} hari)"
        elif self.days_left == 0:
            when = f"batasnya HARI INI ({due})"
        else:
            when = f"batas {due} ({self.days_left} hari lagi)"
        todo = {"report": "laporan belum dibuat", "sign": "laporan belum ditandatangani Kepala OPD",
                "send": "laporan bertanda tangan belum dikirim", "queued": "kiriman masih di antrean (server pusat "
                "belum dapat dihubungi)", "returned": "laporan DIKEMBALIKAN BKPSDM dan belum dikirim ulang"}[self.stage]
        text = f"Laporan bulanan {period} belum sampai di BKPSDM: {todo}; {when}."
        return text + (f" {self.detail}" if self.detail else "")


def deadline_reminder(session: Session, opd_id: int, today: dt.date,
                      from_day: int = REMIND_FROM_DAY) -> DeadlineReminder | None:
    """The reminder to show on ``today``, or None (before the 5th, or last month's report is at BKPSDM)."""
    if today.day < from_day:
        return None
    year, month = previous_month(today)
    deadline = deadline_for(year, month)
    days_left = (deadline - today).days
    state = review_state(session, opd_id, year, month)
    if state is not None and state.awaiting_answer:
        return DeadlineReminder(year, month, deadline, days_left, "returned", f"Alasan: {state.reason}")
    period = period_of(session, opd_id, year, month)
    latest = None
    if period is not None:
        latest = session.execute(select(Report).where(Report.period_id == period.id)
                                 .order_by(Report.revision.desc()).limit(1)).scalar()
    if latest is not None and latest.status == "submitted":
        return None
    stage = {None: "report", "draft": "sign", "signed": "send", "queued": "queued"}.get(
        latest.status if latest is not None else None, "report")
    return DeadlineReminder(year, month, deadline, days_left, stage)
