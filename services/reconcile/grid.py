"""Read side of reconciliation: the month grid (employee x day) and the exception queue.

Returns light tuples/dataclasses only, so the desktop model can hold 300+ rows x 31 days
without ORM objects.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Integer, String, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.calendar.names import month_bounds
from services.gcpause import gc_paused
from services.letters.kinds import CUTI_CODES, STATUS_LABELS
from services.store.models import DayRecord, Employee, WorkUnit
from services.timefmt import jam_pada

EXCEPTION_FLAGS = {
    "no_checkin": "Tidak absen masuk",
    "no_checkout": "Tidak absen pulang",
    "outside_geofence": "Di luar radius kantor",
    "selfie_rejected": "Swafoto ditolak",
    "manipulation": "Indikasi manipulasi",
    "surat_tumpang_tindih": "Surat tumpang tindih",
    "tanpa_roster": "Belum ada roster shift",
    "late_upload": "Rekaman mobile diunggah melewati batas unggah: tidak sah sebagai presensi",
    "old_app_version": "Rekaman dari aplikasi mobile versi lama (belum diperbarui): tidak sah sebagai presensi",
}
FLAG_LABELS = {**EXCEPTION_FLAGS, "cuti_bersama": "Cuti bersama", "belum_pulang": "Belum absen pulang",
               "masuk_fleksibel": "Jam masuk fleksibel: jam pulang bergeser sesuai jam masuk",
               "upacara": "Hari upacara"}
# colour category of a cell, used by the desktop model and the legend
CATEGORIES = ("hadir", "telat", "tk", "cuti", "dl", "sakit_izin", "libur", "belum", "kosong")


class Cell:
    """One grid cell; the tooltip text is built only when asked for (hovering one cell)."""

    __slots__ = ("label", "category", "exception", "_detail")

    def __init__(self, label: str, category: str, exception: bool, detail: tuple) -> None:
        self.label, self.category, self.exception, self._detail = label, category, exception, detail

    @property
    def tooltip(self) -> str:
        day, status, tl, psw, late, early, cin, cout, flags, corrected, apel, sched, sched_end = self._detail
        return _tooltip(_as_date(day), status, tl, psw, late, early, _as_datetime(cin), _as_datetime(cout),
                        [f for f in (flags or "").split(",") if f], bool(corrected), apel, _as_datetime(sched),
                        _as_datetime(sched_end))


def _as_date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _as_datetime(value: dt.datetime | str | None) -> dt.datetime | None:
    """Times stay in their storage text until a tooltip needs them (SQLite; PostgreSQL gives datetimes)."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


class GridRow:
    """One employee's month. Cells and totals are built from the day-record tuples on first use: the screen
    shows a few dozen rows at a time, so loading a whole office costs one fetch, not 155 k Python cells."""

    __slots__ = ("employee_id", "nip", "name", "unit", "_n_days", "_records", "_cells", "_totals")

    def __init__(self, employee_id: int, nip: str, name: str, unit: str, n_days: int,
                 records: Sequence[tuple]) -> None:
        self.employee_id, self.nip, self.name, self.unit = employee_id, nip, name, unit
        self._n_days, self._records = n_days, records
        self._cells: tuple[Cell | None, ...] | None = None
        self._totals: dict[str, int] | None = None

    @property
    def cells(self) -> tuple[Cell | None, ...]:
        """One per day of the month, None = not computed."""
        if self._cells is None:
            cells: list[Cell | None] = [None] * self._n_days
            look_of = _look_of
            for row in self._records:
                d = row[1]
                label, cat, exception = look_of(row)
                cells[(int(d[8:10]) if isinstance(d, str) else d.day) - 1] = Cell(label, cat, exception, row[1:])
            self._cells = tuple(cells)
        return self._cells

    @property
    def totals(self) -> dict[str, int]:
        if self._totals is None:
            t: dict[str, int] = {}
            for row in self._records:
                status = row[2]
                key = "CUTI" if status in CUTI_CODES else ("S/I" if status in ("S", "I") else status)
                t[key] = t.get(key, 0) + 1
                if row[3]:
                    t["TL"] = t.get("TL", 0) + 1
                if row[4]:
                    t["PSW"] = t.get("PSW", 0) + 1
            self._totals = t
        return self._totals

    @property
    def computed_days(self) -> int:
        return len(self._records)

    @property
    def has_exception(self) -> bool:
        """A day that needs a look (the "only problems" filter), without building the cells."""
        return any(_look_of(r)[2] for r in self._records)


@dataclass(frozen=True)
class MonthGrid:
    year: int
    month: int
    days: tuple[dt.date, ...]
    rows: tuple[GridRow, ...]


@dataclass(frozen=True)
class ExceptionRow:
    employee_id: int
    nip: str
    name: str
    unit: str
    date: dt.date
    status: str
    problem: str
    check_in: dt.datetime | None
    check_out: dt.datetime | None


def _hm(x: dt.datetime | None, day: dt.date) -> str:
    if x is None:
        return "-"
    return jam_pada(x, day)


@functools.lru_cache(maxsize=4096)
def _look(status: str, tl: int, psw: int, flags: str, corrected: bool) -> tuple[str, str, bool]:
    """(label, colour category, needs a look) of a day: a few hundred combinations in a whole office's month."""
    flag_list = [f for f in flags.split(",") if f]
    exception = not corrected and (status == "TK" or any(f in EXCEPTION_FLAGS for f in flag_list))
    if status == "H":
        if tl and psw:
            label, cat = f"TL{tl}+", "telat"
        elif tl:
            label, cat = f"TL{tl}", "telat"
        elif psw:
            label, cat = f"PSW{psw}", "telat"
        else:
            label, cat = "H", "hadir"
    elif status == "TK":
        label, cat = "TK", "tk"
    elif status in CUTI_CODES:
        label, cat = status, "cuti"
    elif status == "DL":
        label, cat = "DL", "dl"
    elif status in ("S", "I"):
        label, cat = status, "sakit_izin"
    elif status == "LIBUR":
        label, cat = ("CB" if "cuti_bersama" in flag_list else "L"), "libur"
    else:
        label, cat = ("·" if status == "BELUM" else status), "belum"
    if corrected:
        label += "*"
    return label, cat, exception


def _look_of(row: tuple) -> tuple[str, str, bool]:
    """_look of one grid-statement row (employee, date, status, tl, psw, ..., flags at 9, corrected at 10)."""
    return _look(row[2], row[3] or 0, row[4] or 0, row[9] or "", bool(row[10]))


def _cell(day: dt.date | str, status: str, tl: int, psw: int, late: int, early: int, cin: dt.datetime | str | None,
          cout: dt.datetime | str | None, flags: str, corrected: bool, apel: bool | None,
          sched: dt.datetime | str | None, sched_end: dt.datetime | str | None) -> Cell:
    """One cell; dates and times may be their storage text (parsed only for the tooltip)."""
    label, cat, exception = _look(status, tl or 0, psw or 0, flags or "", bool(corrected))
    return Cell(label, cat, exception, (day, status, tl, psw, late, early, cin, cout, flags, corrected, apel,
                                        sched, sched_end))


def _tooltip(day: dt.date, status: str, tl: int, psw: int, late: int, early: int, cin: dt.datetime | None,
             cout: dt.datetime | None, flag_list: list[str], corrected: bool, apel: bool | None,
             sched: dt.datetime | None, sched_end: dt.datetime | None) -> str:
    lines = [f"{day:%d-%m-%Y}: {STATUS_LABELS.get(status, status)}"]
    if sched is not None:
        lines.append(f"Jadwal {_hm(sched, day)}–{_hm(sched_end, day)}")
    if status in ("H", "TK") or cin or cout:
        lines.append(f"Masuk {_hm(cin, day)}   Pulang {_hm(cout, day)}")
    if late:
        lines.append(f"Terlambat {late} menit (TL{tl})")
    if early:
        lines.append(f"Pulang cepat {early} menit (PSW{psw})")
    if apel is not None:
        what = "Upacara" if "upacara" in flag_list else "Apel"
        lines.append(f"{what}: hadir" if apel else f"{what}: tidak hadir")
    lines += [FLAG_LABELS.get(f, f) for f in flag_list if f != "upacara"]
    if corrected:
        lines.append("Sudah dikoreksi")
    return "\n".join(lines)


def _driver_rows(conn: Connection, sql: str, params: list) -> list[tuple]:
    """All rows of one statement through the SQLite driver's own cursor (plain tuples, no Row objects)."""
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(sql, params)
        return cur.fetchall()
    finally:
        cur.close()


_STAFF_SQLITE = ("SELECT e.id, e.nip, e.name, coalesce(w.name, '-') FROM employee e LEFT JOIN work_unit w "
                 "ON w.id = e.unit_id WHERE e.opd_id = ?{unit} ORDER BY w.name, e.name")


def _employees(session: Session, opd_id: int, unit_id: int | None) -> list[tuple[int, str, str, str]]:
    conn = session.connection()
    if conn.dialect.name == "sqlite":  # the driver's cursor: ORM rows for 5,000 employees cost 5-15 % of the grid
        params = [opd_id, unit_id] if unit_id is not None else [opd_id]
        return _driver_rows(conn, _STAFF_SQLITE.format(unit=" AND e.unit_id = ?" if unit_id is not None else ""),
                            params)
    q = (select(Employee.id, Employee.nip, Employee.name, WorkUnit.name)
         .join(WorkUnit, WorkUnit.id == Employee.unit_id, isouter=True)
         .where(Employee.opd_id == opd_id).order_by(WorkUnit.name, Employee.name))
    if unit_id is not None:
        q = q.where(Employee.unit_id == unit_id)
    return [(i, nip, name, unit or "-") for i, nip, name, unit in session.execute(q)]


# the OPD's employees as a list subquery: SQLite then walks the (employee_id, date) key once per employee, in
# order, instead of the date index + one employee lookup per day record (half the time on a year's database)
_GRID_SQLITE = ("SELECT d.employee_id, d.date, d.status, d.tl_tier, d.psw_tier, d.late_minutes, d.early_minutes, "
                "d.check_in, d.check_out, d.flags, d.corrected, d.apel, d.sched_start, d.sched_end FROM day_record d "
                "WHERE d.employee_id IN (SELECT id FROM employee WHERE opd_id = ?{unit}) AND d.date >= ? "
                "AND d.date <= ? ORDER BY d.employee_id, d.date")


def grid_sql(unit: bool) -> str:
    """The SQLite statement of the grid's day records (the benchmark fetches the same rows with it)."""
    return _GRID_SQLITE.format(unit=" AND unit_id = ?" if unit else "")


def _day_rows(session: Session, opd_id: int, first: dt.date, last: dt.date, unit_id: int | None) -> list[tuple]:
    """The month's day-record rows as plain tuples, ordered by employee and date. SQLite: the driver's cursor
    (Row objects alone cost as much as the fetch); other databases: the same query through Core."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        params = [opd_id, unit_id] if unit_id is not None else [opd_id]
        return _driver_rows(conn, grid_sql(unit_id is not None), [*params, first.isoformat(), last.isoformat()])
    staff = select(Employee.id).where(Employee.opd_id == opd_id)
    if unit_id is not None:
        staff = staff.where(Employee.unit_id == unit_id)
    # dates and times as the driver gives them: parsing 4 datetimes x 155 k rows was most of the grid's time,
    # and only a hovered cell's tooltip shows them
    raw = String()
    q = (select(DayRecord.employee_id, type_coerce(DayRecord.date, raw), DayRecord.status, DayRecord.tl_tier,
                DayRecord.psw_tier, DayRecord.late_minutes, DayRecord.early_minutes, type_coerce(DayRecord.check_in, raw),
                type_coerce(DayRecord.check_out, raw), DayRecord.flags, type_coerce(DayRecord.corrected, Integer()),
                type_coerce(DayRecord.apel, Integer()), type_coerce(DayRecord.sched_start, raw),
                type_coerce(DayRecord.sched_end, raw))
         .where(DayRecord.employee_id.in_(staff), DayRecord.date >= first, DayRecord.date <= last)
         .order_by(DayRecord.employee_id, DayRecord.date))
    return [tuple(r) for r in conn.execute(q)]


def month_grid(session: Session, opd_id: int, year: int, month: int, unit_id: int | None = None) -> MonthGrid:
    first, last = month_bounds(year, month)
    days = tuple(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    with gc_paused():  # 155 k row tuples that all stay alive: nothing for the cyclic collector to find
        by_employee = {emp: list(recs) for emp, recs in groupby(_day_rows(session, opd_id, first, last, unit_id),
                                                                key=itemgetter(0))}
        none: tuple = ()
        rows = tuple(GridRow(i, nip, name, unit, len(days), by_employee.get(i, none))
                     for i, nip, name, unit in _employees(session, opd_id, unit_id))
    return MonthGrid(year, month, days, rows)


def exception_queue(session: Session, opd_id: int, year: int, month: int,
                    unit_id: int | None = None) -> list[ExceptionRow]:
    """Days that need a human: TK, missing check-in/out, voided punches, overlapping letters (not yet corrected)."""
    first, last = month_bounds(year, month)
    q = (select(DayRecord.employee_id, Employee.nip, Employee.name, WorkUnit.name, DayRecord.date, DayRecord.status,
                DayRecord.flags, DayRecord.check_in, DayRecord.check_out)
         .join(Employee, Employee.id == DayRecord.employee_id)
         .join(WorkUnit, WorkUnit.id == Employee.unit_id, isouter=True)
         .where(Employee.opd_id == opd_id, DayRecord.date >= first, DayRecord.date <= last,
                DayRecord.corrected.is_(False))
         .where((DayRecord.status == "TK") | (DayRecord.flags != ""))
         .order_by(DayRecord.date, Employee.name))
    if unit_id is not None:
        q = q.where(Employee.unit_id == unit_id)
    out = []
    for emp, nip, name, unit, d, status, flags, cin, cout in session.execute(q):
        problems = [EXCEPTION_FLAGS[f] for f in (flags or "").split(",") if f in EXCEPTION_FLAGS]
        if status == "TK":
            problems.insert(0, "Tanpa keterangan")
        if problems:
            out.append(ExceptionRow(emp, nip, name, unit or "-", d, status, "; ".join(problems), cin, cout))
    return out
