"""Kartu presensi: one employee's month on one sheet (every day, totals, the atasan's signature).

``card_data`` reads the month from the derived day records, the letters they point to and the
operator corrections; ``write_attendance_card`` renders it (services/reports/card_pdf.py) to a PDF.
A card changes nothing, but it shows one person's attendance, so it is only made for users who work
with that person's data: operators, the head of the OPD, and the employee's own atasan (verifier).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth.users import AuthError, CurrentUser
from services.calendar.names import BULAN, HARI, month_bounds
from services.errors import BadInputError, NotFoundError
from services.letters.kinds import CUTI_CODES, STATUS_LABELS
from services.paths import files_dir
from services.reconcile.grid import FLAG_LABELS
from services.reports.layout import Letterhead, paper
from services.store.db import Database
from services.store.models import Correction, DayRecord, Employee, Letter, Opd, WorkUnit

FIELD_LABELS = {"status": "status", "check_in": "jam masuk", "check_out": "jam pulang"}


@dataclass(frozen=True)
class Person:
    name: str
    nip: str
    jabatan: str = ""


@dataclass(frozen=True)
class CardDay:
    date: dt.date
    status: str  # DayRecord status code, "" when the day was not computed
    label: str  # Indonesian status text
    working_day: bool
    check_in: dt.datetime | None = None
    check_out: dt.datetime | None = None
    late_minutes: int = 0
    tl_tier: int = 0
    early_minutes: int = 0
    psw_tier: int = 0
    letter: str = ""  # "CT 800/12/2026"
    notes: tuple[str, ...] = ()  # flags in words
    corrections: tuple[int, ...] = ()  # numbers of the correction notes (K1, K2, ...)

    @property
    def weekday(self) -> str:
        return HARI[self.date.weekday()]


@dataclass(frozen=True)
class CorrectionNote:
    number: int
    date: dt.date
    text: str


@dataclass(frozen=True)
class CardData:
    head: Letterhead
    employee: Person
    unit: str
    golongan: str
    kind: str
    year: int
    month: int
    days: tuple[CardDay, ...]
    corrections: tuple[CorrectionNote, ...]
    atasan: Person | None
    city: str
    generated_at: dt.datetime
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def period(self) -> str:
        return f"{BULAN[self.month - 1]} {self.year}"


@dataclass(frozen=True)
class CardResult:
    path: Path
    pages: int
    employee: str
    nip: str


def _can_see(session: Session, user: CurrentUser, emp: Employee) -> None:
    if user.has("operator") or user.has("signer"):
        return
    if user.has("verifier") and user.employee_id is not None and emp.supervisor_id == user.employee_id:
        return
    raise AuthError(f"Kartu presensi {emp.name} hanya dapat dibuat oleh operator kepegawaian, Kepala OPD, atau "
                    "atasan langsung pegawai tersebut.")


def find_employee(session: Session, opd_id: int, nip: str) -> Employee:
    emp = session.execute(select(Employee).where(Employee.opd_id == opd_id, Employee.nip == nip.strip())
                          ).scalar_one_or_none()
    if emp is None:
        raise NotFoundError(f"Pegawai dengan NIP {nip.strip()} tidak ditemukan di OPD ini.")
    return emp


def _correction_text(c: Correction) -> str:
    what = FIELD_LABELS.get(c.field, c.field)
    value = STATUS_LABELS.get(c.value, c.value) if c.field == "status" else c.value
    return (f"{c.date:%d-%m-%Y}: {what} dikoreksi menjadi {value} — {c.reason} "
            f"(oleh {c.username}, {c.created_at:%d-%m-%Y %H.%M})")


def _day(day: dt.date, rec: DayRecord | None, letters: dict[int, Letter], marks: tuple[int, ...],
         today: dt.date) -> CardDay:
    if rec is None:
        return CardDay(day, "", "belum terjadi" if day > today else "belum dihitung", day.weekday() < 5,
                       corrections=marks)
    letter = letters.get(rec.letter_id) if rec.letter_id else None
    letter_text = letter.number if letter is not None else ""
    notes = tuple(FLAG_LABELS.get(f, f) for f in (rec.flags or "").split(",") if f)
    label = STATUS_LABELS.get(rec.status, rec.status)
    if rec.status == "BELUM":
        label = "belum ada data"
    return CardDay(day, rec.status, label, bool(rec.working_day), rec.check_in, rec.check_out, rec.late_minutes,
                   rec.tl_tier, rec.early_minutes, rec.psw_tier, letter_text, notes, marks)


def _totals(days: tuple[CardDay, ...], today: dt.date) -> dict[str, int]:
    t = {k: 0 for k in ("hari_kerja", "H", "TL", "menit_TL", "PSW", "menit_PSW", "TK", "CUTI", "DL", "S", "I",
                        "belum", "koreksi")}
    for d in days:
        if d.working_day and d.status != "LIBUR":
            t["hari_kerja"] += 1
        key = "CUTI" if d.status in CUTI_CODES else d.status
        if key in t and key not in ("TL", "PSW"):
            t[key] += 1
        if d.status in ("", "BELUM") and d.working_day and d.date <= today:
            t["belum"] += 1  # a day that has happened and has no status yet (days still to come are not gaps)
        if d.tl_tier:
            t["TL"] += 1
            t["menit_TL"] += d.late_minutes
        if d.psw_tier:
            t["PSW"] += 1
            t["menit_PSW"] += d.early_minutes
        t["koreksi"] += len(d.corrections)
    return t


def card_data(session: Session, opd_id: int, employee_id: int, year: int, month: int, user: CurrentUser,
              now: dt.datetime) -> CardData:
    first, last = month_bounds(year, month)
    opd = session.get(Opd, opd_id)
    emp = session.get(Employee, employee_id)
    if opd is None or emp is None or emp.opd_id != opd_id:
        raise NotFoundError(f"Pegawai dengan id {employee_id} tidak ditemukan di OPD ini.")
    _can_see(session, user, emp)
    records = {r.date: r for r in session.execute(
        select(DayRecord).where(DayRecord.employee_id == emp.id, DayRecord.date >= first, DayRecord.date <= last)
    ).scalars()}
    letter_ids = {r.letter_id for r in records.values() if r.letter_id}
    letters = {x.id: x for x in session.execute(select(Letter).where(Letter.id.in_(letter_ids))).scalars()} \
        if letter_ids else {}
    notes: list[CorrectionNote] = []
    marks: dict[dt.date, list[int]] = {}
    for c in session.execute(select(Correction).where(
            Correction.employee_id == emp.id, Correction.date >= first, Correction.date <= last,
            Correction.active.is_(True)).order_by(Correction.date, Correction.id)).scalars():
        notes.append(CorrectionNote(len(notes) + 1, c.date, _correction_text(c)))
        marks.setdefault(c.date, []).append(len(notes))
    dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    days = tuple(_day(day, records.get(day), letters, tuple(marks.get(day, ())), now.date()) for day in dates)
    boss = session.get(Employee, emp.supervisor_id) if emp.supervisor_id else None
    unit = session.get(WorkUnit, emp.unit_id) if emp.unit_id else None
    return CardData(
        head=Letterhead.from_opd(opd), employee=Person(emp.name, emp.nip, emp.jabatan), unit=unit.name if unit else "",
        golongan=emp.golongan, kind=emp.kind, year=year, month=month, days=days, corrections=tuple(notes),
        atasan=Person(boss.name, boss.nip, boss.jabatan) if boss else None, city=opd.city or "",
        generated_at=now, totals=_totals(days, now.date()),
    )


def default_card_path(db: Database, nip: str, year: int, month: int) -> Path:
    return files_dir(db.path, "kartu") / f"kartu-presensi_{nip}_{year}-{month:02d}.pdf"


def write_attendance_card(db: Database, opd_id: int, employee_id: int, year: int, month: int, user: CurrentUser,
                          out: Path | None = None, paper_name: str = "A4") -> CardResult:
    """Render the card to ``out`` (default: files/kartu/ beside the database); written atomically."""
    from services.reports.card_pdf import build_card_pdf

    paper(paper_name)  # refuses an unknown paper before any work
    if not 1 <= month <= 12:
        raise BadInputError(f"Bulan {month} tidak valid (1-12).")
    with db.session() as s:
        data = card_data(s, opd_id, employee_id, year, month, user, db.clock.now())
    pdf, pages = build_card_pdf(data, paper_name)
    target = out or default_card_path(db, data.employee.nip, year, month)
    if target.parent and not target.parent.exists():
        raise BadInputError(f"Folder tujuan {target.parent} tidak ada.")
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(pdf)
    tmp.replace(target)
    return CardResult(target, pages, data.employee.name, data.employee.nip)
