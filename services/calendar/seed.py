"""Calendar data every fresh database needs: standard schedules and shifts, national holidays and cuti bersama.

Used by the first-run setup (services/org/setup.py), the `kalender` command and the demo.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.calendar.holidays import seed_holidays
from services.calendar.schedules import seed_shift_roster, seed_standard_schedules


def seed_calendar(session: Session, years: list[int], roster_unit_id: int | None = None,
                  username: str = "system") -> dict[str, int]:
    """Standard schedules + shifts (+ roster unit) and national holidays / cuti bersama for ``years``."""
    ids = seed_standard_schedules(session, roster_unit_id=roster_unit_id,
                                  date_from=dt.date(min(years), 1, 1), username=username)
    seed_holidays(session, years, username=username)
    if roster_unit_id is not None:
        seed_shift_roster(session, roster_unit_id, dt.date(min(years), 1, 1), dt.date(max(years), 12, 31), username)
    return ids
