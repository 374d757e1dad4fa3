"""The [schedule] table of a policy preset: the region's working hours as data.

These are the values the schedule engine (services.calendar.schedules, flexible-start model) and
the first-run screen read; a preset states only what its source gives, anything else stays
``None`` ("not stated by the region", the schedule screen keeps its own value).

Keys (all optional, times "HH:MM" local time of ``timezone``):
- ``start`` / ``end``: Monday-Thursday working hours, e.g. "07:30" / "16:00";
- ``friday_end``: Friday end when it differs (Perpres 21/2023 typical: 16:30);
- ``timezone``: IANA zone of the devices and the OPD (Asia/Jakarta WIB, Asia/Makassar WITA,
  Asia/Jayapura WIT);
- ``flexible_start_minutes``: a flexible start window after ``start`` (PMK 221/2021: 90), within
  which a check-in is not late; lateness minutes (and so the TL tiers of [attendance]) count from the
  end of the window;
- ``flexible_start_until``: the same window as a clock time for the preset's ``start`` ("09:00" for
  07:30 + 90 min); when both are given they must agree;
- ``makeup_at_end``: a check-in inside the window moves the expected check-out by the same amount
  (the missed time is made up at the end of the day, PMK 221/2021); unset = yes when there is a window;
- ``ramadan_auto`` (default true): the calendar's Ramadan dates (kind "ramadan", editable like cuti
  bersama) switch fixed schedules to the hours of the schedule coded ``ramadan_schedule``
  (default "RAMADAN"; the built-in 08.00-15.00 / Fri 08.00-15.30 when no such schedule exists).

The engine applies the window to every fixed schedule (a schedule's own ``flex_minutes`` wins): the
minutes after that day's start, or ``flexible_start_until`` minus that day's start when only the
clock time is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


@dataclass(frozen=True)
class ScheduleRules:
    start: dt.time | None = None
    end: dt.time | None = None
    friday_end: dt.time | None = None
    timezone: str | None = None
    flexible_start_minutes: int = 0
    flexible_start_until: dt.time | None = None
    makeup_at_end: bool = False
    ramadan_auto: bool = True
    ramadan_schedule: str = "RAMADAN"

    def flex_minutes_for(self, start: dt.time) -> int:
        """Flexible minutes for a fixed-schedule day starting at ``start`` (0 = none)."""
        if self.flexible_start_minutes:
            return self.flexible_start_minutes
        if self.flexible_start_until is None:
            return 0
        until = self.flexible_start_until.hour * 60 + self.flexible_start_until.minute
        return max(0, until - (start.hour * 60 + start.minute))

    def late_counts_from(self, start: dt.time) -> dt.time:
        """The clock time after which a check-in for a shift starting at ``start`` is late."""
        moment = dt.datetime.combine(dt.date(2000, 1, 3), start) + dt.timedelta(minutes=self.flexible_start_minutes)
        return moment.time()


def _time(value: Any, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value).replace(".", ":"))
    except ValueError:
        raise ValueError(f"{where}: jam '{value}' tidak valid (format HH:MM)") from None


def schedule_from_dict(raw: dict[str, Any]) -> ScheduleRules:
    """Parse and cross-check the [schedule] table (ValueError with the field named on bad input)."""
    times = {k: _time(raw[k], f"schedule.{k}") if raw.get(k) is not None else None
             for k in ("start", "end", "friday_end", "flexible_start_until")}
    tz = raw.get("timezone")
    if tz is not None and tz not in TIMEZONES:
        raise ValueError(f"schedule.timezone '{tz}' bukan zona waktu Indonesia ({', '.join(TIMEZONES)})")
    minutes = int(raw.get("flexible_start_minutes", 0))
    until, start = times["flexible_start_until"], times["start"]
    if minutes == 0 and until is not None and start is not None:
        # only the clock time given (e.g. "09.00"): the window is from the preset's start to that time
        minutes = (until.hour * 60 + until.minute) - (start.hour * 60 + start.minute)
        if minutes <= 0:
            raise ValueError(f"schedule.flexible_start_until {until:%H:%M} tidak sesudah start {start:%H:%M}")
    if not 0 <= minutes <= 240:
        raise ValueError(f"schedule.flexible_start_minutes {minutes} di luar 0..240")
    # a flexible window makes up the missed time at the end of the day unless the preset says otherwise
    makeup = raw.get("makeup_at_end")
    rules = ScheduleRules(start=times["start"], end=times["end"], friday_end=times["friday_end"],
                          timezone=str(tz) if tz is not None else None, flexible_start_minutes=minutes,
                          flexible_start_until=times["flexible_start_until"],
                          makeup_at_end=bool(minutes > 0 or until is not None) if makeup is None else bool(makeup),
                          ramadan_auto=bool(raw.get("ramadan_auto", True)),
                          ramadan_schedule=str(raw.get("ramadan_schedule", "RAMADAN")))
    until = rules.flexible_start_until
    if until is not None and rules.start is not None and rules.late_counts_from(rules.start) != until:
        raise ValueError(f"schedule.flexible_start_until {until:%H:%M} tidak sama dengan start {rules.start:%H:%M} + "
                         f"flexible_start_minutes {minutes}")
    return rules
