"""Daily status engine: DayRecord rows from punches + schedules + holidays + letters + selfie verdicts + corrections.

Everything for the month is loaded in a handful of bulk queries, computed in plain Python
over per-day schedule plans, and written back with one bulk delete + executemany insert,
so a 5,000-employee month stays around a second and one letter change touches only its
employees x dates.

Rules (naive local office time throughout):
- A working day's punch window is [start - checkin_window_before, end + checkout_window_after],
  split at the midpoint when two neighbouring shifts' windows overlap. Valid punches before
  the shift midpoint are check-in candidates (first one wins), those from the midpoint on
  are check-out candidates (last one wins).
- Late/early minutes are whole minutes, rounded down (07:30:59 against 07:30 = 0 minutes).
- Punches with a selfie verdict "rejected"/"manipulation" and mobile punches flagged
  "outside_geofence" do not count; the day gets that flag so it lands in the exception queue.
- Priority: non-working day (weekend, holiday on a fixed schedule, roster off) > letter > punches.
  A letter covering a holiday leaves the holiday LIBUR (it does not use up leave).
- Active corrections override check-in/out and/or the status and mark the day corrected.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.calendar.holidays import holiday_map
from services.calendar.schedules import NO_ROSTER, OFF_ROSTER, ScheduleBook
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.letters.kinds import LETTER_KINDS
from services.policy.model import Policy, Tier, load_policy
from services.reconcile.period import ensure_unlocked
from services.store.models import Correction, Employee, Letter, LetterEmployee, Opd

STATUS_CODES = ("H", "TK", "LIBUR", "BELUM", *LETTER_KINDS)
BAD_VERDICTS = {"rejected": "selfie_rejected", "manipulation": "manipulation"}
_COLS = ("employee_id", "date", "status", "working_day", "sched_start", "sched_end", "check_in", "check_out",
         "late_minutes", "early_minutes", "tl_tier", "psw_tier", "apel", "letter_id", "flags", "corrected")
_INSERT_SQL = f"INSERT INTO day_record ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})"
_CHUNK = 500  # SQLite bound-parameter friendly chunk for IN lists


class ReconcileError(ValueError):
    pass


@dataclass
class RecomputeResult:
    year: int
    month: int
    employees: int = 0
    days: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not 1 <= month <= 12:
        raise ReconcileError(f"Bulan {month} tidak valid (1-12).")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def policy_for_opd(session: Session, opd_id: int) -> Policy:
    """The OPD's regional policy (Opd.policy_preset: a preset name or a path to the region's TOML)."""
    opd = session.get(Opd, opd_id)
    if opd is None:
        raise ReconcileError(f"OPD id {opd_id} tidak ditemukan.")
    return load_policy(opd.policy_preset or "default")


def _fmt_dt(x: dt.datetime | None) -> str | None:
    # exactly SQLAlchemy's SQLite DateTime storage format, so ORM reads and string comparisons agree
    return None if x is None else x.isoformat(" ", "microseconds")


def _tier_numbers(tiers: tuple[Tier, ...], code: str) -> int:
    for i, t in enumerate(tiers):
        if t.code == code:
            return i + 1
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits) if digits else len(tiers)


class _Tiering:
    """Minutes -> tier number (1-based position in the policy's tiers), memoised."""

    def __init__(self, policy: Policy) -> None:
        a = policy.attendance
        self.rules = a
        self.no_checkin = _tier_numbers(a.tl_tiers, a.no_checkin_tier)
        self.no_checkout = _tier_numbers(a.psw_tiers, a.no_checkout_tier)
        self._tl: dict[int, int] = {}
        self._psw: dict[int, int] = {}

    def _num(self, cache: dict[int, int], tiers: tuple[Tier, ...], minutes: int) -> int:
        n = cache.get(minutes)
        if n is None:
            t = self.rules.tier_for(tiers, minutes)
            n = cache[minutes] = 0 if t is None else tiers.index(t) + 1
        return n

    def tl(self, minutes: int) -> int:
        return 0 if minutes <= 0 else self._num(self._tl, self.rules.tl_tiers, minutes)

    def psw(self, minutes: int) -> int:
        return 0 if minutes <= 0 else self._num(self._psw, self.rules.psw_tiers, minutes)


def parse_correction_time(value: str, day: dt.date, start: dt.datetime | None) -> dt.datetime | None:
    """A correction time is "HH:MM" (on the record's day; before the shift start = next day) or ISO."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) <= 5 and ":" in value:
        t = dt.time.fromisoformat(value.zfill(5))
        out = dt.datetime.combine(day, t)
        if start is not None and out < start - dt.timedelta(hours=6):
            out += dt.timedelta(days=1)  # check-out of a shift that crossed midnight
        return out
    return dt.datetime.fromisoformat(value)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def recompute(
    session: Session,
    year: int,
    month: int,
    policy: Policy,
    employee_ids: Iterable[int] | None = None,
    dates: Iterable[dt.date] | None = None,
    *,
    opd_id: int | None = None,
    today: dt.date | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> RecomputeResult:
    """Recompute DayRecords of one month for all (or the given) employees and dates.

    Refuses with PeriodLockedError when the month is locked for any OPD in scope. Days after
    ``today`` get no row; today without punches or letter is "BELUM". Runs inside the caller's
    transaction; Cancelled propagates so the caller rolls back.
    """
    first, last = month_bounds(year, month)
    today = today or dt.date.today()
    emp_filter = None if employee_ids is None else sorted(set(employee_ids))
    target_dates = None if dates is None else sorted(set(dates))
    if target_dates and (target_dates[0] < first or target_dates[-1] > last):
        raise ReconcileError(f"Tanggal di luar bulan {month:02d}-{year}.")
    result = RecomputeResult(year, month)
    if emp_filter == [] or target_dates == []:
        return result

    # -- employees in scope + lock check -----------------------------------------------
    q = select(Employee.id, Employee.opd_id, Employee.unit_id, Employee.active_from, Employee.active_to)
    if opd_id is not None:
        q = q.where(Employee.opd_id == opd_id)
    employees = []
    if emp_filter is None:
        employees = list(session.execute(q.order_by(Employee.id)))
    else:
        for chunk in _chunks(emp_filter):
            employees += list(session.execute(q.where(Employee.id.in_(chunk))))
        employees.sort()
    ensure_unlocked(session, {e[1] for e in employees}, year, month, "Hitung ulang")
    progress(0, len(employees), "Memuat data bulan ini")
    emp_ids = [e[0] for e in employees]
    subset = emp_filter is not None

    # -- bulk loads -------------------------------------------------------------------
    book = ScheduleBook(session, first - dt.timedelta(days=1), last + dt.timedelta(days=1), emp_ids if subset else None)
    holidays = holiday_map(session, first, last)
    letters = _load_letters(session, first, last, emp_ids if subset else None)
    corrections = _load_corrections(session, first, last, emp_ids if subset else None)
    punches = _load_punches(session, first - dt.timedelta(days=1), last + dt.timedelta(days=2), emp_ids if subset else None)
    cancel.raise_if_cancelled()

    # -- compute ----------------------------------------------------------------------
    tiering = _Tiering(policy)
    rules = policy.attendance
    before = dt.timedelta(minutes=rules.checkin_window_before_min)
    after = dt.timedelta(minutes=rules.checkout_window_after_min)
    apel_days = set(rules.apel_weekdays)
    day_index = {d: i + 1 for i, d in enumerate(book.dates[1:-1])}  # plan index of each month day
    wanted = target_dates or [d for d in book.dates[1:-1]]
    wanted = [d for d in wanted if d <= today]
    rows: list[tuple] = []
    counts: dict[str, int] = {}
    empty: tuple[list, list] = ([], [])
    for n, (emp_id, _opd, unit_id, active_from, active_to) in enumerate(employees):
        if n % 250 == 0:
            cancel.raise_if_cancelled()
            progress(n, len(employees), "Menghitung status harian")
        plans = book.plans(emp_id, unit_id)
        p_ts, p_info = punches.get(emp_id, empty)
        emp_letters = letters.get(emp_id)
        emp_corr = corrections.get(emp_id)
        for d in wanted:
            if (active_from and d < active_from) or (active_to and d > active_to):
                continue
            i = day_index[d]
            plan = plans[i]
            flags: list[str] = []
            kinds = holidays.get(d)
            status = ""
            start = end = check_in = check_out = None
            letter_id = None
            late = early = tl = psw = 0
            apel = None
            working = True
            if isinstance(plan, str) or (kinds and plan[2] == "fixed"):
                working = False
                status = "LIBUR"
                if kinds and "cuti_bersama" in kinds and (not isinstance(plan, str) or plan not in (OFF_ROSTER, NO_ROSTER)):
                    flags.append("cuti_bersama")
                if plan == NO_ROSTER:
                    flags.append("tanpa_roster")
            else:
                start, end, plan_kind, _code = plan
                lo, hi = start - before, end + after
                prev, nxt = plans[i - 1], plans[i + 1]
                if not isinstance(prev, str) and prev[1] + after > lo:
                    lo = max(lo, prev[1] + (start - prev[1]) / 2)
                if not isinstance(nxt, str) and nxt[0] - before < hi:
                    hi = min(hi, end + (nxt[0] - end) / 2)
                mid = start + (end - start) / 2
                a = bisect.bisect_left(p_ts, lo)
                b = bisect.bisect_right(p_ts, hi)
                for k in range(a, b):
                    info = p_info[k]
                    if info:
                        if info not in flags:
                            flags.append(info)
                        continue
                    ts = p_ts[k]
                    if ts < mid:
                        if check_in is None:
                            check_in = ts
                    else:
                        check_out = ts
                if emp_letters and d in emp_letters:
                    letter_id, status, overlap = emp_letters[d]
                    if overlap:
                        flags.append("surat_tumpang_tindih")
                elif check_in is None and check_out is None:
                    status = "BELUM" if d == today else "TK"
                else:
                    status = "H"
            corrected = False
            corr = emp_corr.get(d) if emp_corr else None
            status_corrected = False
            if corr:
                corrected = True
                if "check_in" in corr:
                    check_in = parse_correction_time(corr["check_in"], d, start)
                if "check_out" in corr:
                    check_out = parse_correction_time(corr["check_out"], d, start)
                if "status" in corr:
                    status = corr["status"]
                    status_corrected = True
                    working = status != "LIBUR"
                elif status in ("TK", "BELUM") and (check_in or check_out):
                    status = "H"
            if status == "H" and start is not None:
                if check_in is not None:
                    late = max(0, int((check_in - start).total_seconds() // 60))
                    tl = tiering.tl(late)
                elif not status_corrected:
                    flags.append("no_checkin")
                    tl = tiering.no_checkin
                if check_out is not None:
                    early = max(0, int((end - check_out).total_seconds() // 60))
                    psw = tiering.psw(early)
                elif d == today:
                    flags.append("belum_pulang")
                elif not status_corrected:
                    flags.append("no_checkout")
                    psw = tiering.no_checkout
                if plan[2] == "fixed" and d.weekday() in apel_days:
                    apel_at = max(rules.apel_time, start.time())
                    apel = check_in is not None and check_in.time() <= apel_at
            counts[status] = counts.get(status, 0) + 1
            rows.append((emp_id, d.isoformat(), status, working, _fmt_dt(start), _fmt_dt(end), _fmt_dt(check_in),
                         _fmt_dt(check_out), late, early, tl, psw, apel, letter_id, ",".join(flags), corrected))
    cancel.raise_if_cancelled()

    # -- write ------------------------------------------------------------------------
    progress(len(employees), len(employees), "Menyimpan hasil")
    _delete_records(session, first, last, emp_ids, subset or opd_id is not None, target_dates)
    conn = session.connection()
    for i in range(0, len(rows), 20000):
        conn.exec_driver_sql(_INSERT_SQL, rows[i:i + 20000])
    result.employees = len(employees)
    result.days = len(rows)
    result.counts = counts
    return result


def _load_letters(session: Session, first: dt.date, last: dt.date,
                  emp_ids: list[int] | None) -> dict[int, dict[dt.date, tuple[int, str, bool]]]:
    """employee -> date -> (letter id, kind, overlapped). Later letters (by letter date, id) win."""
    q = (select(LetterEmployee.employee_id, Letter.id, Letter.kind, Letter.date_from, Letter.date_to)
         .join(Letter, Letter.id == LetterEmployee.letter_id)
         .where(Letter.date_from <= last, Letter.date_to >= first)
         .order_by(Letter.letter_date, Letter.id))
    rows = []
    if emp_ids is None:
        rows = list(session.execute(q))
    else:
        for chunk in _chunks(emp_ids):
            # an employee sits in exactly one chunk, so each employee's rows keep the query order
            rows += list(session.execute(q.where(LetterEmployee.employee_id.in_(chunk))))
    out: dict[int, dict[dt.date, tuple[int, str, bool]]] = {}
    one = dt.timedelta(days=1)
    for emp, lid, kind, d0, d1 in rows:
        per = out.setdefault(emp, {})
        d = max(d0, first)
        end = min(d1, last)
        while d <= end:
            prev = per.get(d)
            per[d] = (lid, kind, prev is not None and prev[0] != lid)
            d += one
    return out


def _load_corrections(session: Session, first: dt.date, last: dt.date,
                      emp_ids: list[int] | None) -> dict[int, dict[dt.date, dict[str, str]]]:
    q = (select(Correction.employee_id, Correction.date, Correction.field, Correction.value)
         .where(Correction.active.is_(True), Correction.date >= first, Correction.date <= last)
         .order_by(Correction.id))
    rows = []
    if emp_ids is None:
        rows = list(session.execute(q))
    else:
        for chunk in _chunks(emp_ids):
            rows += list(session.execute(q.where(Correction.employee_id.in_(chunk))))
    out: dict[int, dict[dt.date, dict[str, str]]] = {}
    for emp, d, fld, value in rows:
        out.setdefault(emp, {}).setdefault(d, {})[fld] = value
    return out


def _load_punches(session: Session, lo: dt.date, hi: dt.date,
                  emp_ids: list[int] | None) -> dict[int, tuple[list[dt.datetime], list[str]]]:
    """employee -> (sorted timestamps, parallel list: "" valid or the flag that voids the punch)."""
    sql = ("SELECT p.employee_id, p.ts, p.source, p.flags, s.verdict FROM punch p "
           "LEFT JOIN selfie_check s ON s.punch_id = p.id "
           "WHERE p.employee_id IS NOT NULL AND p.ts >= :lo AND p.ts < :hi")
    params = {"lo": lo.isoformat(), "hi": hi.isoformat()}
    raw: list = []
    if emp_ids is None:
        raw = session.execute(text(sql + " ORDER BY p.employee_id, p.ts"), params).all()
    else:
        for chunk in _chunks(emp_ids):
            marks = ", ".join(str(int(e)) for e in chunk)  # ints only: safe to inline
            raw += session.execute(text(sql + f" AND p.employee_id IN ({marks}) ORDER BY p.employee_id, p.ts"), params).all()
    out: dict[int, tuple[list[dt.datetime], list[str]]] = {}
    parse = dt.datetime.fromisoformat
    cur_emp = None
    ts_list: list[dt.datetime] = []
    info_list: list[str] = []
    for emp, ts, source, flags, verdict in raw:
        if emp != cur_emp:
            cur_emp = emp
            ts_list, info_list = [], []
            out[emp] = (ts_list, info_list)
        ts_list.append(parse(ts) if isinstance(ts, str) else ts)
        info = ""
        if verdict in BAD_VERDICTS:
            info = BAD_VERDICTS[verdict]
        elif source == "mobile" and flags and "outside_geofence" in flags:
            info = "outside_geofence"
        info_list.append(info)
    return out


def _delete_records(session: Session, first: dt.date, last: dt.date, emp_ids: list[int], by_employee: bool,
                    dates: list[dt.date] | None) -> None:
    conn = session.connection()
    date_sql = "date >= ? AND date <= ?"
    date_params: tuple = (first.isoformat(), last.isoformat())
    if dates is not None:
        date_sql = f"date IN ({', '.join('?' * len(dates))})"
        date_params = tuple(d.isoformat() for d in dates)
    if not by_employee:
        conn.exec_driver_sql(f"DELETE FROM day_record WHERE {date_sql}", date_params)
        return
    for chunk in _chunks(emp_ids):
        conn.exec_driver_sql(
            f"DELETE FROM day_record WHERE {date_sql} AND employee_id IN ({', '.join(str(int(e)) for e in chunk)})",
            date_params)


def recompute_spans(session: Session, spans: dict[int, set[dt.date]], policy: Policy,
                    today: dt.date | None = None) -> int:
    """Recompute only the given employee -> dates (e.g. one letter's days). Returns rows written.

    Employees sharing the same dates of a month are recomputed together in one pass.
    """
    by_month: dict[tuple[int, int], dict[frozenset[dt.date], list[int]]] = {}
    for emp, ds in spans.items():
        months: dict[tuple[int, int], set[dt.date]] = {}
        for d in ds:
            months.setdefault((d.year, d.month), set()).add(d)
        for ym, dset in months.items():
            by_month.setdefault(ym, {}).setdefault(frozenset(dset), []).append(emp)
    written = 0
    for (y, m), groups in sorted(by_month.items()):
        for dset, emps in groups.items():
            written += recompute(session, y, m, policy, employee_ids=emps, dates=dset, today=today).days
    return written
