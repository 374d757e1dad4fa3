"""TPP (tambahan penghasilan pegawai) deductions per employee per month.

Input is the derived DayRecord table (written by services.reconcile) plus the
selfie verdicts; the regional Policy says how much each event costs.

Rules (each one a policy value, see services/policy/presets/*.toml):
- late arrival tier TLn and early leave tier PSWn cost the tier's percent per day;
  a present day flagged ``no_checkin`` / ``no_checkout`` costs the policy's
  ``no_checkin_tier`` / ``no_checkout_tier`` (top tier in the Permentan template);
- TK (tanpa keterangan) costs ``absent_pct`` per day;
- a missed apel on a day the employee was present (status H) costs ``apel_miss_pct``
  (absent days are already charged as TK, so the apel is not charged twice); a missed upacara hari
  besar (calendar "upacara" day) likewise costs ``ceremony_miss_pct`` (unset: ``apel_miss_pct``);
- the percentages apply to the preset's stated ``deduction_base``: the whole TPP ("tpp") or
  one component (e.g. the 40 % kehadiran part); the month is capped at ``cap_pct``;
- a selfie verdict "manipulation" on any punch of the month: ``kehadiran_nol`` makes
  the kehadiran component 0 for the month, ``alpa`` turns those days into TK.

Rupiah rounding: the base and every deduction line are rounded half-up to whole rupiah
(Decimal, never float); the deduction is the sum of its lines and net = TPP - deduction, so
the per-employee figures add up exactly in the table, the Excel file and the report appendix.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.calendar.names import month_bounds
from services.policy.model import Policy
from services.policy.recap import RECAP_KEYS, DeductionLine, MonthRecapRow
from services.store.models import DayRecord, Employee, Punch, SelfieCheck, WorkUnit

CUTI_CODES = frozenset({"CT", "CBS", "CS", "CM", "CAP", "CLTN"})
PRESENT_CODES = frozenset({"H", "DL"})


def rupiah(value: Decimal | float | int) -> int:
    """Round half-up to whole rupiah."""
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_rupiah(value: int) -> str:
    return "Rp " + f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class DayLine:
    """The plain facts of one DayRecord that TPP and discipline need (no ORM outside this module)."""

    date: dt.date
    status: str
    working_day: bool
    tl_tier: int
    psw_tier: int
    late_minutes: int
    early_minutes: int
    apel: bool | None
    flags: frozenset[str]


def active_employees(session: Session, opd_id: int, start: dt.date, end: dt.date,
                     employee_ids: set[int] | None = None) -> list[Employee]:
    """Employees of the OPD active at some point in [start, end] (only ``employee_ids`` when given),
    in report order (unit, class, name)."""
    stmt = (
        select(Employee)
        .outerjoin(WorkUnit, WorkUnit.id == Employee.unit_id)
        .where(
            Employee.opd_id == opd_id,
            or_(Employee.active_from.is_(None), Employee.active_from <= end),
            or_(Employee.active_to.is_(None), Employee.active_to >= start),
        )
        .order_by(WorkUnit.code, Employee.kelas_jabatan.desc(), Employee.name, Employee.id)
    )
    if employee_ids is not None:
        stmt = stmt.where(Employee.id.in_(sorted(employee_ids)))
    return list(session.execute(stmt).scalars())


def load_day_lines(session: Session, employee_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, list[DayLine]]:
    ids = list(employee_ids)
    out: dict[int, list[DayLine]] = defaultdict(list)
    if not ids:
        return out
    # plain column tuples, not ORM objects: a year for 500 employees is ~180k rows
    stmt = (
        select(DayRecord.employee_id, DayRecord.date, DayRecord.status, DayRecord.working_day, DayRecord.tl_tier,
               DayRecord.psw_tier, DayRecord.late_minutes, DayRecord.early_minutes, DayRecord.apel, DayRecord.flags)
        .where(DayRecord.employee_id.in_(ids), DayRecord.date >= start, DayRecord.date <= end)
        .order_by(DayRecord.employee_id, DayRecord.date)
    )
    no_flags: frozenset[str] = frozenset()
    for emp, d, status, working, tl, psw, late, early, apel, flags in session.execute(stmt):
        fl = frozenset(f.strip() for f in flags.split(",") if f.strip()) if flags else no_flags
        out[emp].append(DayLine(d, status, bool(working), tl or 0, psw or 0, late or 0, early or 0, apel, fl))
    return out


def manipulation_dates(session: Session, employee_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, set[dt.date]]:
    """Dates on which a punch of the employee got the selfie verdict 'manipulation'."""
    ids = list(employee_ids)
    out: dict[int, set[dt.date]] = defaultdict(set)
    if not ids:
        return out
    stmt = (
        select(Punch.employee_id, Punch.ts)
        .join(SelfieCheck, SelfieCheck.punch_id == Punch.id)
        .where(
            and_(
                SelfieCheck.verdict == "manipulation",
                Punch.employee_id.in_(ids),
                Punch.ts >= dt.datetime.combine(start, dt.time.min),
                Punch.ts < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min),
            )
        )
    )
    for emp_id, ts in session.execute(stmt):
        if emp_id is not None:  # the filter is on employee_id, but the column is nullable
            out[emp_id].add(ts.date())
    return out


def apply_manipulation_alpa(lines: list[DayLine], dates: set[dt.date]) -> list[DayLine]:
    """Policy 'alpa': a working day with a manipulated punch counts as TK."""
    out = []
    for ln in lines:
        if ln.date in dates and ln.working_day and ln.status in PRESENT_CODES:
            ln = DayLine(ln.date, "TK", True, 0, 0, 0, 0, None, ln.flags | {"manipulation"})
        out.append(ln)
    return out


def _tier_pct(policy: Policy, prefix: str, n: int) -> float:
    rules = policy.attendance
    tier = rules.tier_by_code(f"{prefix}{n}")
    if tier is None:
        tiers = rules.tl_tiers if prefix == "TL" else rules.psw_tiers
        tier = tiers[n - 1] if 0 < n <= len(tiers) else None
    return tier.pct if tier else 0.0


def _tier_number(code: str, prefix: str) -> int:
    """'TL4' -> 4; a malformed code in the policy counts as the top tier 4."""
    digits = code[len(prefix):] if code.startswith(prefix) else ""
    return int(digits) if digits.isdigit() else 4


@dataclass(frozen=True)
class DeductionResult:
    counts: dict[str, int]
    working_days: int
    pct_raw: float  # before the cap
    pct: float  # after the cap (percent of the deduction base)
    tpp_base: int
    base_rp: int  # the part of TPP the percentages apply to
    deduction_rp: int
    tpp_net: int
    manipulation: bool
    lines: tuple[DeductionLine, ...] = ()  # sum(line.rupiah) == deduction_rp


CHARGED_RULES = ("TL1", "TL2", "TL3", "TL4", "PSW1", "PSW2", "PSW3", "PSW4", "TK", "APEL_MISS", "UPACARA_MISS")


def _count_days(lines: list[DayLine], policy: Policy) -> tuple[dict[str, int], int]:
    rules = policy.attendance
    counts = dict.fromkeys(RECAP_KEYS, 0)
    no_in = _tier_number(rules.no_checkin_tier, "TL")
    no_out = _tier_number(rules.no_checkout_tier, "PSW")
    working_days = 0
    for ln in lines:
        if ln.working_day:
            working_days += 1
        st = ln.status
        if st == "H":
            counts["H"] += 1
            tl = no_in if "no_checkin" in ln.flags else ln.tl_tier
            psw = no_out if "no_checkout" in ln.flags else ln.psw_tier
            if 1 <= tl <= 4:
                counts[f"TL{tl}"] += 1
            if 1 <= psw <= 4:
                counts[f"PSW{psw}"] += 1
            if ln.apel is False:  # on an upacara day the apel column holds the ceremony attendance
                counts["UPACARA_MISS" if "upacara" in ln.flags else "APEL_MISS"] += 1
        elif st == "TK" and ln.working_day:
            counts["TK"] += 1
        elif st in CUTI_CODES:
            counts["CUTI"] += 1
        elif st in ("DL", "S", "I"):
            counts[st] += 1
    return counts, working_days


def rule_pct(policy: Policy, code: str) -> float:
    """Percent per occurrence of a charged rule (TL1..PSW4, TK, APEL_MISS, UPACARA_MISS)."""
    if code == "TK":
        return policy.attendance.absent_pct
    if code == "APEL_MISS":
        return policy.attendance.apel_miss_pct
    if code == "UPACARA_MISS":  # its own rate when the policy sets one, else counted like apel
        a = policy.attendance
        return a.apel_miss_pct if a.ceremony_miss_pct is None else a.ceremony_miss_pct
    prefix = "PSW" if code.startswith("PSW") else "TL"
    return _tier_pct(policy, prefix, int(code[len(prefix):]))


def _pct_of(base_rp: int, pct: Decimal) -> int:
    return rupiah(Decimal(base_rp) * pct / 100)


def compute_deduction(lines: list[DayLine], tpp_base: int, policy: Policy, manipulated_on: set[dt.date] | None = None) -> DeductionResult:
    """Pure computation for one employee-month, as lines Umpeg staff can check by hand.

    base = TPP × share of the deduction base (100 % for "tpp"), rounded to whole rupiah;
    each rule: rupiah(base × count × pct / 100); deduction = sum of the lines, where a month above
    the cap gets a (negative) CAP line bringing it to rupiah(base × cap / 100), a manipulation under
    "kehadiran_nol" a line up to the whole kehadiran component, and nothing exceeds the TPP itself.
    """
    manipulated = bool(manipulated_on)
    if manipulated and policy.tpp.manipulation == "alpa":
        lines = apply_manipulation_alpa(lines, manipulated_on or set())
    counts, working_days = _count_days(lines, policy)
    base_rp = rupiah(Decimal(tpp_base) * Decimal(str(policy.tpp.base_share_pct())) / 100)
    out: list[DeductionLine] = []
    pct = Decimal(0)
    for code in CHARGED_RULES:
        n = counts[code]
        if n:
            per = Decimal(str(rule_pct(policy, code)))
            pct += per * n
            out.append(DeductionLine(code, n, float(per), _pct_of(base_rp, per * n)))
    total = sum(ln.rupiah for ln in out)
    cap = Decimal(str(policy.attendance.cap_pct))
    capped = min(pct, cap)
    if pct > cap:
        cap_rp = _pct_of(base_rp, cap)
        out.append(DeductionLine("CAP", 1, float(cap - pct), cap_rp - total))
        total = cap_rp
    if manipulated and policy.tpp.manipulation == "kehadiran_nol":
        kehadiran_rp = rupiah(Decimal(tpp_base) * Decimal(str(policy.tpp.components["kehadiran"])) / 100)
        # the kehadiran part is lost whatever else happened; other deductions may still be larger
        if kehadiran_rp > total:
            extra = Decimal(kehadiran_rp - total) * 100 / Decimal(base_rp) if base_rp else Decimal(0)
            out.append(DeductionLine("MANIPULASI", 1, round(float(extra), 4), kehadiran_rp - total))
            total = kehadiran_rp
            if base_rp:
                capped = max(capped, Decimal(kehadiran_rp) * 100 / Decimal(base_rp))
    if total > tpp_base:
        out.append(DeductionLine("TPP_MAX", 1, 0.0, tpp_base - total))
        total = tpp_base
    return DeductionResult(
        counts=counts,
        working_days=working_days,
        pct_raw=round(float(pct), 4),
        pct=round(float(capped), 4),
        tpp_base=tpp_base,
        base_rp=base_rp,
        deduction_rp=total,
        tpp_net=tpp_base - total,
        manipulation=manipulated,
        lines=tuple(out),
    )


def month_recap(session: Session, opd_id: int, year: int, month: int, policy: Policy) -> list[MonthRecapRow]:
    """Per-employee monthly recap with TPP deduction (used by TPP screen, monthly report and central submission)."""
    start, end = month_bounds(year, month)
    employees = active_employees(session, opd_id, start, end)
    ids = [e.id for e in employees]
    lines = load_day_lines(session, ids, start, end)
    manip = manipulation_dates(session, ids, start, end)
    units = {u.id: u.name for u in session.execute(select(WorkUnit).where(WorkUnit.opd_id == opd_id)).scalars()}
    rows = []
    base_label = policy.tpp.base_label()
    for e in employees:
        res = compute_deduction(lines.get(e.id, []), e.tpp_base or 0, policy, manip.get(e.id))
        rows.append(
            MonthRecapRow(
                employee_id=e.id,
                nip=e.nip,
                name=e.name,
                jabatan=e.jabatan,
                unit=units.get(e.unit_id or 0, ""),
                working_days=res.working_days,
                counts=res.counts,
                deduction_pct=res.pct,
                tpp_base=res.tpp_base,
                deduction_rp=res.deduction_rp,
                tpp_net=res.tpp_net,
                manipulation=res.manipulation,
                deduction_pct_raw=res.pct_raw,
                deduction_base_rp=res.base_rp,
                lines=res.lines,
                deduction_base_label=base_label,
            )
        )
    return rows


def recap_totals(rows: list[MonthRecapRow]) -> dict[str, int]:
    return {
        "tpp_base": sum(r.tpp_base for r in rows),
        "deduction_rp": sum(r.deduction_rp for r in rows),
        "tpp_net": sum(r.tpp_net for r in rows),
    }
