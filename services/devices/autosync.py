"""Schedule for pulling attendance logs automatically while the app is open.

Two settings in the Setting table: the interval in minutes (0 = off, 15, 30, 60)
and whether to pull once when the app opens. The desktop scheduler reads them;
changing them is a user action and therefore audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.auth import audit
from services.errors import BadInputError
from services.store.models import Setting

log = logging.getLogger(__name__)

KEY_INTERVAL = "devices.autosync.interval_min"
KEY_ON_START = "devices.autosync.on_start"
INTERVAL_CHOICES: tuple[int, ...] = (0, 15, 30, 60)  # 0 = off


@dataclass(frozen=True)
class AutoSyncSchedule:
    interval_min: int = 0
    on_start: bool = False

    @property
    def enabled(self) -> bool:
        return self.interval_min > 0

    def describe(self) -> str:
        every = f"setiap {self.interval_min} menit" if self.enabled else "mati"
        return f"tarik otomatis {every}; saat aplikasi dibuka: {'ya' if self.on_start else 'tidak'}"


def interval_label(minutes: int) -> str:
    return f"{minutes} menit" if minutes else "Mati"


def get_schedule(session: Session) -> AutoSyncSchedule:
    """The stored schedule; a damaged value falls back to "off" (never pull by surprise)."""
    interval_row = session.get(Setting, KEY_INTERVAL)
    on_start_row = session.get(Setting, KEY_ON_START)
    interval = 0
    if interval_row is not None:
        try:
            interval = int(interval_row.value)
        except ValueError:
            interval = -1
        if interval not in INTERVAL_CHOICES:
            log.warning("Setelan %s tidak valid (%r); tarik otomatis dianggap mati", KEY_INTERVAL, interval_row.value)
            interval = 0
    on_start = on_start_row is not None and on_start_row.value == "1"
    return AutoSyncSchedule(interval, on_start)


def _put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def set_schedule(session: Session, schedule: AutoSyncSchedule, username: str) -> bool:
    """Store the schedule (audited). Returns False when nothing changed (no audit event then)."""
    if schedule.interval_min not in INTERVAL_CHOICES:
        allowed = ", ".join(interval_label(m) for m in INTERVAL_CHOICES)
        raise BadInputError(f"Interval tarik otomatis {schedule.interval_min} menit tidak didukung; pilih salah satu: {allowed}.")
    old = get_schedule(session)
    if old == schedule:
        return False
    _put(session, KEY_INTERVAL, str(schedule.interval_min))
    _put(session, KEY_ON_START, "1" if schedule.on_start else "0")
    audit.record(session, username, "autosync.update", "setting", KEY_INTERVAL,
                 {"before": {"interval_min": old.interval_min, "on_start": old.on_start},
                  "after": {"interval_min": schedule.interval_min, "on_start": schedule.on_start}})
    return True
