"""Cuti tahunan balance of ASN (PNS and PPPK), computed from the letter register.

Rules (PP 11/2017 Pasal 310-313 as amended by PP 17/2020; Peraturan BKN 24/2017 and 7/2021):
- the right begins after 1 year of continuous work (PNS and CPNS: from TMT CPNS);
- 12 working days per calendar year;
- unused days of a year carry into the next year, at most 6 (so at most 18 with the current year);
- when no cuti tahunan was taken 2 years or more in a row, the next year has at most 24
  (12 of the year + 6 + 6 of the two years before);
- only working days count: Saturdays, Sundays, national and regional holidays and cuti bersama
  inside a letter are not taken from the balance. For ASN cuti bersama does not reduce cuti
  tahunan (the yearly Keppres on cuti bersama ASN, e.g. Keppres 2/2025; RULES.md).
PPPK (PP 49/2018): 12 working days after 1 year as for PNS; no public source found on carrying
PPPK days over, so the PNS carry-over is applied (an assumption, said in ``LeaveBalance.note``).
PTT / non-ASN are outside PP 11/2017: their contract decides, the app computes no balance.

History: years before the letter register starts are not known. The first year counted is the
later of the year the right began and the register's first year (setting ``leave.history_from``,
else the year of the oldest letter of any kind); that year gets 12 days and no carry-over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.store.models import Employee, Holiday, Letter, LetterEmployee, Setting

ASN_KINDS = frozenset({"PNS", "PPPK"})
ANNUAL_DAYS = 12  # PP 11/2017 Pasal 311 ayat (2)
CARRY_MAX = 6  # PerBKN 24/2017: at most 6 unused days carried into the next year
CAP_AFTER_TWO_UNUSED = 24  # PP 11/2017 Pasal 312 ayat (2)
HISTORY_FROM_KEY = "leave.history_from"
BASIS = "PP 11/2017 Pasal 310-313 jo. PP 17/2020; Peraturan BKN 24/2017"


@dataclass(frozen=True)
class LeaveYear:
    year: int
    base: int  # 12 when the right exists in the year, else 0
    carried: int  # days brought from the year(s) before
    used: int  # working days of cuti tahunan letters in the year

    @property
    def hak(self) -> int:
        return self.base + self.carried

    @property
    def sisa(self) -> int:
        return self.hak - self.used


@dataclass(frozen=True)
class LeaveBalance:
    employee_id: int
    year: int
    hak: int
    terpakai: int
    sisa: int
    carried: int
    right_from: dt.date | None  # first day the right exists (None: unknown, treated as always)
    history_from: int  # first year taken from the register
    note: str = ""
    years: tuple[LeaveYear, ...] = ()

    def text(self) -> str:
        extra = f" = {self.hak - self.carried} + {self.carried} sisa tahun lalu" if self.carried else ""
        return (f"Cuti tahunan {self.year}: hak {self.hak} hari kerja{extra}, terpakai {self.terpakai}, "
                f"sisa {self.sisa}")


def working_days(days: Iterable[dt.date], holidays: set[dt.date]) -> set[dt.date]:
    """Monday-Friday days that are no holiday (national, regional or cuti bersama)."""
    return {d for d in days if d.weekday() < 5 and d not in holidays}


def _holidays(session: Session, start: dt.date, end: dt.date) -> set[dt.date]:
    return set(session.execute(select(Holiday.date).where(Holiday.date >= start, Holiday.date <= end)).scalars())


def _service_start(emp: Employee) -> dt.date | None:
    """Earliest known start of service: TMT CPNS (PNS NIP) / appointment year (NI PPPK) / active_from."""
    starts: list[dt.date] = []
    nip = (emp.nip or "").replace(" ", "")
    if len(nip) == 18 and nip.isdigit():
        year = int(nip[8:12])
        month = int(nip[12:14]) if emp.kind == "PNS" else 1  # NI PPPK has only the year
        if 1900 < year < 2200 and 1 <= month <= 12:
            starts.append(dt.date(year, month, 1))
    if emp.active_from is not None:
        starts.append(emp.active_from)
    return min(starts) if starts else None


def right_from(emp: Employee) -> dt.date | None:
    """First day of the cuti tahunan right: 1 year after the start of service."""
    start = _service_start(emp)
    if start is None:
        return None
    try:
        return start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


def history_from_year(session: Session, fallback: int) -> int:
    row = session.get(Setting, HISTORY_FROM_KEY)
    if row is not None and row.value.strip().isdigit():
        return int(row.value.strip())
    first = session.execute(select(func.min(Letter.date_from))).scalar()
    if isinstance(first, str):  # SQLite returns MIN() of a date column as text
        first = dt.date.fromisoformat(first)
    return first.year if first is not None else fallback


def leave_dates(session: Session, employee_id: int, exclude_letter_id: int | None = None,
                until: dt.date | None = None) -> set[dt.date]:
    """Calendar days covered by the employee's cuti tahunan letters (overlaps counted once)."""
    q = (select(Letter.id, Letter.date_from, Letter.date_to).join(LetterEmployee, LetterEmployee.letter_id == Letter.id)
         .where(LetterEmployee.employee_id == employee_id, Letter.kind == "CT"))
    if until is not None:
        q = q.where(Letter.date_from <= until)
    out: set[dt.date] = set()
    for lid, d0, d1 in session.execute(q):
        if lid == exclude_letter_id:
            continue
        out.update(d0 + dt.timedelta(days=i) for i in range((d1 - d0).days + 1))
    return out


def year_chain(first_year: int, last_year: int, used: dict[int, int], right: dt.date | None) -> list[LeaveYear]:
    """The rule itself: hak of each year from ``first_year`` (12, no carry) to ``last_year``."""
    out: list[LeaveYear] = []
    for year in range(first_year, last_year + 1):
        base = ANNUAL_DAYS if right is None or right <= dt.date(year, 12, 31) else 0
        carried = 0
        if base and out and out[-1].base:
            prev = out[-1]
            prev2 = out[-2] if len(out) > 1 else None
            if prev.used == 0 and prev2 is not None and prev2.base and prev2.used == 0:
                carried = CAP_AFTER_TWO_UNUSED - base
            else:
                carried = min(CARRY_MAX, max(0, prev.sisa))
        out.append(LeaveYear(year, base, carried, used.get(year, 0)))
    return out


def _used_by_year(days: set[dt.date], holidays: set[dt.date]) -> dict[int, int]:
    used: dict[int, int] = {}
    for d in working_days(days, holidays):
        used[d.year] = used.get(d.year, 0) + 1
    return used


def leave_balance(session: Session, employee_id: int, year: int, *, extra_days: Iterable[dt.date] = (),
                  exclude_letter_id: int | None = None) -> LeaveBalance | None:
    """Balance of ``year`` (None for PTT / non-ASN), optionally as if ``extra_days`` were also taken."""
    emp = session.get(Employee, employee_id)
    if emp is None or emp.kind not in ASN_KINDS:
        return None
    right = right_from(emp)
    history = history_from_year(session, year)
    first = min(max(history, right.year) if right is not None else history, year)
    days = leave_dates(session, employee_id, exclude_letter_id, until=dt.date(year, 12, 31)) | set(extra_days)
    days = {d for d in days if first <= d.year <= year}
    holidays = _holidays(session, dt.date(first, 1, 1), dt.date(year, 12, 31))
    chain = year_chain(first, year, _used_by_year(days, holidays), right)
    last = chain[-1]
    notes = []
    if first == year and (right is None or right.year < year):
        notes.append(f"riwayat cuti sebelum {year} tidak tercatat di aplikasi; sisa tahun lalu tidak dihitung")
    if emp.kind == "PPPK":
        notes.append("PPPK: penambahan sisa cuti mengikuti aturan PNS (sumber khusus PPPK tidak ditemukan)")
    return LeaveBalance(employee_id, year, last.hak, last.used, last.sisa, last.carried, right, first,
                        "; ".join(notes), tuple(chain))


def _span(date_from: dt.date, date_to: dt.date) -> set[dt.date]:
    return {date_from + dt.timedelta(days=i) for i in range((date_to - date_from).days + 1)}


def leave_problem(session: Session, emp: Employee, date_from: dt.date, date_to: dt.date,
                  exclude_letter_id: int | None = None) -> str:
    """Why a cuti tahunan letter over [date_from, date_to] does not fit ``emp``'s balance ('' if it fits)."""
    if emp.kind not in ASN_KINDS:
        return ""
    span = _span(date_from, date_to)
    holidays = _holidays(session, date_from, date_to)
    requested = working_days(span, holidays)
    who = f"{emp.name} (NIP {emp.nip})"
    right = right_from(emp)
    early = sorted(d for d in requested if right is not None and d < right)
    if early:
        return (f"{who} belum berhak cuti tahunan pada {early[0]:%d-%m-%Y}: hak cuti tahunan baru ada mulai "
                f"{right:%d-%m-%Y} (setelah bekerja 1 tahun terus-menerus, {BASIS}).")
    for year in sorted({d.year for d in requested}):
        asked = sum(1 for d in requested if d.year == year)
        bal = leave_balance(session, emp.id, year, extra_days=span, exclude_letter_id=exclude_letter_id)
        assert bal is not None
        before = bal.terpakai - asked
        if asked > bal.hak - before:
            return (f"Cuti tahunan {who} tahun {year} melebihi sisa hak: hak {bal.hak} hari kerja, terpakai "
                    f"{before}, sisa {bal.hak - before}, diminta {asked} hari kerja ({date_from:%d-%m-%Y} s.d. "
                    f"{date_to:%d-%m-%Y}; Sabtu, Minggu, hari libur dan cuti bersama tidak dihitung; {BASIS}).")
    later = leave_dates(session, emp.id, exclude_letter_id)
    last_year = max((d.year for d in later), default=date_to.year)
    for year in range(date_to.year + 1, last_year + 1):  # a smaller carry-over must not break later letters
        with_it = leave_balance(session, emp.id, year, extra_days=span, exclude_letter_id=exclude_letter_id)
        without = leave_balance(session, emp.id, year, exclude_letter_id=exclude_letter_id)
        assert with_it is not None and without is not None
        if with_it.sisa < 0 <= without.sisa:
            return (f"Cuti tahunan {who}: surat ini mengurangi sisa yang dibawa ke tahun {year}, sehingga cuti "
                    f"tahunan {year} yang sudah tercatat melebihi hak: hak {with_it.hak} hari kerja, terpakai "
                    f"{with_it.terpakai}, sisa {with_it.sisa} ({BASIS}).")
    return ""


def letter_preview(session: Session, employee_id: int, date_from: dt.date, date_to: dt.date,
                   exclude_letter_id: int | None = None) -> str:
    """One line for the letter screen: the balance of the letter's year(s) and what this letter takes."""
    emp = session.get(Employee, employee_id)
    if emp is None:
        return ""
    if emp.kind not in ASN_KINDS:
        return f"{emp.name}: cuti tahunan PTT/non-ASN tidak dihitung aplikasi (mengikuti kontrak kerja)"
    span = _span(date_from, date_to)
    requested = working_days(span, _holidays(session, date_from, date_to))
    parts = []
    for year in sorted({date_from.year, date_to.year}):
        bal = leave_balance(session, employee_id, year, exclude_letter_id=exclude_letter_id)
        assert bal is not None
        asked = sum(1 for d in requested if d.year == year)
        parts.append(f"{bal.text()}; surat ini {asked} hari kerja")
    problem = leave_problem(session, emp, date_from, date_to, exclude_letter_id)
    return f"{emp.name}: " + " | ".join(parts) + (f" — DITOLAK: {problem}" if problem else "")
