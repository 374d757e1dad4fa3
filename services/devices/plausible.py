"""Which record times can be counted, for every raw source (device pull, USB, push, mobile).

A record is quarantined (kept aside with a reason, shown for review, never counted
silently) when its time is:

- ``invalid_date``: impossible (30 February), seen after a failing clock battery;
- ``before_epoch``: before 2001-01-01. The ZK device epoch is 2000-01-01 00:00: a clock
  that lost power restarts there, and text exports may carry the Unix epoch (1970);
- ``future``: later than the office clock plus a small tolerance (a device clock set
  ahead, a wrong time zone);
- ``far_future``: more than a year ahead (2099, 2131: garbage clock values);

and when its PIN is not 1–24 ASCII letters/digits (``invalid_pin``; Arabic-Indic or
full-width digits pass ``str.isdigit()`` but no device or employee record has them).

``classify_timestamp`` is the one rule; the mobile importer reuses it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.clock import Clock
from services.devices import protocol as p

EARLIEST_PLAUSIBLE = dt.datetime(2001, 1, 1)
DEFAULT_TOLERANCE = dt.timedelta(minutes=10)
FAR_FUTURE = dt.timedelta(days=366)

REASONS: dict[str, str] = {
    "invalid_date": "tanggal mustahil",
    "before_epoch": "sebelum 01-01-2001 (jam mesin pernah ter-reset ke 2000/1970)",
    "future": "di masa depan menurut jam kantor",
    "far_future": "jauh di masa depan (jam mesin salah setel)",
    "invalid_pin": "PIN bukan huruf/angka ASCII",
}

REVIEWABLE = ("before_epoch", "future", "far_future")  # may be accepted after review; the others can never be stored


def _now(clock: Clock, zone: str | None) -> dt.datetime:
    return clock.in_zone(zone).now() if zone and zone != clock.zone_name else clock.now()


office_now = _now


def classify_timestamp(ts: dt.datetime, clock: Clock, tolerance: dt.timedelta = DEFAULT_TOLERANCE,
                       zone: str | None = None) -> str | None:
    """None when ts (naive wall-clock time of `zone`, default the clock's zone) can be counted, else a reason code."""
    return classify_at(ts, _now(clock, zone), tolerance)


def classify_at(ts: dt.datetime, now: dt.datetime, tolerance: dt.timedelta = DEFAULT_TOLERANCE) -> str | None:
    """classify_timestamp against a given office-local ``now`` (an import that fixed its time at the start)."""
    if ts < EARLIEST_PLAUSIBLE:
        return "before_epoch"
    if ts > now + FAR_FUTURE:
        return "far_future"
    if ts > now + tolerance:
        return "future"
    return None


def describe(reason: str, ts_text: str, tolerance: dt.timedelta = DEFAULT_TOLERANCE) -> str:
    """The operator's sentence for one quarantined record."""
    text = REASONS.get(reason, reason)
    if reason == "future":
        minutes = int(tolerance.total_seconds() // 60)
        text = f"lebih dari {minutes} menit di depan jam kantor"
    return f"waktu {ts_text}: {text}"


@dataclass(frozen=True)
class RawBounds:
    """The plausible range as packed device times (the packed encoding is monotonic within 2000–2099)."""

    lo: int
    hi: int
    far: int


def device_bounds(clock: Clock, zone: str | None, tolerance: dt.timedelta = DEFAULT_TOLERANCE) -> RawBounds:
    now = _now(clock, zone)
    hi = now + tolerance
    far = now + FAR_FUTURE
    return RawBounds(p.encode_time(EARLIEST_PLAUSIBLE), p.encode_time(hi), p.encode_time(far))


def refine_future(reason: str, raw: int, bounds: RawBounds) -> str:
    """Split the vectorised parser's "future" into future / far_future."""
    return "far_future" if reason == "future" and raw > bounds.far else reason
