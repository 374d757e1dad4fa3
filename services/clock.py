"""The one reader of the system clock.

Everything in ``services/`` and ``desktop/`` that stamps or compares wall-clock
times takes a :class:`Clock` instead of calling ``datetime.now()``: the
application passes a :class:`SystemClock` in the office's time zone, tests pass a
:class:`FrozenClock`. Monotonic timers (``time.monotonic``) measure durations, not
dates, and need no clock.

Local times are *naive* datetimes in the office zone (WIB/WITA/WIT have no
daylight saving), at whole seconds, the convention of every stored timestamp.
"""

from __future__ import annotations

import datetime as dt
import threading
from abc import ABC, abstractmethod
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Jakarta"


class Clock(ABC):
    """Office-local "now" and "today" in one time zone."""

    def __init__(self, zone: str = DEFAULT_ZONE) -> None:
        self.zone_name = zone
        self.tz = ZoneInfo(zone)

    @abstractmethod
    def utcnow(self) -> dt.datetime:
        """The current instant, timezone-aware in UTC."""

    @abstractmethod
    def in_zone(self, zone: str) -> Clock:
        """The same time source seen from another office zone."""

    def aware_now(self) -> dt.datetime:
        """Now, timezone-aware in the office zone, whole seconds."""
        return self.utcnow().astimezone(self.tz).replace(microsecond=0)

    def now(self) -> dt.datetime:
        """Now as a naive office-local wall-clock time, whole seconds (the stored convention)."""
        return self.aware_now().replace(tzinfo=None)

    def today(self) -> dt.date:
        return self.aware_now().date()

    def local(self, instant: dt.datetime) -> dt.datetime:
        """An aware instant as a naive office-local time."""
        return instant.astimezone(self.tz).replace(tzinfo=None, microsecond=0)

    def to_utc(self, local: dt.datetime) -> dt.datetime:
        """A naive office-local time as an aware UTC instant."""
        return local.replace(tzinfo=self.tz).astimezone(dt.UTC)


class SystemClock(Clock):
    """Reads the operating system's clock (the only place that does)."""

    def utcnow(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def in_zone(self, zone: str) -> SystemClock:
        return SystemClock(zone)

    def __repr__(self) -> str:
        return f"SystemClock({self.zone_name!r})"


class FrozenClock(Clock):
    """A clock that stands still until told to move; thread-safe, shared by its zone views."""

    def __init__(self, local: dt.datetime | str, zone: str = DEFAULT_ZONE, *, _state: list[dt.datetime] | None = None,
                 _lock: threading.Lock | None = None) -> None:
        super().__init__(zone)
        self._lock = _lock or threading.Lock()
        if _state is not None:
            self._state = _state
        else:
            start = dt.datetime.fromisoformat(local) if isinstance(local, str) else local
            if start.tzinfo is None:
                start = start.replace(tzinfo=self.tz)
            self._state = [start.astimezone(dt.UTC)]

    def utcnow(self) -> dt.datetime:
        with self._lock:
            return self._state[0]

    def in_zone(self, zone: str) -> FrozenClock:
        return FrozenClock(self._state[0], zone, _state=self._state, _lock=self._lock)

    def advance(self, delta: dt.timedelta | None = None, **kwargs: float) -> None:
        """Move forward, e.g. ``clock.advance(minutes=5)``."""
        step = delta if delta is not None else dt.timedelta(**kwargs)
        with self._lock:
            self._state[0] = self._state[0] + step

    def set(self, local: dt.datetime | str) -> None:
        """Jump to a local wall-clock time (naive = this clock's zone)."""
        when = dt.datetime.fromisoformat(local) if isinstance(local, str) else local
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.tz)
        with self._lock:
            self._state[0] = when.astimezone(dt.UTC)

    def __repr__(self) -> str:
        return f"FrozenClock({self.now().isoformat()!r}, {self.zone_name!r})"


def system_clock(zone: str = DEFAULT_ZONE) -> SystemClock:
    return SystemClock(zone)
