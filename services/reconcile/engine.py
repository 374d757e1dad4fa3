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
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.calendar.holidays import holiday_map
from services.calendar.names import month_bounds
from services.calendar.schedules import NO_ROSTER, OFF_ROSTER, ScheduleBook
from services.changes import Changes
from services.errors import BadInputError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.letters.kinds import LETTER_KINDS
from services.policy.model import Policy, Tier, policy_for_opd
from services.reconcile.period import ensure_unlocked
from services.store.db import clock_of
from services.store.models import Correction, Employee, Letter, LetterEmployee

STATUS_CODES = ("H", "TK", "LIBUR", "BELUM", *LETTER_KINDS)
BAD_VERDICTS = {"rejected": "selfie_rejected", "manipulation": "manipulation"}
_COLS = ("employee_id", "date", "status", "working_day", "sched_start", "sched_end", "check_in", "check_out",
         "late_minutes", "early_minutes", "tl_tier", "psw_tier", "apel", "letter_id", "flags", "corrected")
_INSERT_SQL = f"INSERT INTO day_record ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})"
_UPSERT_SQL = (_INSERT_SQL + " ON CONFLICT(employee_id, date) DO UPDATE SET "
               + ", ".join(f"{c} = excluded.{c}" for c in _COLS[2:]))
_CHUNK = 500  # SQLite bound-parameter friendly chunk for IN lists
_BULK_ROWS = 20000  # above this many day rows the writer replaces the scope instead of diffing


class ReconcileError(BadInputError):
    pass


@dataclass
class RecomputeResult:
    year: int
    month: int
    employees: int = 0
    days: int = 0
    written: int = 0  # rows written or removed (a small scope writes only changed rows; a whole month all)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> Changes:
        return Changes(records=True)


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
    today = today or clock_of(session).today()
    emp_filter = None if employee_ids is None else sorted(set(employee_ids))
    target_dates = None if dates is None else sorted(set(dates))
    if target_dates and (target_dates[0] < first or target_dates[-1] > last):
        raise ReconcileError(f"Tanggal di luar bulan {month:02d}-{year}.")
    result = RecomputeResult(year, month)
    if emp_filter == [] or target_dates == []:
        return result
    session.flush()  # pending ORM changes (a new letter, a correction) must be visible to the raw reads below

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
    punches, void = _load_punches(session, first - dt.timedelta(days=1), last + dt.timedelta(days=2), emp_ids if subset else None)
    cancel.raise_if_cancelled()

    # -- compute ----------------------------------------------------------------------
    tiering = _Tiering(policy)
    rules = policy.attendance
    before = dt.timedelta(minutes=rules.checkin_window_before_min)
    after = dt.timedelta(minutes=rules.checkout_window_after_min)
    apel_days = set(rules.apel_weekdays)
    apel_time = rules.apel_time
    day_index = {d: i + 1 for i, d in enumerate(book.dates[1:-1])}  # plan index of each month day
    wanted = [(d, d.isoformat(), day_index[d], holidays.get(d), d.weekday() in apel_days)
              for d in (target_dates or book.dates[1:-1]) if d <= today]
    window_cache: dict[int, tuple[list, list]] = {}
    rows: list[tuple] = []
    counts: dict[str, int] = {}
    empty: list[str] = []
    bisect_left, bisect_right, parse = bisect.bisect_left, bisect.bisect_right, dt.datetime.fromisoformat
    for n, (emp_id, _opd, unit_id, active_from, active_to) in enumerate(employees):
        if n % 250 == 0:
            cancel.raise_if_cancelled()
            progress(n, len(employees), "Menghitung status harian")
        plans = book.plans(emp_id, unit_id)
        cached = window_cache.get(id(plans))
        if cached is None or cached[0] is not plans:
            cached = window_cache[id(plans)] = (plans, _windows(plans, before, after, apel_time))
        windows = cached[1]
        p_ts = punches.get(emp_id, empty)
        emp_void = void.get(emp_id)
        emp_letters = letters.get(emp_id)
        emp_corr = corrections.get(emp_id)
        for d, d_s, i, kinds, apel_day in wanted:
            if (active_from and d < active_from) or (active_to and d > active_to):
                continue
            w = windows[i]
            flags: list[str] = []
            start_s = end_s = cin_s = cout_s = None
            letter_id = None
            late = early = tl = psw = 0
            apel = None
            working = True
            if w is None or (kinds and w[7] == "fixed"):
                working = False
                status = "LIBUR"
                plan = plans[i]
                if kinds and "cuti_bersama" in kinds and plan not in (OFF_ROSTER, NO_ROSTER):
                    flags.append("cuti_bersama")
                if plan == NO_ROSTER:
                    flags.append("tanpa_roster")
            else:
                lo_s, hi_s, mid_s, start_s, end_s = w[0], w[1], w[2], w[3], w[4]
                a = bisect_left(p_ts, lo_s)
                b = bisect_right(p_ts, hi_s)
                for k in range(a, b):
                    ts = p_ts[k]
                    if emp_void is not None and ts in emp_void:
                        if emp_void[ts] not in flags:
                            flags.append(emp_void[ts])
                        continue
                    if ts < mid_s:
                        if cin_s is None:
                            cin_s = ts
                    else:
                        cout_s = ts
                if emp_letters and d in emp_letters:
                    letter_id, status, overlap = emp_letters[d]
                    if overlap:
                        flags.append("surat_tumpang_tindih")
                elif cin_s is None and cout_s is None:
                    status = "BELUM" if d == today else "TK"
                else:
                    status = "H"
            corrected = False
            status_corrected = False
            corr = emp_corr.get(d) if emp_corr else None
            if corr:
                corrected = True
                start = w[5] if w is not None else None
                if "check_in" in corr:
                    cin_s = _fmt_dt(parse_correction_time(corr["check_in"], d, start))
                if "check_out" in corr:
                    cout_s = _fmt_dt(parse_correction_time(corr["check_out"], d, start))
                if "status" in corr:
                    status = corr["status"]
                    status_corrected = True
                    working = status != "LIBUR"
                elif status in ("TK", "BELUM") and (cin_s or cout_s):
                    status = "H"
            if status == "H" and start_s is not None:
                if cin_s is not None:
                    late = int((parse(cin_s) - w[5]).total_seconds() // 60)
                    if late > 0:
                        tl = tiering.tl(late)
                    else:
                        late = 0
                elif not status_corrected:
                    flags.append("no_checkin")
                    tl = tiering.no_checkin
                if cout_s is not None:
                    early = int((w[6] - parse(cout_s)).total_seconds() // 60)
                    if early > 0:
                        psw = tiering.psw(early)
                    else:
                        early = 0
                elif d == today:
                    flags.append("belum_pulang")
                elif not status_corrected:
                    flags.append("no_checkout")
                    psw = tiering.no_checkout
                if apel_day and w[7] == "fixed":
                    apel = cin_s is not None and cin_s[11:19] <= w[8]
            counts[status] = counts.get(status, 0) + 1
            # 0/1 ints rather than bools: see _signature
            rows.append((emp_id, d_s, status, 1 if working else 0, start_s, end_s, cin_s, cout_s, late, early, tl, psw,
                         None if apel is None else (1 if apel else 0), letter_id, ",".join(flags) if flags else "",
                         1 if corrected else 0))
    cancel.raise_if_cancelled()

    # -- write only what changed ------------------------------------------------------
    progress(len(employees), len(employees), "Menyimpan hasil")
    big = len(rows) > _BULK_ROWS
    if big:  # a 64 MB page cache for the bulk read/compare/insert of a large month (restored after)
        conn = session.connection()
        prev_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql("PRAGMA cache_size=-65536")
    try:
        result.written = _write(session, first, last, emp_ids, subset or opd_id is not None, target_dates, rows)
    finally:
        if big:
            conn.exec_driver_sql(f"PRAGMA cache_size={int(prev_cache)}")
    result.employees = len(employees)
    result.days = len(rows)
    result.counts = counts
    return result


def _windows(plans: list, before: dt.timedelta, after: dt.timedelta, apel_time: dt.time) -> list[tuple | None]:
    """Per plan index: (lo, hi, mid, start, end as storage strings, start, end, kind, apel deadline "HH:MM:SS").

    Punch timestamps are compared as strings (same fixed-width format), so they are never parsed
    except the chosen check-in/out.
    """
    out: list[tuple | None] = []
    for i, plan in enumerate(plans):
        if isinstance(plan, str):
            out.append(None)
            continue
        start, end, kind, _code = plan
        lo, hi = start - before, end + after
        prev = plans[i - 1] if i > 0 else OFF_ROSTER
        nxt = plans[i + 1] if i + 1 < len(plans) else OFF_ROSTER
        if not isinstance(prev, str) and prev[1] + after > lo:  # neighbouring windows overlap: split midway
            lo = max(lo, prev[1] + (start - prev[1]) / 2)
        if not isinstance(nxt, str) and nxt[0] - before < hi:
            hi = min(hi, end + (nxt[0] - end) / 2)
        mid = start + (end - start) / 2
        # apel is at the policy time, or at the start when the schedule starts later (Ramadan 08.00)
        apel_at = max(apel_time, start.time()).isoformat()
        out.append((_fmt_dt(lo), _fmt_dt(hi), _fmt_dt(mid), _fmt_dt(start), _fmt_dt(end), start, end, kind, apel_at))
    return out


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


def _load_punches(session: Session, lo: dt.date, hi: dt.date, emp_ids: list[int] | None
                  ) -> tuple[dict[int, list[str]], dict[int, dict[str, str]]]:
    """(employee -> sorted timestamp strings, employee -> {timestamp: flag} of punches that do not count).

    Timestamps stay in their storage form ("YYYY-MM-DD HH:MM:SS.ffffff"), which sorts and
    compares like the datetime itself. One concatenated row per employee keeps the fetch
    to a few thousand Python objects instead of one per punch.
    """
    where = "p.employee_id IS NOT NULL AND p.ts >= ? AND p.ts < ?"
    params = (lo.isoformat(), hi.isoformat())
    out: dict[int, list[str]] = {}
    void: dict[int, dict[str, str]] = {}
    cur = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for ids in _id_clauses("p.employee_id", emp_ids):
            cur.execute(f"SELECT p.employee_id, group_concat(p.ts, '|') FROM punch p WHERE {where}{ids} "
                        "GROUP BY p.employee_id", params)
            for emp, joined in cur.fetchall():
                lst = joined.split("|")
                if len(joined) != 27 * len(lst) - 1:  # some text not in the 26-char storage form: normalise
                    lst = [_fmt_dt(dt.datetime.fromisoformat(t)) or "" for t in lst]
                lst.sort()
                out[emp] = lst
            # the few punches that do not count: bad selfie verdicts and mobile punches outside the geofence
            cur.execute(f"SELECT p.employee_id, p.ts, s.verdict FROM punch p JOIN selfie_check s ON s.punch_id = p.id "
                        f"WHERE {where}{ids} AND s.verdict IN ('rejected', 'manipulation')", params)
            for emp, ts, verdict in cur.fetchall():
                void.setdefault(emp, {})[ts] = BAD_VERDICTS[verdict]
            cur.execute(f"SELECT p.employee_id, p.ts FROM punch p WHERE {where}{ids} AND p.source = 'mobile' "
                        "AND p.flags LIKE '%outside_geofence%'", params)
            for emp, ts in cur.fetchall():
                void.setdefault(emp, {}).setdefault(ts, "outside_geofence")
    finally:
        cur.close()
    return out, void


def _id_clauses(column: str, emp_ids: list[int] | None) -> list[str]:
    if emp_ids is None:
        return [""]
    # ints only, so inlining them is safe; chunks keep the statement small
    return [f" AND {column} IN ({', '.join(str(int(e)) for e in chunk)})" for chunk in _chunks(emp_ids)]


# One text line per stored DayRecord, built the same way in SQL and in Python, so the
# writer can tell unchanged rows apart without materialising 16 objects per row.
_SIG_SQL = ("date || '|' || status || '|' || working_day || '|' || ifnull(sched_start, 'None') || '|' || "
            "ifnull(sched_end, 'None') || '|' || ifnull(check_in, 'None') || '|' || ifnull(check_out, 'None') || '|' || "
            "late_minutes || '|' || early_minutes || '|' || tl_tier || '|' || psw_tier || '|' || ifnull(apel, 'None') || "
            "'|' || ifnull(letter_id, 'None') || '|' || ifnull(flags, '') || '|' || corrected")


def _signature(r: tuple) -> str:
    # rows hold 0/1 ints for booleans and None for NULL, so str() matches the SQL text above
    return "|".join(map(str, r[1:]))


def _write(session: Session, first: dt.date, last: dt.date, emp_ids: list[int], by_employee: bool,
           dates: list[dt.date] | None, rows: list[tuple]) -> int:
    """Make the stored DayRecords in scope equal to ``rows``.

    Large scopes (a whole month) are upserted wholesale: measured on 155k rows, comparing
    with the stored rows costs as much as rewriting them, and an in-place upsert is cheaper
    than delete + insert. Small scopes (a letter, a correction, one employee) rewrite only
    the rows that differ.
    """
    date_sql = "date >= ? AND date <= ?"
    date_params: tuple = (first.isoformat(), last.isoformat())
    if dates is not None:
        date_sql = f"date IN ({', '.join('?' * len(dates))})"
        date_params = tuple(d.isoformat() for d in dates)
    id_clauses = _id_clauses("employee_id", emp_ids if by_employee else None)
    cur = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if len(rows) > _BULK_ROWS:
            def stored() -> int:
                n = 0
                for ids in id_clauses:
                    cur.execute(f"SELECT count(*) FROM day_record WHERE {date_sql}{ids}", date_params)
                    n += cur.fetchone()[0]
                return n

            if stored() == 0:  # first computation of the month
                cur.executemany(_INSERT_SQL, rows)
                _check_references(cur, rows)
                return len(rows)
            # upsert in place: unchanged keys leave the indexes alone (cheaper than delete + insert)
            cur.executemany(_UPSERT_SQL, rows)
            _check_references(cur, rows)
            if stored() > len(rows):  # rows in scope that are no longer produced (future day, inactive employee)
                produced = {(r[0], r[1]) for r in rows}
                stale = []
                for ids in id_clauses:
                    cur.execute(f"SELECT employee_id, date FROM day_record WHERE {date_sql}{ids}", date_params)
                    stale += [k for k in cur.fetchall() if k not in produced]
                cur.executemany("DELETE FROM day_record WHERE employee_id = ? AND date = ?", stale)
            return len(rows)
        old: dict[int, dict[str, str]] = {}
        n_old = 0
        for ids in id_clauses:
            cur.execute(f"SELECT employee_id, group_concat({_SIG_SQL}, char(10)) FROM day_record "
                        f"WHERE {date_sql}{ids} GROUP BY employee_id", date_params)
            for emp, joined in cur.fetchall():
                lines = joined.split("\n")
                n_old += len(lines)
                old[emp] = {line[:10]: line for line in lines}
        if not old:
            cur.executemany(_INSERT_SQL, rows)
            return len(rows)
        changed = []
        for r in rows:
            per = old.get(r[0])
            o = per.pop(r[1], None) if per else None
            if o is None or o != _signature(r):
                changed.append(r)
        stale = [(emp, d) for emp, per in old.items() for d in per]  # in scope, no longer produced
        if len(changed) + len(stale) > n_old // 2 and n_old > 1000:
            for ids in id_clauses:
                cur.execute(f"DELETE FROM day_record WHERE {date_sql}{ids}", date_params)
            cur.executemany(_INSERT_SQL, rows)
            return len(rows)
        cur.executemany("DELETE FROM day_record WHERE employee_id = ? AND date = ?",
                        [(r[0], r[1]) for r in changed] + stale)
        cur.executemany(_INSERT_SQL, changed)
        return len(changed) + len(stale)
    finally:
        cur.close()


def _check_references(cur, rows: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    """Employees and letters referenced by the written rows still exist (checked inside the write
    transaction, so it also holds when recompute_month switched per-row foreign-key checks off)."""
    emp_ids = {r[0] for r in rows}
    letter_ids = {r[13] for r in rows if r[13] is not None}
    cur.execute("SELECT id FROM employee")
    missing = emp_ids - {i for (i,) in cur.fetchall()}
    if letter_ids:
        cur.execute("SELECT id FROM letter")
        missing |= letter_ids - {i for (i,) in cur.fetchall()}
    if missing:
        raise ReconcileError("Data pegawai atau surat berubah selama perhitungan; ulangi 'Hitung ulang'.")


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


def recompute_month(db, opd_id: int, year: int, month: int, *, today: dt.date | None = None,  # type: ignore[no-untyped-def]
                    progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> RecomputeResult:
    """Background-job form (desktop/ops.py, CLI, demo): own transaction, the OPD's policy, all its employees.

    The rows written are derived from employees/letters read in the same transaction, so the
    per-row foreign-key lookups (about 40 % of a 155k-row bulk insert) are switched off for this
    one connection. SQLite only accepts that outside a transaction, so it is set before the first
    write and switched back on after commit/rollback, before the connection returns to the pool.
    """
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            with Session(bind=conn, info={"database": db}) as s:
                result = recompute(s, year, month, policy_for_opd(s, opd_id), opd_id=opd_id, today=today,
                                   progress=progress, cancel=cancel)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
    return result
