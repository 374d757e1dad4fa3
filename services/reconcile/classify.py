"""The day rules, pure: one employee's inputs for one day -> its DayOutcome. No database, no clock.

Naive local office time throughout. Timestamps are compared in their storage form
("YYYY-MM-DD HH:MM:SS.ffffff", which sorts like the datetime itself), so punches are never
parsed except the chosen check-in/out.

- A working day's punch window is [start - checkin_window_before, end + checkout_window_after],
  split at the midpoint when two neighbouring shifts' windows overlap (``shift_windows``). Valid
  punches before the shift midpoint are check-in candidates (first one wins), those from the
  midpoint on are check-out candidates (last one wins).
- Late/early minutes are whole minutes, rounded down (07:30:59 against 07:30 = 0 minutes).
- Jam masuk fleksibel (a schedule's ``flex_minutes`` or the policy's [schedule] value, fixed
  schedules only): a check-in up to start + flex is on time; lateness counts only after start + flex
  (09:01 for 07.30 with 90 minutes). With compensation (``makeup_at_end`` of the policy; always for
  a schedule's own ``flex_minutes``) the day's end moves by the delay, counted in whole minutes
  (08:10:40 against 07:30 ends 40 minutes later), at most by the window (a late arrival's end is
  start + flex + the day's length). Early leave is measured against that compensated end, which is
  the stored ``sched_end``. Without a check-in the ordinary end applies.
- Apel (policy weekdays and time) and upacara (calendar "upacara" days, policy ceremony time):
  attended when the check-in is within the apel minute or earlier (07:30:59 makes a 07:30 apel,
  the same rounding as lateness, so an on-time check-in never misses an apel at its start minute).
  On an upacara day the ``apel`` column holds the ceremony attendance and the day gets flag "upacara".
- Punches with a selfie verdict "rejected"/"manipulation" and mobile punches flagged
  "outside_geofence" do not count (``void``); the day gets that flag so it lands in the exception queue.
- Priority: non-working day (weekend, holiday on a fixed schedule, roster off) > letter > punches.
  A letter covering a holiday leaves the holiday LIBUR (it does not use up leave).
- Active corrections override check-in/out and/or the status and mark the day corrected.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from services.calendar.schedules import NO_ROSTER, OFF_ROSTER, DayPlan
from services.policy.model import Policy, Tier

_parse = dt.datetime.fromisoformat


def fmt_ts(x: dt.datetime | None) -> str | None:
    """Exactly SQLAlchemy's SQLite DateTime storage format, so ORM reads and string comparisons agree."""
    return None if x is None else x.isoformat(" ", "microseconds")


class DayShift(NamedTuple):
    """A working day's schedule and punch window (storage-form strings, plus the start/end datetimes)."""

    lo: str  # window start
    hi: str  # window end
    mid: str  # punches before it are check-in candidates, from it on check-out candidates
    start_s: str
    end_s: str
    start: dt.datetime
    end: dt.datetime
    kind: str  # "fixed" or "roster"
    apel_at: str  # "HH:MM": the last minute of check-in that makes the apel
    flex_until: dt.datetime | None  # jam masuk fleksibel: on time until then (None = no flexibility)
    makeup: bool  # a flexible check-in moves the day's end by the same delay


class LetterDay(NamedTuple):
    letter_id: int
    kind: str  # the letter kind is the day's status (CT, DL, S, ...)
    overlap: bool  # another letter covers the same day


def _tier_number(tiers: tuple[Tier, ...], code: str) -> int:
    for i, t in enumerate(tiers):
        if t.code == code:
            return i + 1
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits) if digits else len(tiers)


class DayRules:
    """The policy's attendance rules as the classifier uses them; minutes -> tier numbers memoised."""

    def __init__(self, policy: Policy) -> None:
        a = policy.attendance
        self.attendance = a
        self.before = dt.timedelta(minutes=a.checkin_window_before_min)
        self.after = dt.timedelta(minutes=a.checkout_window_after_min)
        self.apel_weekdays = frozenset(a.apel_weekdays)
        self.apel_time = a.apel_time
        self.ceremony_at = (a.ceremony_time or a.apel_time).isoformat()[:5]
        self.schedule = policy.schedule
        self.no_checkin = _tier_number(a.tl_tiers, a.no_checkin_tier)
        self.no_checkout = _tier_number(a.psw_tiers, a.no_checkout_tier)
        self._tl: dict[int, int] = {}
        self._psw: dict[int, int] = {}

    def _num(self, cache: dict[int, int], tiers: tuple[Tier, ...], minutes: int) -> int:
        n = cache.get(minutes)
        if n is None:
            t = self.attendance.tier_for(tiers, minutes)
            n = cache[minutes] = 0 if t is None else tiers.index(t) + 1
        return n

    def tl(self, minutes: int) -> int:
        """Late-arrival tier number (1-based position in the policy's tiers; 0 = not late)."""
        return 0 if minutes <= 0 else self._num(self._tl, self.attendance.tl_tiers, minutes)

    def psw(self, minutes: int) -> int:
        """Early-leave tier number (0 = not early)."""
        return 0 if minutes <= 0 else self._num(self._psw, self.attendance.psw_tiers, minutes)


def shift_windows(plans: Sequence[DayPlan | str], rules: DayRules) -> list[DayShift | None]:
    """Per plan index: the day's DayShift, None for an off day (needs the neighbouring plans)."""
    out: list[DayShift | None] = []
    before, after = rules.before, rules.after
    for i, plan in enumerate(plans):
        if isinstance(plan, str):
            out.append(None)
            continue
        start, end, kind, _code, own_flex = plan
        lo, hi = start - before, end + after
        prev = plans[i - 1] if i > 0 else OFF_ROSTER
        nxt = plans[i + 1] if i + 1 < len(plans) else OFF_ROSTER
        if not isinstance(prev, str) and prev[1] + after > lo:  # neighbouring windows overlap: split midway
            lo = max(lo, prev[1] + (start - prev[1]) / 2)
        if not isinstance(nxt, str) and nxt[0] - before < hi:
            hi = min(hi, end + (nxt[0] - end) / 2)
        mid = start + (end - start) / 2
        # apel is at the policy time, or at the start when the schedule starts later (Ramadan 08.00)
        apel_at = max(rules.apel_time, start.time()).isoformat()[:5]
        flex = own_flex if own_flex is not None else (rules.schedule.flex_minutes_for(start.time())
                                                      if kind == "fixed" else 0)
        flex_until = start + dt.timedelta(minutes=flex) if flex > 0 else None
        makeup = own_flex is not None or rules.schedule.makeup_at_end
        out.append(DayShift(fmt_ts(lo), fmt_ts(hi), fmt_ts(mid), fmt_ts(start), fmt_ts(end),  # type: ignore[arg-type]
                            start, end, kind, apel_at, flex_until, makeup))
    return out


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


class DayOutcome(NamedTuple):
    """One computed day: the DayRecord fields after employee and date, in write.COLUMNS order.

    A NamedTuple rather than a dataclass: immutable, and ``(employee_id, date) + outcome`` is already
    the row the writer binds, with no per-day conversion (155,000 days a month). Flags are 0/1 ints,
    as SQLite stores booleans (sqlite3 binds a Python bool through its slower adaptation path).
    """

    status: str  # H, TK, BELUM, LIBUR or a letter kind
    working_day: int  # 1 = a working day
    sched_start: str | None  # storage-form timestamps
    sched_end: str | None
    check_in: str | None
    check_out: str | None
    late_minutes: int
    early_minutes: int
    tl_tier: int
    psw_tier: int
    apel: int | None  # 1 = on time for the apel, 0 = not, None = no apel that day
    letter_id: int | None
    flags: str  # comma-separated
    corrected: int  # 1 = an active correction applies


_new_outcome = tuple.__new__  # DayOutcome(...) without the keyword-handling __new__: a third of the cost
_OFF_DAY = DayOutcome("LIBUR", 0, None, None, None, None, 0, 0, 0, 0, None, None, "", 0)
_bisect_left, _bisect_right = bisect.bisect_left, bisect.bisect_right


def classify_day(day: dt.date, today: dt.date, plan: DayPlan | str, shift: DayShift | None,
                 holiday: set[str] | None, punches: Sequence[str], void: Mapping[str, str] | None,
                 letter: LetterDay | None, correction: Mapping[str, str] | None, rules: DayRules,
                 ceremony: bool = False) -> DayOutcome:
    """The status of one employee's day.

    ``plan``/``shift``: the day's schedule plan and its window (``shift_windows``; None on an off day);
    ``holiday``: the holiday kinds on that date; ``punches``: the employee's punch timestamps, sorted
    (any range: only those inside the window count); ``void``: timestamp -> flag of punches that do
    not count (bad selfie verdict, outside the geofence); ``letter``: the letter covering the day;
    ``correction``: field -> value of the day's active corrections; ``ceremony``: an upacara day.
    """
    if shift is None and not holiday and not correction and plan != NO_ROSTER:
        return _OFF_DAY  # weekend / roster day off: the most common non-working day, shared (immutable)
    flags: list[str] = []
    start_s = end_s = cin_s = cout_s = None
    letter_id = None
    if shift is None or (holiday and shift.kind == "fixed"):
        working = 0
        status = "LIBUR"
        if holiday and "cuti_bersama" in holiday and plan not in (OFF_ROSTER, NO_ROSTER):
            flags.append("cuti_bersama")
        if plan == NO_ROSTER:
            flags.append("tanpa_roster")
    else:
        working = 1
        lo, hi, mid_s, start_s, end_s, start, end, kind, apel_at, flex_until, makeup = shift
        for k in range(_bisect_left(punches, lo), _bisect_right(punches, hi)):
            ts = punches[k]
            if void is not None and ts in void:
                if void[ts] not in flags:
                    flags.append(void[ts])
                continue
            if ts < mid_s:
                if cin_s is None:
                    cin_s = ts
            else:
                cout_s = ts
        if letter is not None:
            letter_id, status, overlap = letter
            if overlap:
                flags.append("surat_tumpang_tindih")
        elif cin_s is None and cout_s is None:
            status = "BELUM" if day == today else "TK"
        else:
            status = "H"
    status_corrected = False
    if correction:
        status, working, cin_s, cout_s, status_corrected = _corrected(correction, day, shift, status, working,
                                                                      cin_s, cout_s)
    late = early = tl = psw = 0
    apel = None
    if status == "H" and start_s is not None:  # a working day's window was read (not a holiday)
        if cin_s is not None:
            cin = _parse(cin_s)
            on_time_until = start
            if flex_until is not None:
                on_time_until = flex_until
            if flex_until is not None and makeup:
                # compensation: the end moves by the (whole-minute) delay, at most by the flexible window
                shift_by = min(cin.replace(second=0, microsecond=0), flex_until) - start
                if shift_by > dt.timedelta(0):
                    end = end + shift_by
                    end_s = fmt_ts(end)
                    flags.append("masuk_fleksibel")
            late = int((cin - on_time_until).total_seconds() // 60)
            if late > 0:
                tl = rules.tl(late)
            else:
                late = 0
        elif not status_corrected:
            flags.append("no_checkin")
            tl = rules.no_checkin
        if cout_s is not None:
            early = int((end - _parse(cout_s)).total_seconds() // 60)
            if early > 0:
                psw = rules.psw(early)
            else:
                early = 0
        elif day == today:
            flags.append("belum_pulang")
        elif not status_corrected:
            flags.append("no_checkout")
            psw = rules.no_checkout
        if kind == "fixed" and ceremony:
            flags.append("upacara")
            apel = 1 if cin_s is not None and cin_s[11:16] <= max(rules.ceremony_at, start_s[11:16]) else 0
        elif kind == "fixed" and day.weekday() in rules.apel_weekdays:
            apel = 1 if cin_s is not None and cin_s[11:16] <= apel_at else 0
    return _new_outcome(DayOutcome, (status, working, start_s, end_s, cin_s, cout_s, late, early, tl, psw, apel,
                                     letter_id, ",".join(flags) if flags else "", 1 if correction else 0))


def _corrected(correction: Mapping[str, str], day: dt.date, shift: DayShift | None, status: str, working: int,
               cin_s: str | None, cout_s: str | None) -> tuple[str, int, str | None, str | None, bool]:
    """Active corrections over the computed day: (status, working, check-in, check-out, status corrected)."""
    start = shift.start if shift is not None else None
    if "check_in" in correction:
        cin_s = fmt_ts(parse_correction_time(correction["check_in"], day, start))
    if "check_out" in correction:
        cout_s = fmt_ts(parse_correction_time(correction["check_out"], day, start))
    if "status" in correction:
        status = correction["status"]
        return status, 0 if status == "LIBUR" else 1, cin_s, cout_s, True
    if status in ("TK", "BELUM") and (cin_s or cout_s):
        status = "H"
    return status, working, cin_s, cout_s, False
