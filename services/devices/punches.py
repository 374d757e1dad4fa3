"""Storing raw device/USB/push punches: one bulk insert on the natural key, quarantine for the implausible.

Punches are append-only and unique on (source_serial, pin, ts). Inserts are one
DB-API ``executemany`` of a statement SQLAlchemy Core compiles for the database
in use (SQLite or PostgreSQL ``INSERT ... ON CONFLICT (source_serial, pin, ts) DO
NOTHING``), with rows prepared as plain tuples: no ORM object or type processing
per row. Keys already stored for the serial are filtered out first, so a re-read
of a whole log costs one indexed range scan instead of 100k conflicting inserts.

Records that must not be counted as they are (services.devices.plausible) go to
``punch_quarantine`` with their reason instead, unique on what was read, so the
same bad record read again adds nothing.

Entry points: ``store_punches`` (rows with datetimes: USB, push receiver),
``store_decoded`` (the vectorised device-log path), ``insert_punches`` (rows whose
time is already the stored text, kept for existing callers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from typing import Any

from sqlalchemy import bindparam, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Insert
from sqlalchemy.types import String

from services.clock import Clock
from services.devices import plausible
from services.devices.fastparse import DecodedLog, Quarantined, valid_pin
from services.devices.pins import employee_choices, map_pin, pin_map, unmapped_pins
from services.store.models import Punch, PunchQuarantine

__all__ = ["KeyRow", "StoreOutcome", "TIMEZONES", "employee_choices", "insert_punches", "local_now", "map_pin",
           "pin_map", "quarantine", "store_decoded", "store_punches", "ts_text", "tz_label", "unmapped_pins"]

# Indonesia has no daylight saving: a fixed offset per zone is exact and needs no tz database
# (Windows Python ships without one).
TIMEZONES: dict[str, tuple[str, int]] = {
    "Asia/Jakarta": ("WIB", 7),
    "Asia/Makassar": ("WITA", 8),
    "Asia/Jayapura": ("WIT", 9),
}

KeyRow = tuple[str, str, int, int]  # (pin, ts as stored text, state, verify) — the fast path's row shape
PunchIn = tuple[str, dt.datetime, int, int]  # (pin, local time, state, verify) — text sources


def local_now(clock: Clock, tz: str) -> dt.datetime:
    """Current naive wall-clock time in an Indonesian zone, from the office clock."""
    return clock.in_zone(tz).now() if tz in TIMEZONES else clock.now()


def tz_label(tz: str) -> str:
    return TIMEZONES.get(tz, (tz, 0))[0]


def ts_text(t: dt.datetime) -> str:
    """A timestamp exactly as SQLAlchemy's SQLite DateTime stores it (the unique key compares these strings)."""
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond:06d}"


def _text_ts(dialect: Dialect) -> bool:
    """SQLite keeps DateTime as text: parameters are given in its stored form; other drivers take datetimes."""
    return dialect.name == "sqlite"


def _dialect_insert(dialect: Dialect) -> Any:
    """The dialect's INSERT construct that knows ON CONFLICT DO NOTHING."""
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect.name == "postgresql":
        return postgresql.insert
    if dialect.name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"basis data {dialect.name} tidak didukung")  # the OPD store is SQLite or PostgreSQL


_PUNCH_COLS = ("source", "source_serial", "pin", "ts", "tz", "employee_id", "state", "verify", "batch_id",
               "captured_offline", "flags")


@lru_cache(maxsize=8)
def _punch_insert(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """(SQL, positional parameter order or None for named) of the bulk punch insert for this dialect."""
    t = Punch.__table__
    stmt: Insert = _dialect_insert(dialect)(t).values({t.c[c]: bindparam(c) for c in _PUNCH_COLS})
    stmt = stmt.on_conflict_do_nothing(index_elements=["source_serial", "pin", "ts"])  # type: ignore[attr-defined]
    compiled = stmt.compile(dialect=dialect)
    return compiled.string, tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None


def _pg_copy_insert(conn: Any, rows: list[tuple[Any, ...]]) -> int:
    """PostgreSQL: COPY the rows into a session temp table, then one INSERT … SELECT … ON CONFLICT DO NOTHING
    (a bound INSERT per row costs a round trip each; COPY streams them). Returns the rows inserted."""
    cols = ", ".join(_PUNCH_COLS)
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS punch_in AS SELECT {cols} FROM punch WITH NO DATA")
        cur.execute("TRUNCATE punch_in")
        with cur.copy(f"COPY punch_in ({cols}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        cur.execute(f"INSERT INTO punch ({cols}) SELECT {cols} FROM punch_in "
                    "ON CONFLICT (source_serial, pin, ts) DO NOTHING")
        inserted = int(cur.rowcount)
        cur.execute("TRUNCATE punch_in")
        return inserted
    finally:
        cur.close()


@dataclass
class StoreOutcome:
    new: int = 0
    duplicate: int = 0
    quarantined: int = 0  # newly kept aside
    quarantined_again: int = 0  # read again, already in quarantine
    below_high_water: int = 0  # new punches dated at or before the given high-water mark
    newest: dt.datetime | None = None  # newest time among the new punches
    messages: list[str] = field(default_factory=list)  # one per quarantined record (bounded by the caller)


def _insert(session: Session, *, source: str, serial: str, tz: str, batch_id: int | None, pins: Sequence[str],
            ts_values: Sequence[Any], states: Sequence[int], verifies: Sequence[int],
            high_water: dt.datetime | None, out: StoreOutcome, log: DecodedLog | None = None) -> None:
    """The bulk path shared by every entry point; ts_values are in the driver's form (see _text_ts).

    log: the decoded device log the columns came from (its numpy columns answer min/max/counts cheaply).
    """
    n = len(pins)
    if not n:
        return
    conn = session.connection()
    dialect = conn.dialect
    as_text = _text_ts(dialect)
    if log is not None:
        imin, imax = int(log.raw.argmin()), int(log.raw.argmax())
        lo, hi = ts_values[imin], ts_values[imax]
    else:
        lo, hi = min(ts_values), max(ts_values)
    t = Punch.__table__
    ts_col = type_coerce(t.c.ts, String) if as_text else t.c.ts  # SQLite: compare the stored text as it is
    existing = {(a, b) for a, b in conn.execute(
        select(t.c.pin, ts_col).where(t.c.source_serial == serial, ts_col >= lo, ts_col <= hi))}
    employees = pin_map(session)
    rows: list[tuple[Any, ...]]
    if not existing:
        emp = log.employee_ids(employees) if log is not None else [employees.get(x) for x in pins]
        rows = list(zip(repeat(source, n), repeat(serial, n), pins, ts_values, repeat(tz, n), emp, states, verifies,
                        repeat(batch_id, n), repeat(False, n), repeat("", n), strict=True))
    else:
        rows = [(source, serial, pins[i], ts_values[i], tz, employees.get(pins[i]), states[i], verifies[i], batch_id,
                 False, "") for i in range(n) if (pins[i], ts_values[i]) not in existing]
    out.duplicate += n - len(rows)
    if not rows:
        return
    if dialect.name == "postgresql":
        inserted = _pg_copy_insert(conn, rows)
    else:
        sql, order = _punch_insert(dialect)
        params: list[Any] = rows if order == _PUNCH_COLS else (
            [tuple(dict(zip(_PUNCH_COLS, r, strict=True))[c] for c in order) for r in rows] if order
            else [dict(zip(_PUNCH_COLS, r, strict=True)) for r in rows])
        inserted = int(conn.exec_driver_sql(sql, params).rowcount)
    out.new += inserted
    out.duplicate += len(rows) - inserted  # stored meanwhile by another source under the same serial
    if log is not None and len(rows) == n:  # every row was new: the numpy columns answer
        out.newest = log.newest()
        out.below_high_water += log.at_or_before(high_water) if high_water is not None else 0
        return
    new_ts = [r[3] for r in rows]
    newest = max(new_ts)
    out.newest = dt.datetime.fromisoformat(newest) if as_text else newest
    if high_water is not None:
        hw = ts_text(high_water) if as_text else high_water
        out.below_high_water += sum(1 for v in new_ts if v <= hw)


def quarantine(session: Session, *, source: str, serial: str, tz: str, batch_id: int | None,
               items: Iterable[Quarantined], tolerance: dt.timedelta = plausible.DEFAULT_TOLERANCE,
               label: str = "", unit: str = "rekaman ke-") -> StoreOutcome:
    """Keep records aside with their reason (unique on serial, PIN, time as read); messages say why."""
    out = StoreOutcome()
    rows = []
    for q in items:
        detail = plausible.describe(q.reason, q.ts_text, tolerance)
        rows.append({"source": source, "source_serial": serial, "pin": q.pin[:24], "ts_text": q.ts_text[:40],
                     "ts": q.ts, "tz": tz, "state": q.state, "verify": q.verify, "reason": q.reason,
                     "detail": detail[:300], "batch_id": batch_id, "status": "pending", "reviewed_by": ""})
        out.messages.append(f"{label}{unit}{q.index} (PIN {q.pin[:24]}): {detail}; dikarantina untuk diperiksa")
    if not rows:
        return out
    dialect = session.connection().dialect
    table = PunchQuarantine.__table__
    seen = {(a, b) for a, b in session.execute(select(table.c.pin, table.c.ts_text).where(
        table.c.source_serial == serial, table.c.ts_text.in_({r["ts_text"] for r in rows})))}
    fresh = [r for r in rows if (r["pin"], r["ts_text"]) not in seen]
    fresh = list({(r["pin"], r["ts_text"]): r for r in fresh}.values())  # the same bad record twice in one read
    if fresh:  # ON CONFLICT still guards against a concurrent writer of the same record
        session.execute(_dialect_insert(dialect)(table).on_conflict_do_nothing(
            index_elements=["source_serial", "pin", "ts_text"]), fresh)
    out.quarantined, out.quarantined_again = len(fresh), len(rows) - len(fresh)
    return out


def store_decoded(session: Session, *, source: str, serial: str, tz: str, batch_id: int | None, log: DecodedLog,
                  ts_values: Sequence[Any] | None = None, high_water: dt.datetime | None = None,
                  label: str = "") -> StoreOutcome:
    """A decoded device log: storable rows in one bulk insert, the rest quarantined.

    ts_values: the log's times already in the driver's form (a reader thread may prepare them).
    """
    dialect = session.connection().dialect
    out = quarantine(session, source=source, serial=serial, tz=tz, batch_id=batch_id, items=log.quarantined,
                     label=label)
    if ts_values is None:
        ts_values = log.ts_texts() if _text_ts(dialect) else log.ts_datetimes()
    _insert(session, source=source, serial=serial, tz=tz, batch_id=batch_id, pins=log.pins, ts_values=ts_values,
            states=log.states, verifies=log.verifies, high_water=high_water, out=out, log=log)
    return out


def store_punches(session: Session, *, source: str, serial: str, tz: str, batch_id: int | None,
                  punches: Iterable[PunchIn], clock: Clock, tolerance: dt.timedelta = plausible.DEFAULT_TOLERANCE,
                  high_water: dt.datetime | None = None, label: str = "", unit: str = "rekaman ke-",
                  indexes: Sequence[int] | None = None) -> StoreOutcome:
    """Rows with local datetimes (USB file lines, push uploads): classify each time, store or quarantine.

    indexes: the row's number in its source for messages (default 1, 2, …). Runs inside the caller's
    transaction; the push receiver answers the device only after that commits.
    """
    as_text = _text_ts(session.connection().dialect)
    pins: list[str] = []
    values: list[Any] = []
    states: list[int] = []
    verifies: list[int] = []
    bad: list[Quarantined] = []
    for n, (pin, ts, state, verify) in enumerate(punches):
        i = indexes[n] if indexes is not None else n + 1
        reason = "invalid_pin" if not valid_pin(pin) else plausible.classify_timestamp(ts, clock, tolerance, tz)
        if reason is not None:
            bad.append(Quarantined(i, pin, ts.strftime("%d-%m-%Y %H:%M:%S"), ts, state, verify, reason))
            continue
        pins.append(pin)
        values.append(ts_text(ts) if as_text else ts)
        states.append(state)
        verifies.append(verify)
    out = quarantine(session, source=source, serial=serial, tz=tz, batch_id=batch_id, items=bad, tolerance=tolerance,
                     label=label, unit=unit)
    _insert(session, source=source, serial=serial, tz=tz, batch_id=batch_id, pins=pins, ts_values=values,
            states=states, verifies=verifies, high_water=high_water, out=out)
    return out


def insert_punches(session: Session, *, source: str, serial: str, tz: str, batch_id: int, rows: list[KeyRow]) -> int:
    """Rows whose time is already the stored text (no plausibility check); returns how many were new."""
    out = StoreOutcome()
    as_text = _text_ts(session.connection().dialect)
    _insert(session, source=source, serial=serial, tz=tz, batch_id=batch_id, pins=[r[0] for r in rows],
            ts_values=[r[1] if as_text else dt.datetime.fromisoformat(r[1]) for r in rows],
            states=[r[2] for r in rows], verifies=[r[3] for r in rows], high_water=None, out=out)
    return out.new
