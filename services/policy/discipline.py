"""PP 94/2021 tracker: days not at work without valid reason, per calendar year.

Counting (Pasal 15 ayat 1, cumulative January-December):
  total days = TK days + floor((late + early minutes) / (hours_per_day * 60))
late arrival and early leave minutes add up and every full ``hours_per_day`` (7.5 h
by default, configurable per region) counts as one day not at work.
A run of ``consecutive_days_berat`` (10) TK working days in a row is berat on its own
(Pasal 15 ayat 2); days off (weekends, holidays, cuti bersama) neither count nor
break a run, any other working day does. The run has no yearly window: 22 December -
7 January is one run (only the cumulative count of ayat 1 restarts each January).
Sedang substitutes (penundaan KGB / pangkat, penurunan pangkat) are policy data
(discipline.sedang_substitutes, ``sedang_substitute``).

The tier table, who examines/decides and the documents that follow are data
(DISCIPLINE_TIERS, LEVEL_ACTORS, NOTICE_KINDS) so a region can check them by reading.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from services.errors import BadInputError
from services.policy.model import Policy, SedangSubstitute
from services.policy.sanctions import article_of
from services.policy.sanctions import sedang_substitute as substitute_article
from services.policy.tpp import DayLine, active_employees, apply_manipulation_alpa, load_day_lines, manipulation_dates
from services.store.models import DayRecord, Employee, NoticeNumber, WorkUnit

LEGAL_DUTY = "Pasal 4 huruf f PP 94/2021 (kewajiban masuk kerja dan menaati ketentuan jam kerja)"
LEGAL_COUNT = "Pasal 15 ayat (1) PP 94/2021 (akumulasi Januari-Desember)"
LEGAL_CONSECUTIVE = "Pasal 15 ayat (2) PP 94/2021 (10 hari kerja berturut-turut)"


@dataclass(frozen=True)
class DisciplineTier:
    min_days: int
    max_days: int | None  # inclusive; None = open-ended
    level: str  # ringan / sedang / berat
    sanction: str
    sanction_notice: str = ""  # notice kind that records a ringan sanction
    legal_basis: str = ""

    def label(self) -> str:
        return f"{self.min_days}+" if self.max_days is None else (
            str(self.min_days) if self.min_days == self.max_days else f"{self.min_days}-{self.max_days}")


DISCIPLINE_TIERS: tuple[DisciplineTier, ...] = (
    DisciplineTier(3, 3, "ringan", "teguran lisan", sanction_notice="TEGURAN_LISAN",
                   legal_basis="Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(4, 6, "ringan", "teguran tertulis", sanction_notice="TEGURAN_TERTULIS",
                   legal_basis="Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(7, 10, "ringan", "pernyataan tidak puas secara tertulis", sanction_notice="TIDAK_PUAS",
                   legal_basis="Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(11, 13, "sedang", "pemotongan tunjangan kinerja 25% selama 6 bulan",
                   legal_basis="Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(14, 16, "sedang", "pemotongan tunjangan kinerja 25% selama 9 bulan",
                   legal_basis="Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(17, 20, "sedang", "pemotongan tunjangan kinerja 25% selama 12 bulan",
                   legal_basis="Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(21, 24, "berat", "penurunan jabatan setingkat lebih rendah selama 12 bulan",
                   legal_basis="Pasal 11 ayat (2) huruf d, Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(25, 27, "berat", "pembebasan dari jabatannya menjadi jabatan pelaksana selama 12 bulan",
                   legal_basis="Pasal 11 ayat (2) huruf d, Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(28, None, "berat", "pemberhentian dengan hormat tidak atas permintaan sendiri sebagai PNS",
                   legal_basis="Pasal 11 ayat (2) huruf d, Pasal 15 ayat (1) PP 94/2021"),
)

CONSECUTIVE_SANCTION = ("pemberhentian dengan hormat tidak atas permintaan sendiri sebagai PNS; "
                        "gaji dihentikan mulai bulan berikutnya")
PPPK_BERAT_SANCTION = "pemutusan hubungan perjanjian kerja (PP 49/2018 Pasal 53 ayat (2) huruf b)"


@dataclass(frozen=True)
class LevelActors:
    examiner: str  # who examines (pemeriksaan)
    decider: str  # who decides the sanction


LEVEL_ACTORS: dict[str, LevelActors] = {
    "ringan": LevelActors(
        examiner="Atasan langsung",
        decider="Pejabat yang berwenang menghukum (atasan langsung / atasan berjenjang)",
    ),
    "sedang": LevelActors(
        examiner="Atasan langsung bersama tim pemeriksa (atasan langsung, unsur pengawasan, unsur kepegawaian)",
        decider="PPK / pejabat yang berwenang menghukum",
    ),
    "berat": LevelActors(
        examiner="Tim pemeriksa yang dibentuk PPK (atasan langsung, unsur pengawasan, unsur kepegawaian)",
        decider="PPK (Bupati/Wali Kota/Gubernur)",
    ),
}

# kind -> (title, short code used in the number format)
NOTICE_KINDS: dict[str, tuple[str, str]] = {
    "SP1": ("Surat Panggilan I", "SP-I"),
    "SP2": ("Surat Panggilan II", "SP-II"),
    "BAP": ("Berita Acara Pemeriksaan", "BAP"),
    "TEGURAN_LISAN": ("Catatan Teguran Lisan", "TGL"),
    "TEGURAN_TERTULIS": ("Surat Teguran Tertulis", "TGT"),
    "TIDAK_PUAS": ("Pernyataan Tidak Puas Secara Tertulis", "PTP"),
}
SANCTION_KINDS = ("TEGURAN_LISAN", "TEGURAN_TERTULIS", "TIDAK_PUAS")


def converted_days(minutes: int, hours_per_day: float) -> int:
    """Whole days not at work from accumulated late + early minutes (450 min = 1 day at 7.5 h)."""
    per_day = hours_per_day * 60
    if per_day <= 0:
        raise BadInputError("discipline.hours_per_day harus lebih dari 0")
    return math.floor(minutes / per_day + 1e-9)


def sedang_substitute(policy: Policy, tier: DisciplineTier | None, days: int) -> SedangSubstitute | None:
    """The substitute proposed for a sedang tier (policy data, discipline.sedang_substitutes), or None.

    None when the tier is not sedang, the policy's ``sedang_mode`` is "potongan_tpp", or no band covers
    ``days``. The notices word it as a proposal to the PPK and cite ``legal_basis``; ``confirmed`` says
    whether the pairing of the day band with this substitute has a public source.
    """
    if tier is None or tier.level != "sedang":
        return None
    return policy.discipline.substitute_for(days)


def sedang_substitutes(policy: Policy) -> tuple[SedangSubstitute, ...]:
    """The whole mapping (empty when the policy uses the 25 % tunjangan cut itself)."""
    return policy.discipline.sedang_substitutes if policy.discipline.sedang_mode == "penundaan" else ()


def tier_for_days(days: int) -> DisciplineTier | None:
    for t in DISCIPLINE_TIERS:
        if days >= t.min_days and (t.max_days is None or days <= t.max_days):
            return t
    return None


def tk_runs(lines) -> list[tuple[int, dt.date, dt.date]]:  # type: ignore[no-untyped-def]
    """Runs of TK working days as (length, first, last); days off are skipped, any other working day breaks a run."""
    runs: list[tuple[int, dt.date, dt.date]] = []
    run, run_start, last = 0, None, None
    for ln in sorted(lines, key=lambda x: x.date):
        if not ln.working_day or ln.status == "LIBUR":
            continue
        if ln.status == "TK":
            if run == 0:
                run_start = ln.date
            run += 1
            last = ln.date
        else:
            if run and run_start and last:
                runs.append((run, run_start, last))
            run = 0
    if run and run_start and last:
        runs.append((run, run_start, last))
    return runs


def longest_tk_run(lines, within: tuple[dt.date, dt.date] | None = None  # type: ignore[no-untyped-def]
                   ) -> tuple[int, dt.date | None, dt.date | None]:
    """Longest run of TK working days (PP 94 Pasal 15 ayat 2), counted in full even across 1 January.

    ``within`` = (first, last) keeps only runs with a TK day in that window (the calendar year of a
    summary): a run 22 December - 7 January belongs to both years and is one run of its full length.
    """
    best: tuple[int, dt.date | None, dt.date | None] = (0, None, None)
    for n, first, last in tk_runs(lines):
        if within is not None and (first > within[1] or last < within[0]):
            continue
        if n > best[0]:
            best = (n, first, last)
    return best


@dataclass(frozen=True)
class DisciplineRow:
    employee_id: int
    nip: str
    name: str
    kind: str  # PNS / PPPK / ...
    jabatan: str
    unit: str
    tk_days: int
    late_minutes: int
    early_minutes: int
    converted_days: int
    total_days: int
    longest_run: int
    run_start: dt.date | None
    run_end: dt.date | None
    level: str  # "" / ringan / sedang / berat
    sanction: str
    tier_label: str
    consecutive_berat: bool
    examiner: str
    decider: str
    legal_basis: str
    next_document: str  # human text
    next_kind: str | None  # notice kind to create next (None = nothing we generate)
    notices: tuple[str, ...] = field(default_factory=tuple)  # numbers already issued this year
    sanction_article: str = ""  # article of the sanction (PP 94/2021 Pasal 8 / Pasal 42, PP 49/2018)
    substitute: SedangSubstitute | None = None  # sedang: the substitute sanction proposed (policy data)

    @property
    def minutes_total(self) -> int:
        return self.late_minutes + self.early_minutes


def _next_step(level: str, tier: DisciplineTier | None, notices: list[tuple[str, dt.date]]) -> tuple[str, str | None]:
    """Where the procedure stands: SP-I -> (BAP | SP-II) -> BAP -> sanction / report to PPK."""
    if not level:
        return "", None
    cycle = list(notices)
    ranks = {k: i for i, k in enumerate(SANCTION_KINDS)}
    last_sanction = max((i for i, (k, _) in enumerate(notices) if k in ranks), default=None)
    if last_sanction is not None:
        done_kind = notices[last_sanction][0]
        if level == "ringan" and tier is not None and ranks[done_kind] >= ranks.get(tier.sanction_notice, 0):
            return f"Sudah dijatuhi {NOTICE_KINDS[done_kind][0].lower()}; pantau kehadiran", None
        cycle = notices[last_sanction + 1:]
    kinds = {k for k, _ in cycle}
    if "BAP" in kinds:
        if level == "ringan" and tier is not None:
            return f"{NOTICE_KINDS[tier.sanction_notice][0]} (hukuman {tier.sanction})", tier.sanction_notice
        return "Laporan hasil pemeriksaan dan usul keputusan hukuman disiplin kepada PPK", None
    if "SP2" in kinds:
        return "Berita Acara Pemeriksaan (jika tidak hadir: keputusan tanpa pemeriksaan)", "BAP"
    if "SP1" in kinds:
        return "Berita Acara Pemeriksaan; jika tidak hadir: Surat Panggilan II", "BAP"
    return "Surat Panggilan I", "SP1"


def assess(
    *,
    tk_days: int,
    late_minutes: int,
    early_minutes: int,
    longest_run: int,
    employee_kind: str,
    policy: Policy,
    notices: list[tuple[str, dt.date]] | None = None,
) -> dict[str, object]:
    """Pure assessment of one employee-year (tier, sanction, actors, next document)."""
    rules = policy.discipline
    conv = converted_days(late_minutes + early_minutes, rules.hours_per_day)
    total = tk_days + conv
    tier = tier_for_days(total)
    consecutive = longest_run >= rules.consecutive_days_berat
    level = tier.level if tier else ""
    sanction = ""
    basis = ""
    article = ""
    substitute = None
    if tier:
        sanction, article = tier.sanction, article_of(tier.sanction)
        basis = tier.legal_basis
        substitute = sedang_substitute(policy, tier, total)
        if substitute is not None:
            sanction = substitute.sanction
            article = substitute_article(policy, tier.min_days).article
            basis += f"; {substitute.legal_basis}"
    if consecutive:
        level = "berat"
        sanction = CONSECUTIVE_SANCTION
        article = f"Pasal 8 ayat (4) huruf c jo. {LEGAL_CONSECUTIVE}"
        basis = f"Pasal 11 ayat (2) huruf d, {LEGAL_CONSECUTIVE}"
        tier = tier if tier and tier.level == "berat" else None
    if level == "berat" and employee_kind == "PPPK" and rules.pppk_berat_ends_contract:
        sanction = PPPK_BERAT_SANCTION
        article = "Pasal 53 ayat (2) huruf b PP 49/2018"
    actors = LEVEL_ACTORS.get(level)
    next_doc, next_kind = _next_step(level, tier, notices or [])
    return {
        "converted_days": conv,
        "total_days": total,
        "tier": tier,
        "tier_label": (tier.label() if tier else "") + (" / berturut-turut" if consecutive else ""),
        "consecutive_berat": consecutive,
        "level": level,
        "sanction": sanction,
        "sanction_article": article,
        "legal_basis": basis,
        "examiner": actors.examiner if actors else "",
        "decider": actors.decider if actors else "",
        "next_document": next_doc,
        "next_kind": next_kind,
        "substitute": substitute if level == "sedang" else None,
    }


def notices_by_employee(session: Session, year: int, employee_ids: set[int] | None = None
                        ) -> dict[int, list[tuple[str, dt.date, str]]]:
    out: dict[int, list[tuple[str, dt.date, str]]] = {}
    stmt = select(NoticeNumber).where(NoticeNumber.year == year).order_by(NoticeNumber.issued_on, NoticeNumber.id)
    if employee_ids is not None:
        stmt = stmt.where(NoticeNumber.employee_id.in_(sorted(employee_ids)))
    for n in session.execute(stmt).scalars():
        out.setdefault(n.employee_id, []).append((n.kind, n.issued_on, n.number))
    return out


def _day_records_of(opd_id: int, employee_ids: set[int] | None):  # type: ignore[no-untyped-def]
    """WHERE clause for the day records of the OPD's employees (or only ``employee_ids``).

    A subquery on the OPD rather than an IN list of every employee: same rows, a smaller statement.
    """
    if employee_ids is not None:
        return DayRecord.employee_id.in_(sorted(employee_ids))
    return DayRecord.employee_id.in_(select(Employee.id).where(Employee.opd_id == opd_id))


def _ordered_concat(session: Session, value, separator: str):  # type: ignore[no-untyped-def]
    """Aggregate text of ``value`` per group in date order, for the dialect in use.

    SQLite (3.40 here) has no ORDER BY inside an aggregate; its group_concat follows the scan, and
    either plan it can choose for these queries walks one employee's rows by date (the primary key
    (employee_id, date), or the date index feeding a stable GROUP BY sorter). ``_year_facts`` checks
    the order of the TK dates it gets back anyway.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        return func.string_agg(value, aggregate_order_by(literal(separator), DayRecord.date))
    return func.group_concat(value, separator)


@dataclass(frozen=True)
class YearFacts:
    tk: int  # TK working days
    late: int  # late minutes on H days
    early: int  # early-leave minutes on H days
    run: int  # longest run of TK working days inside the window
    run_start: dt.date | None
    run_end: dt.date | None
    at_first_day: bool  # the window's first counted day is TK: a run may go on before it
    at_last_day: bool  # ... its last counted day is TK: a run may go on after it


def _year_facts(session: Session, scope, start: dt.date, end: dt.date  # type: ignore[no-untyped-def]
                ) -> dict[int, YearFacts]:
    """Per employee, the year's totals and TK runs in one aggregate scan.

    Runs follow ``tk_runs``: per employee, one character per working day that is not LIBUR ('T' for TK,
    '.' otherwise) in date order, plus the TK dates; a run is a block of 'T's, and the k-th 'T' is the k-th
    TK date. A year of 5,000 employees is 5,000 short strings instead of 1.8 M day lines.
    """
    is_tk = and_(DayRecord.status == "TK", DayRecord.working_day.is_(True))
    is_h = DayRecord.status == "H"
    counted = and_(DayRecord.working_day.is_(True), DayRecord.status != "LIBUR")
    stmt = (
        select(DayRecord.employee_id,
               func.sum(case((is_tk, 1), else_=0)),
               func.sum(case((is_h, DayRecord.late_minutes), else_=0)),
               func.sum(case((is_h, DayRecord.early_minutes), else_=0)),
               _ordered_concat(session, case((counted, case((DayRecord.status == "TK", "T"), else_=".")),
                                             else_=None), ""),
               _ordered_concat(session, case((is_tk, cast(DayRecord.date, String)), else_=None), ","))
        .where(scope, DayRecord.date >= start, DayRecord.date <= end)
        .group_by(DayRecord.employee_id)
    )
    out: dict[int, YearFacts] = {}
    for emp, tk, late, early, pattern, tk_dates in session.execute(stmt):
        run, first, last = 0, None, None
        pattern = pattern or ""
        if tk:
            dates = [dt.date.fromisoformat(d[:10]) for d in tk_dates.split(",")]
            if dates != sorted(dates):
                raise RuntimeError("urutan tanggal TK dari basis data tidak berurutan")  # a changed query plan
            at = 0  # index of the block's first 'T' among all 'T's
            for block in pattern.split("."):
                if len(block) > run:
                    run, first, last = len(block), dates[at], dates[at + len(block) - 1]
                at += len(block)
        out[emp] = YearFacts(int(tk or 0), int(late or 0), int(early or 0), run, first, last,
                             pattern.startswith("T"), pattern.endswith("T"))
    return out


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, str):  # SQLite returns MIN()/MAX() of a date column as text
        return dt.date.fromisoformat(value)
    return value if isinstance(value, dt.date) else None


RUN_LOOKBACK_DAYS = 366  # how far back a run crossing 1 January is followed


def _run_window_start(session: Session, ids: set[int], start: dt.date) -> dt.date:
    """The earliest day a TK run reaching ``start`` can begin: right after the last working day that broke it."""
    if not ids:
        return start
    floor = start - dt.timedelta(days=RUN_LOOKBACK_DAYS)
    breaks = (DayRecord.working_day.is_(True)) & (DayRecord.status != "TK") & (DayRecord.status != "LIBUR")
    stmt = (select(DayRecord.employee_id, func.max(DayRecord.date))
            .where(DayRecord.employee_id.in_(ids), DayRecord.date >= floor, DayRecord.date < start, breaks)
            .group_by(DayRecord.employee_id))
    last_break = {emp: _as_date(d) for emp, d in session.execute(stmt)}
    firsts = []
    for i in ids:
        broke = last_break.get(i)
        firsts.append(broke + dt.timedelta(days=1) if broke else floor)
    return min(firsts)


def _employee_year(emp_lines: list[DayLine], start: dt.date, end: dt.date
                   ) -> tuple[int, int, int, tuple[int, dt.date | None, dt.date | None]]:
    """TK days and minutes of the calendar year (Pasal 15 ayat 1) and the longest run touching it (ayat 2)."""
    year_lines = [ln for ln in emp_lines if start <= ln.date <= end]
    tk = sum(1 for ln in year_lines if ln.status == "TK" and ln.working_day)
    late = sum(ln.late_minutes for ln in year_lines if ln.status == "H")
    early = sum(ln.early_minutes for ln in year_lines if ln.status == "H")
    return tk, late, early, longest_tk_run(emp_lines, within=(start, end))


def discipline_summary(
    session: Session, opd_id: int, year: int, policy: Policy, as_of: dt.date | None = None,
    employee_ids: set[int] | None = None,
) -> list[DisciplineRow]:
    """PP 94/2021 status of every employee (or only ``employee_ids``) for the calendar year, up to ``as_of``.

    The cumulative count (Pasal 15 ayat 1) is January-December; a run of consecutive TK working days
    (ayat 2) is followed across 1 January in both directions (up to ``as_of`` when given).
    """
    start = dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    if as_of is not None:
        end = min(end, as_of)
    run_end = as_of if as_of is not None else end + dt.timedelta(days=RUN_LOOKBACK_DAYS)
    run_end = max(run_end, end)
    employees = active_employees(session, opd_id, start, end, employee_ids)
    ids = [e.id for e in employees]
    manip = manipulation_dates(session, ids, start, end) if policy.tpp.manipulation == "alpa" else {}
    facts = _year_facts(session, _day_records_of(opd_id, employee_ids), start, end)
    # A run bounded by a non-TK working day on both sides lies inside the year and the aggregate has it.
    # Only a run touching the year's first or last counted day may go on across 1 January / 31 December,
    # and a manipulated day under "alpa" turns into TK: those employees take the day-by-day lines.
    need_lines = {i for i, f in facts.items() if f.at_first_day or (f.at_last_day and run_end > end)} | set(manip)
    lines = load_day_lines(session, need_lines, _run_window_start(session, need_lines, start), run_end)
    notices = notices_by_employee(session, year, employee_ids)
    units = {u.id: u.name for u in session.execute(select(WorkUnit).where(WorkUnit.opd_id == opd_id)).scalars()}
    rows = []
    for e in employees:
        if e.id in need_lines:
            emp_lines = lines.get(e.id, [])
            if e.id in manip:
                emp_lines = apply_manipulation_alpa(emp_lines, manip[e.id])
            tk, late, early, (run, run_start, run_last) = _employee_year(emp_lines, start, end)
        else:
            f = facts.get(e.id)
            tk, late, early, run, run_start, run_last = (
                (f.tk, f.late, f.early, f.run, f.run_start, f.run_end) if f else (0, 0, 0, 0, None, None))
        emp_notices = notices.get(e.id, [])
        a = assess(tk_days=tk, late_minutes=late, early_minutes=early, longest_run=run, employee_kind=e.kind,
                   policy=policy, notices=[(k, d) for k, d, _ in emp_notices])
        rows.append(
            DisciplineRow(
                employee_id=e.id, nip=e.nip, name=e.name, kind=e.kind, jabatan=e.jabatan,
                unit=units.get(e.unit_id or 0, ""),
                tk_days=tk, late_minutes=late, early_minutes=early,
                converted_days=int(a["converted_days"]),  # type: ignore[call-overload]
                total_days=int(a["total_days"]),  # type: ignore[call-overload]
                longest_run=run, run_start=run_start, run_end=run_last,
                level=str(a["level"]), sanction=str(a["sanction"]), tier_label=str(a["tier_label"]),
                consecutive_berat=bool(a["consecutive_berat"]),
                examiner=str(a["examiner"]), decider=str(a["decider"]), legal_basis=str(a["legal_basis"]),
                next_document=str(a["next_document"]),
                next_kind=a["next_kind"],  # type: ignore[arg-type]
                notices=tuple(n for _, _, n in emp_notices),
                sanction_article=str(a["sanction_article"]),
                substitute=a["substitute"],  # type: ignore[arg-type]
            )
        )
    return rows


def discipline_for_employee(session: Session, opd_id: int, employee_id: int, year: int, policy: Policy,
                            as_of: dt.date | None = None) -> DisciplineRow | None:
    rows = discipline_summary(session, opd_id, year, policy, as_of, employee_ids={employee_id})
    return rows[0] if rows else None
