"""PP 94/2021 tracker: days not at work without valid reason, per calendar year.

Counting (Pasal 15 ayat 1, cumulative January-December):
  total days = TK days + floor((late + early minutes) / (hours_per_day * 60))
late arrival and early leave minutes add up and every full ``hours_per_day`` (7.5 h
by default, configurable per region) counts as one day not at work.
A run of ``consecutive_days_berat`` (10) TK working days in a row is berat on its own
(Pasal 15 ayat 2); days off (weekends, holidays, cuti bersama) neither count nor
break a run, any other working day does.

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
from services.policy.model import Policy
from services.policy.tpp import active_employees, apply_manipulation_alpa, load_day_lines, manipulation_dates
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
    sanction_penundaan: str = ""  # sedang tiers while the PP on salaries does not exist (Pasal 42)
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
                   sanction_penundaan="penundaan kenaikan gaji berkala selama 1 tahun",
                   legal_basis="Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(14, 16, "sedang", "pemotongan tunjangan kinerja 25% selama 9 bulan",
                   sanction_penundaan="penundaan kenaikan pangkat selama 1 tahun",
                   legal_basis="Pasal 15 ayat (1) PP 94/2021"),
    DisciplineTier(17, 20, "sedang", "pemotongan tunjangan kinerja 25% selama 12 bulan",
                   sanction_penundaan="penurunan pangkat setingkat lebih rendah selama 1 tahun",
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


def tier_for_days(days: int) -> DisciplineTier | None:
    for t in DISCIPLINE_TIERS:
        if days >= t.min_days and (t.max_days is None or days <= t.max_days):
            return t
    return None


def longest_tk_run(lines) -> tuple[int, dt.date | None, dt.date | None]:  # type: ignore[no-untyped-def]
    """Longest run of TK working days; days off are skipped, any other working day breaks the run."""
    best, best_start, best_end = 0, None, None
    run, run_start = 0, None
    for ln in sorted(lines, key=lambda x: x.date):
        if not ln.working_day or ln.status == "LIBUR":
            continue
        if ln.status == "TK":
            if run == 0:
                run_start = ln.date
            run += 1
            if run > best:
                best, best_start, best_end = run, run_start, ln.date
        else:
            run = 0
    return best, best_start, best_end


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
    if tier:
        sanction = tier.sanction_penundaan if (tier.level == "sedang" and rules.sedang_mode == "penundaan") else tier.sanction
        basis = tier.legal_basis
        if tier.level == "sedang" and rules.sedang_mode == "penundaan":
            basis += "; Pasal 42 PP 94/2021 jo. Pasal 62 PerBKN 6/2022"
    if consecutive:
        level = "berat"
        sanction = CONSECUTIVE_SANCTION
        basis = f"Pasal 11 ayat (2) huruf d, {LEGAL_CONSECUTIVE}"
        tier = tier if tier and tier.level == "berat" else None
    if level == "berat" and employee_kind == "PPPK" and rules.pppk_berat_ends_contract:
        sanction = PPPK_BERAT_SANCTION
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
        "legal_basis": basis,
        "examiner": actors.examiner if actors else "",
        "decider": actors.decider if actors else "",
        "next_document": next_doc,
        "next_kind": next_kind,
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


YearFacts = tuple[int, int, int, int, "dt.date | None", "dt.date | None"]


def _year_facts(session: Session, scope, start: dt.date, end: dt.date  # type: ignore[no-untyped-def]
                ) -> dict[int, YearFacts]:
    """employee -> (TK working days, late and early minutes on H days, longest TK run, its first/last date).

    One aggregate scan. The longest run follows ``longest_tk_run``: per employee, one character per working
    day that is not LIBUR ('T' for TK, '.' otherwise) in date order, plus the TK dates; a run is a block of
    'T's, and the k-th 'T' is the k-th TK date. A year of 5,000 employees is 5,000 short strings instead of
    1.8 M day lines.
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
        if tk:
            dates = [dt.date.fromisoformat(d[:10]) for d in tk_dates.split(",")]
            if dates != sorted(dates):
                raise RuntimeError("urutan tanggal TK dari basis data tidak berurutan")  # a changed query plan
            at = 0  # index of the first 'T' of the current block among all 'T's
            for block in pattern.split("."):
                if len(block) > run:
                    run, first, last = len(block), dates[at], dates[at + len(block) - 1]
                at += len(block)
        out[emp] = (int(tk or 0), int(late or 0), int(early or 0), run, first, last)
    return out


def discipline_summary(
    session: Session, opd_id: int, year: int, policy: Policy, as_of: dt.date | None = None,
    employee_ids: set[int] | None = None,
) -> list[DisciplineRow]:
    """PP 94/2021 status of every employee (or only ``employee_ids``) for the calendar year, up to ``as_of``."""
    start = dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    if as_of is not None:
        end = min(end, as_of)
    employees = active_employees(session, opd_id, start, end, employee_ids)
    ids = [e.id for e in employees]
    scope = _day_records_of(opd_id, employee_ids)
    manip = manipulation_dates(session, ids, start, end) if policy.tpp.manipulation == "alpa" else {}
    # Totals and TK runs in SQL (a year is ~365 rows per employee); only employees with a manipulated
    # day under the "alpa" policy need their day lines, since those days turn into TK here.
    facts = _year_facts(session, scope, start, end)
    lines = load_day_lines(session, set(manip), start, end)
    notices = notices_by_employee(session, year, employee_ids)
    units = {u.id: u.name for u in session.execute(select(WorkUnit).where(WorkUnit.opd_id == opd_id)).scalars()}
    rows = []
    for e in employees:
        if e.id in manip:
            emp_lines = apply_manipulation_alpa(lines.get(e.id, []), manip[e.id])
            tk = sum(1 for ln in emp_lines if ln.status == "TK" and ln.working_day)
            late = sum(ln.late_minutes for ln in emp_lines if ln.status == "H")
            early = sum(ln.early_minutes for ln in emp_lines if ln.status == "H")
            run, run_start, run_end = longest_tk_run(emp_lines)
        else:
            tk, late, early, run, run_start, run_end = facts.get(e.id, (0, 0, 0, 0, None, None))
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
                longest_run=run, run_start=run_start, run_end=run_end,
                level=str(a["level"]), sanction=str(a["sanction"]), tier_label=str(a["tier_label"]),
                consecutive_berat=bool(a["consecutive_berat"]),
                examiner=str(a["examiner"]), decider=str(a["decider"]), legal_basis=str(a["legal_basis"]),
                next_document=str(a["next_document"]),
                next_kind=a["next_kind"],  # type: ignore[arg-type]
                notices=tuple(n for _, _, n in emp_notices),
            )
        )
    return rows


def discipline_for_employee(session: Session, opd_id: int, employee_id: int, year: int, policy: Policy,
                            as_of: dt.date | None = None) -> DisciplineRow | None:
    rows = discipline_summary(session, opd_id, year, policy, as_of, employee_ids={employee_id})
    return rows[0] if rows else None
