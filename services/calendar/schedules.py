"""Work schedules, shifts, assignments and rosters, and the per-day plan the engine reads.

Resolution of an employee's schedule on a date: an assignment to the employee wins over
one to their unit, which wins over one to a parent unit, which wins over a global one
(no unit, no employee); at the same level a Ramadan schedule wins, then the latest
``date_from``. Without any assignment the built-in standard 5-day week applies (Perpres
21/2023: Mon-Thu 07.30-16.00, Fri 07.30-16.30). A roster schedule takes each day from
RosterEntry (the shift is dated by the day it starts; no entry or an empty shift = off).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.auth import audit
from services.calendar.names import HARI
from services.calendar.refresh import ensure_no_locked_month, recompute_scope, unit_employee_ids
from services.errors import BadInputError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.store.models import (
    Employee,
    Holiday,
    RosterEntry,
    Schedule,
    ScheduleAssignment,
    ScheduleDay,
    Shift,
    WorkUnit,
)

T = dt.time
# weekday -> (start, end, break minutes)
STANDARD_DAYS = {0: (T(7, 30), T(16, 0), 60), 1: (T(7, 30), T(16, 0), 60), 2: (T(7, 30), T(16, 0), 60),
                 3: (T(7, 30), T(16, 0), 60), 4: (T(7, 30), T(16, 30), 90)}
RAMADAN_DAYS = {0: (T(8, 0), T(15, 0), 30), 1: (T(8, 0), T(15, 0), 30), 2: (T(8, 0), T(15, 0), 30),
                3: (T(8, 0), T(15, 0), 30), 4: (T(8, 0), T(15, 30), 60)}
SIX_DAYS = {0: (T(7, 30), T(15, 0), 60), 1: (T(7, 30), T(15, 0), 60), 2: (T(7, 30), T(15, 0), 60),
            3: (T(7, 30), T(15, 0), 60), 4: (T(7, 30), T(14, 30), 90), 5: (T(7, 30), T(14, 0), 30)}
STANDARD_SHIFTS = [("P", "Pagi", T(7, 0), T(14, 0)), ("S", "Siang", T(14, 0), T(21, 0)), ("M", "Malam", T(21, 0), T(7, 0))]
ROSTER_PATTERN = ["P", "P", "S", "S", "M", "M", None, None]  # 8-day rotation, None = libur
WEEKDAYS_ID = HARI  # kept: the Jadwal screen imports it by this name

# A day plan is (start, end, kind, code, flex) with naive local datetimes; kind "fixed" or "roster";
# flex = the schedule's own flexible-start minutes (None = the region policy decides, see
# services/policy/model.py ScheduleRules). Off days are one of the sentinels below so callers can tell why.
DayPlan = tuple[dt.datetime, dt.datetime, str, str, int | None]
OFF_WEEKLY = "off_weekly"
OFF_ROSTER = "off_roster"
NO_ROSTER = "no_roster"


class ScheduleError(BadInputError):
    pass


def _span(day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    s = dt.datetime.combine(day, start)
    e = dt.datetime.combine(day, end)
    if e <= s:  # crosses midnight: ends the next day
        e += dt.timedelta(days=1)
    return s, e


# ---------------------------------------------------------------- seeding / editing


def _get_or_create_schedule(session: Session, code: str, name: str, kind: str, ramadan: bool,
                            days: dict[int, tuple[dt.time, dt.time, int]], flex_minutes: int | None = None) -> Schedule:
    sch = session.execute(select(Schedule).where(Schedule.code == code)).scalar()
    if sch is None:
        sch = Schedule(code=code, name=name, kind=kind, ramadan=ramadan, flex_minutes=flex_minutes)
        sch.days = [ScheduleDay(weekday=w, start=s, end=e, break_minutes=b) for w, (s, e, b) in sorted(days.items())]
        session.add(sch)
        session.flush()
    return sch


def seed_standard_schedules(session: Session, roster_unit_id: int | None = None,
                            date_from: dt.date = dt.date(2025, 1, 1), username: str = "system") -> dict[str, int]:
    """Create the standard schedules and shifts (idempotent); returns code -> schedule id.

    - "5H": Mon-Thu 07.30-16.00, Fri 07.30-16.30, assigned globally from ``date_from``.
    - "6H": six-day week; "RAMADAN": 08.00-15.00 / Fri 08.00-15.30 (assign it for the Ramadan dates).
    - "ROSTER" with shifts P 07-14, S 14-21, M 21-07 (crosses midnight), assigned to
      ``roster_unit_id`` when given (fill days with ``seed_shift_roster``).
    """
    out = {
        "5H": _get_or_create_schedule(session, "5H", "Lima hari kerja (Senin-Kamis / Jumat)", "fixed", False, STANDARD_DAYS).id,
        "6H": _get_or_create_schedule(session, "6H", "Enam hari kerja", "fixed", False, SIX_DAYS).id,
        "RAMADAN": _get_or_create_schedule(session, "RAMADAN", "Jam kerja bulan Ramadan", "fixed", True, RAMADAN_DAYS).id,
        "ROSTER": _get_or_create_schedule(session, "ROSTER", "Jadwal shift (roster)", "roster", False, {}).id,
    }
    for code, name, start, end in STANDARD_SHIFTS:
        if session.execute(select(Shift.id).where(Shift.code == code)).scalar() is None:
            session.add(Shift(code=code, name=name, start=start, end=end))
    have_global = session.execute(
        select(ScheduleAssignment.id).where(ScheduleAssignment.schedule_id == out["5H"],
                                            ScheduleAssignment.unit_id.is_(None),
                                            ScheduleAssignment.employee_id.is_(None))).scalar()
    if have_global is None:
        session.add(ScheduleAssignment(schedule_id=out["5H"], date_from=date_from))
    if roster_unit_id is not None:
        have_unit = session.execute(
            select(ScheduleAssignment.id).where(ScheduleAssignment.schedule_id == out["ROSTER"],
                                                ScheduleAssignment.unit_id == roster_unit_id)).scalar()
        if have_unit is None:
            session.add(ScheduleAssignment(schedule_id=out["ROSTER"], unit_id=roster_unit_id, date_from=date_from))
    session.flush()
    audit.record(session, username, "schedule.seed", "schedule", "", {"roster_unit_id": roster_unit_id})
    return out


def seed_shift_roster(session: Session, unit_id: int, date_from: dt.date, date_to: dt.date,
                      username: str = "system") -> int:
    """Fill a rotating P,P,S,S,M,M,libur,libur roster for every employee of a unit (existing days kept)."""
    shift_ids = {code: sid for code, sid in session.execute(select(Shift.code, Shift.id))}
    if not all(c in shift_ids for c in ("P", "S", "M")):
        raise ScheduleError("Shift P/S/M belum ada; jalankan seed_standard_schedules dulu.")
    emp_ids = list(session.execute(select(Employee.id).where(Employee.unit_id == unit_id).order_by(Employee.id)).scalars())
    have = {(e, d) for e, d in session.execute(
        select(RosterEntry.employee_id, RosterEntry.date).where(RosterEntry.employee_id.in_(emp_ids),
                                                                RosterEntry.date >= date_from, RosterEntry.date <= date_to))}
    n = 0
    for k, emp_id in enumerate(emp_ids):
        d = date_from
        while d <= date_to:
            if (emp_id, d) not in have:
                code = ROSTER_PATTERN[((d - date_from).days + 2 * k) % len(ROSTER_PATTERN)]
                session.add(RosterEntry(employee_id=emp_id, date=d, shift_id=shift_ids[code] if code else None))
                n += 1
            d += dt.timedelta(days=1)
    session.flush()
    audit.record(session, username, "roster.seed", "work_unit", unit_id, {"from": date_from, "to": date_to, "entries": n})
    return n


def create_schedule(session: Session, username: str, code: str, name: str, kind: str, ramadan: bool,
                    days: dict[int, tuple[dt.time, dt.time, int]], flex_minutes: int | None = None) -> Schedule:
    """A new schedule. ``flex_minutes``: jam masuk fleksibel (on time until start + N minutes, the end moving
    by the arrival's delay); None = the region policy's [schedule] value, 0 = none."""
    code = code.strip().upper()
    if not code or not name.strip():
        raise ScheduleError("Kode dan nama jadwal wajib diisi.")
    if kind not in ("fixed", "roster"):
        raise ScheduleError("Jenis jadwal harus 'fixed' atau 'roster'.")
    if session.execute(select(Schedule.id).where(Schedule.code == code)).scalar() is not None:
        raise ScheduleError(f"Kode jadwal '{code}' sudah dipakai.")
    if kind == "fixed" and not days:
        raise ScheduleError("Jadwal tetap memerlukan minimal satu hari kerja.")
    for w, (s, e, b) in days.items():
        if not 0 <= w <= 6:
            raise ScheduleError(f"Hari ke-{w} tidak valid (0 = Senin .. 6 = Minggu).")
        if s == e:
            raise ScheduleError(f"{WEEKDAYS_ID[w]}: jam masuk dan pulang tidak boleh sama.")
        if b < 0:
            raise ScheduleError(f"{WEEKDAYS_ID[w]}: istirahat tidak boleh negatif.")
    if flex_minutes is not None and not 0 <= flex_minutes <= 240:
        raise ScheduleError(f"Jam masuk fleksibel {flex_minutes} menit tidak valid (0-240 menit).")
    sch = _get_or_create_schedule(session, code, name.strip(), kind, ramadan, days, flex_minutes)
    audit.record(session, username, "schedule.create", "schedule", sch.id,
                 {"code": code, "kind": kind, "ramadan": ramadan, "flex_minutes": flex_minutes,
                  "days": {w: [str(s), str(e), b] for w, (s, e, b) in days.items()}})
    return sch


SCHEDULE_ACTION = "Perubahan jadwal kerja"
ROSTER_ACTION = "Perubahan roster shift"


def _assignment_employees(session: Session, unit_id: int | None, employee_id: int | None) -> list[int] | None:
    """Who an assignment can change: the employee, the unit with its sub-units, or everyone (None)."""
    if employee_id is not None:
        return [employee_id]
    if unit_id is not None:
        return unit_employee_ids(session, unit_id)
    return None


def assign_schedule(session: Session, username: str, schedule_id: int, date_from: dt.date,
                    date_to: dt.date | None = None, unit_id: int | None = None,
                    employee_id: int | None = None, *, today: dt.date | None = None,
                    progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> ScheduleAssignment:
    """Assign a schedule and recompute its employees x dates (refused when it reaches a locked month)."""
    if session.get(Schedule, schedule_id) is None:
        raise ScheduleError("Jadwal tidak ditemukan.")
    if unit_id is not None and employee_id is not None:
        raise ScheduleError("Pilih unit ATAU pegawai, tidak keduanya.")
    if date_to is not None and date_to < date_from:
        raise ScheduleError(f"Tanggal akhir {date_to.isoformat()} sebelum tanggal awal {date_from.isoformat()}.")
    emps = _assignment_employees(session, unit_id, employee_id)
    ensure_no_locked_month(session, SCHEDULE_ACTION, [(date_from, date_to)], emps)
    a = ScheduleAssignment(schedule_id=schedule_id, unit_id=unit_id, employee_id=employee_id,
                           date_from=date_from, date_to=date_to)
    session.add(a)
    session.flush()
    audit.record(session, username, "schedule.assign", "schedule_assignment", a.id,
                 {"schedule_id": schedule_id, "unit_id": unit_id, "employee_id": employee_id,
                  "from": date_from, "to": date_to})
    recompute_scope(session, [(date_from, date_to)], emps, today, progress=progress, cancel=cancel)
    return a


def remove_assignment(session: Session, username: str, assignment_id: int, *, today: dt.date | None = None,
                      progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> None:
    a = session.get(ScheduleAssignment, assignment_id)
    if a is None:
        raise ScheduleError("Penugasan jadwal tidak ditemukan.")
    detail = {"schedule_id": a.schedule_id, "unit_id": a.unit_id, "employee_id": a.employee_id,
              "from": a.date_from, "to": a.date_to}
    emps = _assignment_employees(session, a.unit_id, a.employee_id)
    ranges = [(a.date_from, a.date_to)]
    ensure_no_locked_month(session, SCHEDULE_ACTION, ranges, emps)
    session.execute(delete(ScheduleAssignment).where(ScheduleAssignment.id == assignment_id))
    audit.record(session, username, "schedule.unassign", "schedule_assignment", assignment_id, detail)
    recompute_scope(session, ranges, emps, today, progress=progress, cancel=cancel)


def set_roster(session: Session, username: str, employee_id: int, date: dt.date, shift_code: str | None,
               *, today: dt.date | None = None) -> None:
    """Put an employee on a shift (or off with None) on the day the shift starts, then recompute.

    Besides the day itself the day before and after are recomputed: neighbouring shifts split
    their punch windows midway, so a new shift can move a night shift's check-out. Those two
    neighbours are skipped (not refused) when they fall in a locked month.
    """
    shift_id = None
    if shift_code:
        shift_id = session.execute(select(Shift.id).where(Shift.code == shift_code)).scalar()
        if shift_id is None:
            raise ScheduleError(f"Shift '{shift_code}' tidak dikenal.")
    ensure_no_locked_month(session, ROSTER_ACTION, [(date, date)], [employee_id])
    entry = session.execute(select(RosterEntry).where(RosterEntry.employee_id == employee_id,
                                                      RosterEntry.date == date)).scalar()
    if entry is None:
        session.add(RosterEntry(employee_id=employee_id, date=date, shift_id=shift_id))
    else:
        entry.shift_id = shift_id
    session.flush()
    audit.record(session, username, "roster.set", "employee", employee_id, {"date": date, "shift": shift_code})
    recompute_scope(session, [(date, date)], [employee_id], today)
    one = dt.timedelta(days=1)
    recompute_scope(session, [(date - one, date - one), (date + one, date + one)], [employee_id], today,
                    skip_locked=True)


# ---------------------------------------------------------------- resolution


@dataclass
class _Sched:
    code: str
    kind: str
    ramadan: bool
    days: dict[int, tuple[dt.time, dt.time]]
    flex: int | None = None


def ramadan_dates(session: Session, date_from: dt.date, date_to: dt.date) -> set[dt.date]:
    """The calendar's Ramadan dates (kind "ramadan" rows, editable like cuti bersama) in the range."""
    return set(session.execute(select(Holiday.date).where(Holiday.kind == "ramadan", Holiday.date >= date_from,
                                                          Holiday.date <= date_to)).scalars())


class ScheduleBook:
    """All schedule data for a date range, loaded in a few queries; answers per-day plans fast.

    ``ramadan_schedule``: the code of the schedule whose hours apply automatically on the calendar's
    Ramadan dates to every fixed schedule that is not itself a Ramadan schedule (None = off; a code
    that does not exist = the built-in Ramadan hours). A weekday the Ramadan schedule has no hours
    for (Saturday of a six-day week) keeps the ordinary hours; rosters are never switched.
    """

    def __init__(self, session: Session, date_from: dt.date, date_to: dt.date,
                 employee_ids: Iterable[int] | None = None, ramadan_schedule: str | None = None) -> None:
        self.date_from, self.date_to = date_from, date_to
        n = (date_to - date_from).days + 1
        self.dates = [date_from + dt.timedelta(days=i) for i in range(n)]
        self.schedules: dict[int, _Sched] = {}
        for sid, code, kind, ramadan, flex in session.execute(
                select(Schedule.id, Schedule.code, Schedule.kind, Schedule.ramadan, Schedule.flex_minutes)):
            self.schedules[sid] = _Sched(code, kind, bool(ramadan), {}, flex)
        for sid, wd, start, end in session.execute(select(ScheduleDay.schedule_id, ScheduleDay.weekday, ScheduleDay.start, ScheduleDay.end)):
            self.schedules[sid].days[wd] = (start, end)
        self.schedules[0] = _Sched("STANDAR", "fixed", False, {w: (s, e) for w, (s, e, _b) in STANDARD_DAYS.items()})
        self.ramadan: _Sched | None = None
        self.ramadan_days: set[dt.date] = set()
        if ramadan_schedule is not None:
            self.ramadan_days = ramadan_dates(session, date_from, date_to)
            self.ramadan = next((x for x in self.schedules.values() if x.code == ramadan_schedule and x.kind == "fixed"),
                                _Sched("RAMADAN", "fixed", True, {w: (s, e) for w, (s, e, _b) in RAMADAN_DAYS.items()}))
        self.shifts = {sid: (code, s, e) for sid, code, s, e in session.execute(select(Shift.id, Shift.code, Shift.start, Shift.end))}
        self.assignments = list(session.execute(
            select(ScheduleAssignment.id, ScheduleAssignment.schedule_id, ScheduleAssignment.unit_id,
                   ScheduleAssignment.employee_id, ScheduleAssignment.date_from, ScheduleAssignment.date_to)
            .where(ScheduleAssignment.date_from <= date_to)
            .where((ScheduleAssignment.date_to.is_(None)) | (ScheduleAssignment.date_to >= date_from))))
        self.parent = dict(session.execute(select(WorkUnit.id, WorkUnit.parent_id)).all())
        self.roster: dict[int, dict[dt.date, int | None]] = {}
        if any(self.schedules[a[1]].kind == "roster" for a in self.assignments if a[1] in self.schedules):
            q = select(RosterEntry.employee_id, RosterEntry.date, RosterEntry.shift_id).where(
                RosterEntry.date >= date_from, RosterEntry.date <= date_to)
            if employee_ids is not None:
                q = q.where(RosterEntry.employee_id.in_(list(employee_ids)))
            for emp, d, shift in session.execute(q):
                self.roster.setdefault(emp, {})[d] = shift
        self._unit_cache: dict[int | None, list[int]] = {}
        self._fixed_cache: dict[int, list[DayPlan | str]] = {}
        self._emp_assign = {a[3] for a in self.assignments if a[3] is not None}

    def _chain(self, unit_id: int | None) -> list[int]:
        out: list[int] = []
        while unit_id is not None and unit_id not in out:
            out.append(unit_id)
            unit_id = self.parent.get(unit_id)
        return out

    def _schedule_ids(self, unit_id: int | None, employee_id: int | None) -> list[int]:
        """Winning schedule id for each date (0 = built-in standard)."""
        chain = self._chain(unit_id)
        cands = []
        for aid, sid, a_unit, a_emp, d0, d1 in self.assignments:
            if sid not in self.schedules:
                continue
            if a_emp is not None:
                if a_emp != employee_id:
                    continue
                level = 100
            elif a_unit is not None:
                if a_unit not in chain:
                    continue
                level = 50 - chain.index(a_unit)
            else:
                level = 0
            cands.append(((level, self.schedules[sid].ramadan, d0, aid), sid, d0, d1))
        cands.sort(reverse=True)
        out = []
        for d in self.dates:
            chosen = 0
            for _key, sid, d0, d1 in cands:
                if d0 <= d and (d1 is None or d <= d1):
                    chosen = sid
                    break
            out.append(chosen)
        return out

    def _fixed_plans(self, sid: int) -> list[DayPlan | str]:
        plans = self._fixed_cache.get(sid)
        if plans is None:
            sch = self.schedules[sid]
            plans = []
            for d in self.dates:
                hours = sch.days.get(d.weekday())
                if hours is None:
                    plans.append(OFF_WEEKLY)
                    continue
                used = sch
                if self.ramadan is not None and d in self.ramadan_days and not sch.ramadan:
                    ramadan_hours = self.ramadan.days.get(d.weekday())
                    if ramadan_hours is not None:
                        hours, used = ramadan_hours, self.ramadan
                s, e = _span(d, *hours)
                plans.append((s, e, "fixed", used.code, used.flex))
            self._fixed_cache[sid] = plans
        return plans

    def plans(self, employee_id: int, unit_id: int | None) -> list[DayPlan | str]:
        """One plan per date of the range: a DayPlan tuple or an off sentinel."""
        if employee_id in self._emp_assign:
            sids = self._schedule_ids(unit_id, employee_id)
        else:
            cached = self._unit_cache.get(unit_id)
            if cached is None:
                cached = self._unit_cache[unit_id] = self._schedule_ids(unit_id, None)
            sids = cached
        first = sids[0]
        if all(s == first for s in sids) and self.schedules[first].kind == "fixed":
            return self._fixed_plans(first)  # the common case: shared list, no per-employee work
        roster = self.roster.get(employee_id, {})
        out: list[DayPlan | str] = []
        for i, (d, sid) in enumerate(zip(self.dates, sids, strict=True)):
            if self.schedules[sid].kind == "fixed":
                out.append(self._fixed_plans(sid)[i])
                continue
            if d not in roster:
                out.append(NO_ROSTER)
                continue
            shift_id = roster[d]
            if shift_id is None or shift_id not in self.shifts:
                out.append(OFF_ROSTER)
                continue
            code, s_t, e_t = self.shifts[shift_id]
            s, e = _span(d, s_t, e_t)
            out.append((s, e, "roster", code, self.schedules[sid].flex))
        return out


# ---------------------------------------------------------------- listings for the UI


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    code: str
    name: str
    kind: str
    ramadan: bool
    hours: tuple[str, ...]  # per weekday Mon..Sun: "07:30–16:00" or ""
    flex_minutes: int | None = None  # jam masuk fleksibel of the schedule itself (None = region policy)


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    schedule: str
    target: str
    date_from: dt.date
    date_to: dt.date | None


def list_schedules(session: Session) -> list[ScheduleRow]:
    days: dict[int, dict[int, str]] = {}
    for sid, wd, s, e in session.execute(select(ScheduleDay.schedule_id, ScheduleDay.weekday, ScheduleDay.start, ScheduleDay.end)):
        days.setdefault(sid, {})[wd] = f"{s:%H:%M}–{e:%H:%M}"
    out = []
    for sid, code, name, kind, ramadan, flex in session.execute(
            select(Schedule.id, Schedule.code, Schedule.name, Schedule.kind, Schedule.ramadan, Schedule.flex_minutes)
            .order_by(Schedule.code)):
        hours = tuple(days.get(sid, {}).get(w, "") for w in range(7)) if kind == "fixed" else ("sesuai roster shift",) + ("",) * 6
        out.append(ScheduleRow(sid, code, name, kind, bool(ramadan), hours, flex))
    return out


def list_assignments(session: Session) -> list[AssignmentRow]:
    units = dict(session.execute(select(WorkUnit.id, WorkUnit.name)).all())
    emps = dict(session.execute(select(Employee.id, Employee.name)).all())
    codes = dict(session.execute(select(Schedule.id, Schedule.code)).all())
    out = []
    for aid, sid, unit, emp, d0, d1 in session.execute(
            select(ScheduleAssignment.id, ScheduleAssignment.schedule_id, ScheduleAssignment.unit_id,
                   ScheduleAssignment.employee_id, ScheduleAssignment.date_from, ScheduleAssignment.date_to)
            .order_by(ScheduleAssignment.date_from, ScheduleAssignment.id)):
        target = (f"Pegawai: {emps.get(emp, emp)}" if emp is not None else
                  f"Unit: {units.get(unit, unit)}" if unit is not None else "Semua pegawai")
        out.append(AssignmentRow(aid, codes.get(sid, str(sid)), target, d0, d1))
    return out


def roster_month(session: Session, unit_id: int, year: int, month: int) -> tuple[list[dt.date], list[tuple]]:
    """(days, rows) for a unit's roster: each row is (employee id, name, shift code per day or "" = libur/none)."""
    import calendar as _cal

    n = _cal.monthrange(year, month)[1]
    days = [dt.date(year, month, i + 1) for i in range(n)]
    emps = list(session.execute(select(Employee.id, Employee.name).where(Employee.unit_id == unit_id).order_by(Employee.name)))
    codes = dict(session.execute(select(Shift.id, Shift.code)).all())
    entries: dict[tuple[int, dt.date], str] = {}
    for emp, d, shift in session.execute(select(RosterEntry.employee_id, RosterEntry.date, RosterEntry.shift_id).where(
            RosterEntry.employee_id.in_([e for e, _ in emps]), RosterEntry.date >= days[0], RosterEntry.date <= days[-1])):
        entries[(emp, d)] = codes.get(shift, "L") if shift is not None else "L"
    rows = [(emp, name, tuple(entries.get((emp, d), "") for d in days)) for emp, name in emps]
    return days, rows
