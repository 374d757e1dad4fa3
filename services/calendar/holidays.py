"""Holidays: national days from the `holidays` package, cuti bersama and regional days as editable data.

The holiday table is the single source the reconcile engine reads; seeding copies the
national list (``holidays.country_holidays("ID")``) and the bundled cuti bersama list
into it, after which staff edit it (a new SKB, a regional day) through add/remove.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import holidays as holidays_pkg
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.auth import audit
from services.calendar.refresh import ensure_no_locked_month, recompute_scope
from services.errors import BadInputError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.store.models import Holiday

# Days off (the engine makes a fixed-schedule working day LIBUR) ...
OFF_KINDS = ("nasional", "cuti_bersama", "daerah")
# ... and calendar days that are not days off, kept in the same editable table: a Ramadan date switches
# fixed schedules to Ramadan hours, an upacara date has a ceremony whose attendance counts like apel.
EVENT_KINDS = ("ramadan", "upacara")
KINDS = {"nasional": "Libur nasional", "cuti_bersama": "Cuti bersama", "daerah": "Libur daerah",
         "ramadan": "Bulan Ramadan (jam kerja Ramadan)", "upacara": "Upacara hari besar"}
DATA_DIR = Path(__file__).with_name("data")
CUTI_BERSAMA_FILE = DATA_DIR / "cuti_bersama.toml"
RAMADAN_FILE = DATA_DIR / "ramadan.toml"
CEREMONY_FILE = DATA_DIR / "upacara.toml"


class HolidayError(BadInputError):
    pass


@dataclass(frozen=True)
class HolidayRow:
    id: int
    date: dt.date
    name: str
    kind: str


def bundled_cuti_bersama() -> dict[dt.date, str]:
    """Cuti bersama days shipped with the app (SKB lists from RULES.md)."""
    data = tomllib.loads(CUTI_BERSAMA_FILE.read_text(encoding="utf-8"))
    return {d["date"]: str(d["name"]) for d in data.get("day", [])}


def bundled_ramadan() -> dict[dt.date, str]:
    """Ramadan dates shipped with the app: every day of each [[period]] (first..last, inclusive)."""
    data = tomllib.loads(RAMADAN_FILE.read_text(encoding="utf-8"))
    out: dict[dt.date, str] = {}
    for period in data.get("period", []):
        d, last = period["first"], period["last"]
        while d <= last:
            out[d] = str(period["name"])
            d += dt.timedelta(days=1)
    return out


def bundled_ceremonies(years: list[int] | tuple[int, ...]) -> dict[dt.date, str]:
    """Upacara hari besar shipped with the app ([[day]] month/day, every year) for ``years``."""
    data = tomllib.loads(CEREMONY_FILE.read_text(encoding="utf-8"))
    return {dt.date(y, int(c["month"]), int(c["day"])): str(c["name"]) for y in years for c in data.get("day", [])}


def national_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays_pkg.country_holidays("ID", years=year, language="id").items())


def seed_holidays(session: Session, years: list[int] | tuple[int, ...], username: str = "system") -> int:
    """Fill national holidays, cuti bersama, Ramadan dates and upacara days for ``years``; existing rows
    are kept. Returns rows added.

    Cuti bersama comes from the bundled list when it covers the year, otherwise from the
    package's "government" category (the SKB days it knows), so a new year is never empty.
    """
    existing = {(d, k) for d, k in session.execute(select(Holiday.date, Holiday.kind))}
    bundled = bundled_cuti_bersama()
    ramadan = bundled_ramadan()
    added = 0
    for year in years:
        rows: list[tuple[dt.date, str, str]] = [(d, n, "nasional") for d, n in national_holidays(year).items()]
        cb = {d: n for d, n in bundled.items() if d.year == year}
        if not cb:
            gov = holidays_pkg.country_holidays("ID", years=year, categories=("government",), language="id")
            cb = dict(gov.items())
        rows += [(d, n, "cuti_bersama") for d, n in cb.items()]
        rows += [(d, n, "ramadan") for d, n in ramadan.items() if d.year == year]
        rows += [(d, n, "upacara") for d, n in bundled_ceremonies([year]).items()]
        for d, name, kind in sorted(rows):
            if (d, kind) in existing:
                continue
            session.add(Holiday(date=d, name=name[:200], kind=kind))
            existing.add((d, kind))
            added += 1
    session.flush()
    if added:
        audit.record(session, username, "holiday.seed", "holiday", "", {"years": list(years), "added": added})
    return added


def seed_holidays_and_recompute(session: Session, years: list[int], username: str, *, today: dt.date | None = None,
                                progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> int:
    """The screen's "Isi libur nasional" button: seed, then recompute the dates that became holidays.

    A new holiday inside a locked month refuses the whole seeding (the caller's transaction
    rolls back), the same rule as a single added holiday.
    """
    before = set(session.execute(select(Holiday.date)).scalars())
    added = seed_holidays(session, years, username=username)
    new_days = sorted(set(session.execute(select(Holiday.date)).scalars()) - before)
    ranges = [(day, day) for day in new_days]
    ensure_no_locked_month(session, HOLIDAY_ACTION, ranges, None)
    recompute_scope(session, ranges, None, today, progress=progress, cancel=cancel)
    return added


def list_holidays(session: Session, year: int) -> list[HolidayRow]:
    q = (
        select(Holiday.id, Holiday.date, Holiday.name, Holiday.kind)
        .where(Holiday.date >= dt.date(year, 1, 1), Holiday.date <= dt.date(year, 12, 31))
        .order_by(Holiday.date, Holiday.kind)
    )
    return [HolidayRow(*r) for r in session.execute(q)]


def holiday_map(session: Session, date_from: dt.date, date_to: dt.date) -> dict[dt.date, set[str]]:
    """date -> kinds of day off on that date (a day can be both nasional and cuti_bersama); no events."""
    return _kind_map(session, date_from, date_to, OFF_KINDS)


def event_map(session: Session, date_from: dt.date, date_to: dt.date,
              kinds: tuple[str, ...] = EVENT_KINDS) -> dict[dt.date, dict[str, str]]:
    """date -> {event kind: name} for Ramadan and upacara days (not days off)."""
    out: dict[dt.date, dict[str, str]] = {}
    q = select(Holiday.date, Holiday.kind, Holiday.name).where(
        Holiday.date >= date_from, Holiday.date <= date_to, Holiday.kind.in_(kinds))
    for d, kind, name in session.execute(q):
        out.setdefault(d, {})[kind] = name
    return out


def _kind_map(session: Session, date_from: dt.date, date_to: dt.date, kinds: tuple[str, ...]) -> dict[dt.date, set[str]]:
    out: dict[dt.date, set[str]] = {}
    q = select(Holiday.date, Holiday.kind).where(Holiday.date >= date_from, Holiday.date <= date_to,
                                                 Holiday.kind.in_(kinds))
    for d, kind in session.execute(q):
        out.setdefault(d, set()).add(kind)
    return out


HOLIDAY_ACTION = "Perubahan hari libur"


def _validate(session: Session, date: dt.date, name: str, kind: str, skip_id: int | None = None) -> str:
    name = (name or "").strip()
    if kind not in KINDS:
        raise HolidayError(f"Jenis hari libur '{kind}' tidak dikenal (pilih: {', '.join(KINDS)}).")
    if not name:
        raise HolidayError("Nama hari libur wajib diisi.")
    q = select(Holiday).where(Holiday.date == date, Holiday.kind == kind)
    if skip_id is not None:
        q = q.where(Holiday.id != skip_id)
    dup = session.execute(q).scalar()
    if dup is not None:
        raise HolidayError(f"{KINDS[kind]} pada {date.isoformat()} sudah ada ('{dup.name}').")
    return name


# A holiday is the same for every OPD, so every employee's day is in scope; the engine turns
# only fixed-schedule days into LIBUR (roster staff follow their roster) and writes only changes.


def add_holiday(session: Session, username: str, date: dt.date, name: str, kind: str,
                *, today: dt.date | None = None,
                progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> Holiday:
    """Add a holiday and recompute that date for everyone (refused when its month is locked)."""
    name = _validate(session, date, name, kind)
    ensure_no_locked_month(session, HOLIDAY_ACTION, [(date, date)], None)
    h = Holiday(date=date, name=name[:200], kind=kind)
    session.add(h)
    session.flush()
    audit.record(session, username, "holiday.add", "holiday", h.id, {"date": date, "name": name, "kind": kind})
    recompute_scope(session, [(date, date)], None, today, progress=progress, cancel=cancel)
    return h


def update_holiday(session: Session, username: str, holiday_id: int, date: dt.date, name: str, kind: str,
                   *, today: dt.date | None = None,
                   progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> Holiday:
    """Change a holiday's date/name/kind; the old and the new date are both recomputed."""
    h = session.get(Holiday, holiday_id)
    if h is None:
        raise HolidayError("Hari libur tidak ditemukan.")
    name = _validate(session, date, name, kind, skip_id=holiday_id)
    ranges = [(h.date, h.date), (date, date)]
    ensure_no_locked_month(session, HOLIDAY_ACTION, ranges, None)
    before = {"date": h.date, "name": h.name, "kind": h.kind}
    h.date, h.name, h.kind = date, name[:200], kind
    session.flush()
    audit.record(session, username, "holiday.update", "holiday", holiday_id,
                 {"before": before, "after": {"date": date, "name": h.name, "kind": kind}})
    recompute_scope(session, ranges, None, today, progress=progress, cancel=cancel)
    return h


def remove_holiday(session: Session, username: str, holiday_id: int, *, today: dt.date | None = None,
                   progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> None:
    h = session.get(Holiday, holiday_id)
    if h is None:
        raise HolidayError("Hari libur tidak ditemukan.")
    day = h.date
    ensure_no_locked_month(session, HOLIDAY_ACTION, [(day, day)], None)
    detail = {"date": day, "name": h.name, "kind": h.kind}
    session.execute(delete(Holiday).where(Holiday.id == holiday_id))
    audit.record(session, username, "holiday.remove", "holiday", holiday_id, detail)
    recompute_scope(session, [(day, day)], None, today, progress=progress, cancel=cancel)
