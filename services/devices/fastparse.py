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
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from services.devices import protocol as p
from services.devices.plausible import RawBounds
from services.tabular import PIN_RE as PIN_RE  # re-exported: the one PIN rule lives in services.tabular
from services.tabular import valid_pin as valid_pin

REC_DTYPES: dict[int, np.dtype] = {
    8: np.dtype({"names": ["uid", "verify", "ts", "state"], "formats": ["<u2", "u1", "<u4", "u1"],
                 "offsets": [0, 2, 3, 7], "itemsize": 8}),
    16: np.dtype({"names": ["pin", "ts", "verify", "state"], "formats": ["<u4", "<u4", "u1", "u1"],
                  "offsets": [0, 4, 8, 9], "itemsize": 16}),
    40: np.dtype({"names": ["uid", "pin", "verify", "ts", "state"], "formats": ["<u2", "V24", "u1", "<u4", "u1"],
                  "offsets": [0, 2, 26, 27, 31], "itemsize": 40}),
}


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
    """Storable rows as columns plus the quarantined ones.

    PINs and days are kept as (distinct values, index per row): a log holds a few thousand PINs and a few
    hundred days, so per-row text is only built once, where it is needed.
    """

    pin_keys: list[str] = field(default_factory=list)
    pin_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    day_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    day_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    seconds: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    raw: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # packed times (monotonic)
    states: list[int] = field(default_factory=list)
    verifies: list[int] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    count: int = 0  # records in the log

    def __len__(self) -> int:
        return len(self.pin_idx)

    @property
    def pins(self) -> list[str]:
        return list(np.array(self.pin_keys, dtype=object)[self.pin_idx]) if len(self) else []

    def employee_ids(self, employees: dict[str, int]) -> list[int | None]:
        if not len(self):
            return []
        return list(np.array([employees.get(k) for k in self.pin_keys], dtype=object)[self.pin_idx])

    def ts_texts(self) -> list[str]:
        """Times exactly as SQLAlchemy's SQLite DateTime stores them ("YYYY-MM-DD HH:MM:SS.000000")."""
        if not len(self):
            return []
        day_text = np.array([_day_text(int(d)) for d in self.day_keys], dtype=object)
        return list(day_text[self.day_idx] + _clock_texts()[self.seconds])

    def ts_datetimes(self) -> list[dt.datetime]:
        """The same times as naive datetimes (for drivers that take datetime parameters)."""
        if not len(self):
            return []
        base = np.array([_day_date(int(d)) for d in self.day_keys], dtype="datetime64[s]")
        return list((base[self.day_idx] + self.seconds.astype("timedelta64[s]")).astype(dt.datetime))

    def newest(self) -> dt.datetime | None:
        return p.decode_time(int(self.raw.max())) if len(self) else None

    def at_or_before(self, t: dt.datetime) -> int:
        return int((self.raw <= p.encode_time(t)).sum()) if len(self) else 0


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


def _group(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, index per element) — np.unique with a flat inverse."""
    keys, inv = np.unique(values, return_inverse=True)
    return keys, inv.reshape(-1)


def _pin_texts(arr: np.ndarray, size: int, uid_to_pin: dict[int, str]) -> tuple[list[str], np.ndarray]:
    """Distinct PINs as text and, per record, the index into them.

    40-byte records carry both a slot (uid) and the PIN text; when every slot holds one PIN (the normal case)
    grouping the 2-byte slots is far cheaper than grouping 24-byte strings.
    """
    if size == 40:
        uids, inv = _group(arr["uid"])
        first = np.zeros(len(uids), dtype=np.intp)
        first[inv[::-1]] = np.arange(len(inv) - 1, -1, -1)  # index of each slot's first record
        pins = arr["pin"]
        if bool((pins == pins[first][inv]).all()):
            return [p.cstr(bytes(pins[i])) for i in first], inv
        keys, inv = _group(pins)
        return [p.cstr(bytes(k)) for k in keys], inv
    if size == 16:
        keys, inv = _group(arr["pin"])
        return [str(int(k)) for k in keys], inv
    keys, inv = _group(arr["uid"])
    return [uid_to_pin.get(int(k), str(int(k))) for k in keys], inv


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
    udays, dinv = _group(day)
    day_ok = np.array([_day_date(int(d)) is not None for d in udays], dtype=bool)[dinv]
    pin_texts, pinv = _pin_texts(arr, size, uid_to_pin)
    pin_ok = np.array([valid_pin(t) for t in pin_texts], dtype=bool)[pinv]
    ok = day_ok & pin_ok & (raw >= bounds.lo) & (raw <= bounds.hi)
    if bool(ok.all()):
        good = slice(None)
        out.day_keys, out.day_idx = udays, dinv
    else:
        good = np.flatnonzero(ok)  # type: ignore[assignment]
        out.day_keys, out.day_idx = _group(day[good])
    out.pin_keys, out.pin_idx = pin_texts, pinv[good]
    out.seconds, out.raw = sec[good], raw[good]
    out.states = arr["state"][good].tolist()
    out.verifies = arr["verify"][good].tolist()
    if len(out.raw) < n:
        for i in np.flatnonzero(~ok).tolist():
            r = int(raw[i])
            reason = ("invalid_pin" if not pin_ok[i] else "invalid_date" if not day_ok[i]
                      else "before_epoch" if r < bounds.lo else "far_future" if r > bounds.far else "future")
            ts = None if reason == "invalid_date" else p.decode_time(r)
            out.quarantined.append(Quarantined(i + 1, pin_texts[pinv[i]][:24], _raw_text(r), ts,
                                               int(arr["state"][i]), int(arr["verify"][i]), reason))
    return out
