"""Vectorised decoding of a device attendance log into rows ready to store.

The device hands over one blob (uint32 total + fixed-size records, 8/16/40 bytes).
numpy views it as a record array without copying; times are split into day and
second-of-day, validated per distinct day (a log spans a few hundred days) and
checked against the plausible range as packed integers (the packed encoding is
monotonic in time). Only the rows that will be stored become Python strings.

Rows that cannot be stored as they are (impossible dates, times outside the
plausible range, PINs that are not plain ASCII letters/digits) come back as
``Quarantined`` entries with a reason code; nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from services.devices import protocol as p
from services.devices.plausible import RawBounds

REC_DTYPES: dict[int, np.dtype] = {
    8: np.dtype({"names": ["uid", "verify", "ts", "state"], "formats": ["<u2", "u1", "<u4", "u1"],
                 "offsets": [0, 2, 3, 7], "itemsize": 8}),
    16: np.dtype({"names": ["pin", "ts", "verify", "state"], "formats": ["<u4", "<u4", "u1", "u1"],
                  "offsets": [0, 4, 8, 9], "itemsize": 16}),
    40: np.dtype({"names": ["uid", "pin", "verify", "ts", "state"], "formats": ["<u2", "V24", "u1", "<u4", "u1"],
                  "offsets": [0, 2, 26, 27, 31], "itemsize": 40}),
}

PIN_RE = re.compile(r"[0-9A-Za-z]{1,24}")  # ASCII only: '١٢٣' or '１２３' pass str.isdigit() but are not PINs


def valid_pin(pin: str) -> bool:
    return PIN_RE.fullmatch(pin) is not None


@dataclass(frozen=True)
class Quarantined:
    """A record kept aside for review: where it was, what it said, and why it was not stored."""

    index: int  # 1-based position in the device log / line number in a file
    pin: str
    ts_text: str  # as read (an impossible date stays readable: "30-02-2026 08:00:00")
    ts: dt.datetime | None  # parsed time when the date itself is possible
    state: int
    verify: int
    reason: str  # see services.devices.plausible.REASONS


@dataclass
class DecodedLog:
    """Storable rows as columns (same length) plus the quarantined ones."""

    pins: list[str] = field(default_factory=list)
    days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # day index per row
    seconds: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    states: list[int] = field(default_factory=list)
    verifies: list[int] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    count: int = 0  # records in the log

    def __len__(self) -> int:
        return len(self.pins)

    def ts_texts(self) -> list[str]:
        """Times exactly as SQLAlchemy's SQLite DateTime stores them ("YYYY-MM-DD HH:MM:SS.000000")."""
        if not len(self.pins):
            return []
        udays, inv = np.unique(self.days, return_inverse=True)
        day_text = np.array([_day_text(int(d)) for d in udays], dtype=object)
        return list(day_text[inv] + _clock_texts()[self.seconds])

    def ts_datetimes(self) -> list[dt.datetime]:
        """The same times as naive datetimes (for drivers that take datetime parameters)."""
        if not len(self.pins):
            return []
        udays, inv = np.unique(self.days, return_inverse=True)
        base = np.array([_day_date(int(d)) for d in udays], dtype="datetime64[s]")
        return list((base[inv] + self.seconds.astype("timedelta64[s]")).astype(dt.datetime))


@lru_cache(maxsize=1)
def _clock_texts() -> np.ndarray:
    return np.array([f"{h:02d}:{m:02d}:{s:02d}.000000" for h in range(24) for m in range(60) for s in range(60)],
                    dtype=object)


def _day_fields(day_index: int) -> tuple[int, int, int]:
    d = day_index % 31 + 1
    rest = day_index // 31
    return rest // 12 + 2000, rest % 12 + 1, d


def _day_date(day_index: int) -> dt.date | None:
    try:
        return dt.date(*_day_fields(day_index))
    except ValueError:
        return None


def _day_text(day_index: int) -> str:
    y, m, d = _day_fields(day_index)
    return f"{y:04d}-{m:02d}-{d:02d} "


def _raw_text(raw: int) -> str:
    y, mo, d, h, mi, s = p.decode_fields(raw)
    return f"{d:02d}-{mo:02d}-{y:04d} {h:02d}:{mi:02d}:{s:02d}"


def _pin_texts(arr: np.ndarray, size: int, uid_to_pin: dict[int, str]) -> tuple[list[str], np.ndarray]:
    """Distinct PINs as text and, per record, the index into them."""
    if size == 40:
        keys, inv = np.unique(arr["pin"], return_inverse=True)
        texts = [p.cstr(bytes(k)) for k in keys]
    elif size == 16:
        keys, inv = np.unique(arr["pin"], return_inverse=True)
        texts = [str(int(k)) for k in keys]
    else:
        keys, inv = np.unique(arr["uid"], return_inverse=True)
        texts = [uid_to_pin.get(int(k), str(int(k))) for k in keys]
    return texts, inv.reshape(-1)


def decode_log(blob: bytes, size: int, uid_to_pin: dict[int, str], bounds: RawBounds) -> DecodedLog:
    """Split the log into storable rows and quarantined ones.

    bounds: the plausible range as packed device times (plausible.device_bounds); records
    outside it, with impossible dates or with malformed PINs are quarantined.
    """
    total = int.from_bytes(blob[:4], "little") if len(blob) >= 4 else 0
    n = total // size if size else 0
    out = DecodedLog(count=n)
    if n == 0:
        return out
    arr = np.frombuffer(blob, dtype=REC_DTYPES[size], count=n, offset=4)
    raw = arr["ts"].astype(np.int64)
    day, sec = np.divmod(raw, 86400)
    udays, dinv = np.unique(day, return_inverse=True)
    day_ok = np.array([_day_date(int(d)) is not None for d in udays], dtype=bool)[dinv.reshape(-1)]
    pin_texts, pinv = _pin_texts(arr, size, uid_to_pin)
    pin_ok = np.array([valid_pin(t) for t in pin_texts], dtype=bool)[pinv]
    in_range = (raw >= bounds.lo) & (raw <= bounds.hi)
    ok = day_ok & pin_ok & in_range
    good = np.flatnonzero(ok)
    pin_arr = np.array(pin_texts, dtype=object)
    out.pins = list(pin_arr[pinv[good]])
    out.days, out.seconds = day[good], sec[good]
    out.states = arr["state"][good].tolist()
    out.verifies = arr["verify"][good].tolist()
    if len(good) < n:
        for i in np.flatnonzero(~ok).tolist():
            r = int(raw[i])
            reason = ("invalid_pin" if not pin_ok[i] else "invalid_date" if not day_ok[i]
                      else "before_epoch" if r < bounds.lo else "far_future" if r > bounds.far else "future")
            ts = None if reason == "invalid_date" else p.decode_time(r)
            out.quarantined.append(Quarantined(i + 1, pin_texts[pinv[i]][:24], _raw_text(r), ts,
                                               int(arr["state"][i]), int(arr["verify"][i]), reason))
    return out
