"""Disciplinary notices: numbering register, deadlines in working days, PDF + audit.

``create_notice`` is one unit of work: it takes the next number of the kind for the
letter's year (NoticeNumber, unique on kind/year/seq, so numbering survives restarts
and never repeats), writes the PDF beside the database and records an audit event.
If anything fails the number is not used and the half-written PDF is removed.

The number format is a setting (``notice.number_format``), default
``800.1.6.4/{seq:03d}/{code}/{opd}/{year}`` -> 800.1.6.4/001/SP-I/DISKOMINFO/2026.
Placeholders: {seq} {code} {opd} {year} {month} {month_roman}.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import AuthError, CurrentUser
from services.policy.discipline import LEGAL_CONSECUTIVE, LEGAL_DUTY, NOTICE_KINDS, discipline_for_employee
from services.policy.model import Policy, load_policy
from services.policy.sanctions import article_of
from services.reports.layout import Letterhead
from services.reports.notice_docx import render_notice_docx
from services.reports.notice_pdf import NoticeDocument, Person, render_notice_pdf
from services.reports.notice_people import NoticeError, resolve_examiner
from services.store.models import Employee, Holiday, NoticeNumber, Opd, Setting, WorkUnit

NUMBER_FORMAT_KEY = "notice.number_format"
DEFAULT_NUMBER_FORMAT = "800.1.6.4/{seq:03d}/{code}/{opd}/{year}"
EXAM_DEADLINE_WORKING_DAYS = 7  # PP 94/2021: examination at most 7 working days after the summons
KIND_SANCTION = {"TEGURAN_LISAN": "teguran lisan", "TEGURAN_TERTULIS": "teguran tertulis",
                 "TIDAK_PUAS": "pernyataan tidak puas secara tertulis"}
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


__all__ = ["NoticeError", "NoticeRequest", "NoticeResult", "create_notice", "create_notice_in", "resolve_examiner"]


# ------------------------------------------------------------------ working days


def holiday_dates(session: Session, start: dt.date, end: dt.date) -> set[dt.date]:
    """National holidays, cuti bersama and regional holidays from the Holiday table."""
    # Ramadan and upacara rows in the same table are working days
    stmt = select(Holiday.date).where(Holiday.date >= start, Holiday.date <= end,
                                      Holiday.kind.in_(("nasional", "cuti_bersama", "daerah")))
    return set(session.execute(stmt).scalars())


def is_working_day(d: dt.date, holidays: set[dt.date]) -> bool:
    return d.weekday() < 5 and d not in holidays


def add_working_days(start: dt.date, n: int, holidays: set[dt.date]) -> dt.date:
    """The n-th working day after ``start`` (start itself does not count)."""
    d = start
    left = n
    while left > 0:
        d += dt.timedelta(days=1)
        if is_working_day(d, holidays):
            left -= 1
    return d


def latest_examination_date(session: Session, after: dt.date, days: int = EXAM_DEADLINE_WORKING_DAYS) -> dt.date:
    return add_working_days(after, days, holiday_dates(session, after, after + dt.timedelta(days=days * 3 + 30)))


def default_examination_date(session: Session, letter_date: dt.date) -> dt.date:
    """Suggested examination date: 3 working days after the letter (leaves time to deliver it)."""
    return add_working_days(letter_date, 3, holiday_dates(session, letter_date, letter_date + dt.timedelta(days=40)))


# ------------------------------------------------------------------ numbering


def get_number_format(session: Session) -> str:
    value = session.get(Setting, NUMBER_FORMAT_KEY)
    return value.value if value else DEFAULT_NUMBER_FORMAT


def format_number(fmt: str, *, seq: int, kind: str, opd_code: str, year: int, month: int) -> str:
    code = NOTICE_KINDS[kind][1]
    try:
        return fmt.format(seq=seq, code=code, opd=opd_code, year=year, month=month, month_roman=ROMAN[month - 1])
    except (KeyError, IndexError, ValueError) as exc:
        raise NoticeError(f"Format nomor surat '{fmt}' tidak valid ({exc}); gunakan {{seq}} {{code}} {{opd}} {{year}} "
                          f"{{month}} {{month_roman}}") from None


def set_number_format(session: Session, user: CurrentUser, fmt: str) -> None:
    user.require("admin")
    sample = format_number(fmt, seq=1, kind="SP1", opd_code="OPD", year=2026, month=1)
    if "{seq" not in fmt:
        raise NoticeError("Format nomor surat harus memuat {seq} agar setiap nomor unik")
    row = session.get(Setting, NUMBER_FORMAT_KEY)
    old = row.value if row else DEFAULT_NUMBER_FORMAT
    if row:
        row.value = fmt
    else:
        session.add(Setting(key=NUMBER_FORMAT_KEY, value=fmt))
    audit.record(session, user.username, "setting.update", "setting", NUMBER_FORMAT_KEY,
                 {"old": old, "new": fmt, "contoh": sample})


def next_sequence(session: Session, kind: str, year: int) -> int:
    current = session.execute(
        select(func.max(NoticeNumber.seq)).where(NoticeNumber.kind == kind, NoticeNumber.year == year)
    ).scalar()
    return (current or 0) + 1


# ------------------------------------------------------------------ create


@dataclass
class NoticeRequest:
    kind: str
    employee_id: int
    letter_date: dt.date
    exam_date: dt.date | None = None  # SP1/SP2/BAP
    exam_time: str = "09.00 WIB"
    place: str = ""
    examiner_id: int | None = None  # who examines: the atasan langsung (default) or a higher atasan of the chain
    signer_id: int | None = None  # default: the examiner
    paper: str = "A4"
    missed_date: dt.date | None = None  # SP2: date of the missed first examination (default: SP-I's date)
    qa: list[tuple[str, str]] = field(default_factory=list)  # BAP answers (empty = blank form)
    copies_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoticeResult:
    notice_id: int
    kind: str
    number: str
    seq: int
    pdf_path: Path
    exam_date: dt.date | None
    docx_path: Path | None = None  # the editable draft for Srikandi (nomor/tanggal left to Srikandi)

    def remove_files(self) -> None:
        self.pdf_path.unlink(missing_ok=True)
        if self.docx_path is not None:
            self.docx_path.unlink(missing_ok=True)


def _person(session: Session, e: Employee) -> Person:
    unit = session.get(WorkUnit, e.unit_id) if e.unit_id else None
    return Person(name=e.name, nip=e.nip, pangkat=e.golongan, jabatan=e.jabatan, unit=unit.name if unit else "")


@dataclass(frozen=True)
class ViolationText:
    violation: str  # sentence with the counts
    basis: str  # legal basis of the duty breached
    sanction: str  # sanction of the tier reached ('' below 3 days)
    proposal: str  # the proposal to the PPK, with the sanction's article ('' when no tier is reached)


def proposal_sentence(level: str, sanction: str, article: str, after_examination: bool) -> str:
    """A sanction worded as a proposal to the PPK (the decision is the PPK's, never this letter's)."""
    if not level or not sanction:
        return ""
    lead = ("Berdasarkan hasil pemeriksaan ini, yang diperiksa" if after_examination
            else "Apabila dugaan pelanggaran tersebut terbukti dalam pemeriksaan, Saudara")
    where = f" sebagaimana dimaksud dalam {article}" if article else ""
    return (f"{lead} diusulkan kepada PPK (pejabat pembina kepegawaian) untuk dijatuhi hukuman disiplin tingkat "
            f"{level} berupa {sanction}{where}. Keputusan hukuman disiplin ditetapkan oleh PPK atau pejabat yang "
            f"berwenang menghukum, bukan oleh surat ini.")


def _violation_text(session: Session, opd: Opd, emp: Employee, year: int, policy: Policy, as_of: dt.date,
                    kind: str) -> ViolationText:
    """Violation sentence, legal basis, sanction and proposal from the discipline tracker at the letter date."""
    row = discipline_for_employee(session, opd.id, emp.id, year, policy, as_of=as_of)
    if row is None:
        raise NoticeError(f"Pegawai {emp.name} tidak aktif pada tahun {year}")
    parts = [f"{row.tk_days} hari tanpa keterangan"]
    if row.minutes_total:
        equal = f" (setara {row.converted_days} hari)" if row.converted_days else ""
        parts.append(f"akumulasi terlambat masuk/pulang sebelum waktunya {row.minutes_total} menit{equal}")
    text = (f"tidak masuk kerja tanpa alasan yang sah selama {row.total_days} hari kerja secara kumulatif "
            f"pada tahun {year} ({'; '.join(parts)}) sampai dengan tanggal {as_of.strftime('%d-%m-%Y')}")
    basis = f"{LEGAL_DUTY} jo. Pasal 15 ayat (1) PP 94/2021"
    if row.consecutive_berat:
        text += f", termasuk {row.longest_run} hari kerja berturut-turut"
        basis += f" dan {LEGAL_CONSECUTIVE}"
    proposal = ""
    if kind in ("SP1", "SP2", "BAP"):
        proposal = proposal_sentence(row.level, row.sanction, row.sanction_article, after_examination=kind == "BAP")
    return ViolationText(text, basis, row.sanction, proposal)


def _sp1_exam_date(session: Session, employee_id: int, year: int) -> dt.date | None:
    stmt = (select(NoticeNumber.detail).where(NoticeNumber.employee_id == employee_id, NoticeNumber.kind == "SP1",
                                              NoticeNumber.year == year).order_by(NoticeNumber.id.desc()).limit(1))
    detail = session.execute(stmt).scalar()
    if not detail:
        return None
    value = json.loads(detail).get("exam_date")
    return dt.date.fromisoformat(value) if value else None


def _check_dates(session: Session, req: NoticeRequest, year: int) -> None:
    if req.kind not in ("SP1", "SP2"):
        return
    if req.exam_date is None:
        raise NoticeError("Tanggal pemeriksaan wajib diisi untuk surat panggilan")
    if not req.place.strip():
        raise NoticeError("Tempat pemeriksaan wajib diisi")
    holidays = holiday_dates(session, req.letter_date - dt.timedelta(days=60), req.letter_date + dt.timedelta(days=60))
    if req.kind == "SP2":
        missed = req.missed_date or _sp1_exam_date(session, req.employee_id, year)
        if missed is None:
            raise NoticeError("Surat Panggilan II memerlukan Surat Panggilan I terlebih dahulu (tanggal pemeriksaan yang "
                              "tidak dihadiri)")
        req.missed_date = missed
        # the second summons goes out at most 7 working days after the examination date that was missed
        letter_latest = add_working_days(missed, EXAM_DEADLINE_WORKING_DAYS, holidays)
        if req.letter_date < missed or req.letter_date > letter_latest:
            raise NoticeError(f"Surat Panggilan II harus bertanggal antara {missed.strftime('%d-%m-%Y')} dan "
                              f"{letter_latest.strftime('%d-%m-%Y')} (paling lambat 7 hari kerja setelah tanggal "
                              f"panggilan pertama yang tidak dihadiri)")
    latest = add_working_days(req.letter_date, EXAM_DEADLINE_WORKING_DAYS, holidays)
    if req.exam_date <= req.letter_date:
        raise NoticeError("Tanggal pemeriksaan harus sesudah tanggal surat")
    if not is_working_day(req.exam_date, holidays):
        raise NoticeError(f"Tanggal pemeriksaan {req.exam_date.strftime('%d-%m-%Y')} bukan hari kerja")
    if req.exam_date > latest:
        raise NoticeError(f"Tanggal pemeriksaan paling lambat 7 hari kerja setelah tanggal surat: "
                          f"{latest.strftime('%d-%m-%Y')}")


def _people(session: Session, req: NoticeRequest, emp: Employee) -> tuple[Employee, Employee]:
    """(examiner, signer): the examiner comes from the supervisor chain only (no fallback to anyone else)."""
    examiner = resolve_examiner(session, emp, req.examiner_id)
    signer = session.get(Employee, req.signer_id) if req.signer_id else examiner
    if signer is None:
        raise NoticeError(f"Penanda tangan (pegawai id {req.signer_id}) tidak ditemukan")
    return examiner, signer


def _compose(session: Session, req: NoticeRequest, emp: Employee, opd: Opd, examiner: Employee, signer: Employee,
             number: str, policy: Policy) -> NoticeDocument:
    """The notice's content (shared by the PDF and the DOCX draft)."""
    found = _violation_text(session, opd, emp, req.letter_date.year, policy, req.letter_date, req.kind)
    violation, basis, sanction = found.violation, found.basis, found.sanction
    if req.kind in KIND_SANCTION:  # a ringan reprimand is the atasan's own decision: it names its article
        sanction = f"{KIND_SANCTION[req.kind]} ({article_of(KIND_SANCTION[req.kind])})"
    return NoticeDocument(
        kind=req.kind, title=NOTICE_KINDS[req.kind][0], number=number, letter_date=req.letter_date,
        city=opd.city or "", letterhead=Letterhead.from_opd(opd), employee=_person(session, emp),
        examiner=_person(session, examiner), signer=_person(session, signer),
        signer_title=signer.jabatan or "Atasan Langsung", violation=violation, legal_basis=basis,
        exam_date=req.exam_date, exam_time=req.exam_time, place=req.place, missed_date=req.missed_date,
        sanction=sanction, proposal=found.proposal, qa=tuple(req.qa), copies_to=req.copies_to,
    )


def create_notice(session: Session, user: CurrentUser, req: NoticeRequest, out_dir: Path,
                  policy: Policy | None = None) -> NoticeResult:
    """Number, render (PDF + DOCX draft for Srikandi) and register one notice in the caller's transaction."""
    if not (user.has("operator") or user.has("verifier")):
        raise AuthError("Membuat surat disiplin memerlukan peran Operator atau Atasan/Verifikator.")
    if req.kind not in NOTICE_KINDS:
        raise NoticeError(f"Jenis surat '{req.kind}' tidak dikenal ({', '.join(NOTICE_KINDS)})")
    if req.paper.upper() not in ("A4", "F4"):
        raise NoticeError(f"Ukuran kertas '{req.paper}' tidak dikenal (pilih A4 atau F4)")
    emp = session.get(Employee, req.employee_id)
    if emp is None:
        raise NoticeError(f"Pegawai id {req.employee_id} tidak ditemukan")
    opd = session.get(Opd, emp.opd_id)
    assert opd is not None
    policy = policy or load_policy(opd.policy_preset)
    year = req.letter_date.year
    _check_dates(session, req, year)
    examiner, signer = _people(session, req, emp)
    seq = next_sequence(session, req.kind, year)
    number = format_number(get_number_format(session), seq=seq, kind=req.kind, opd_code=opd.code, year=year,
                           month=req.letter_date.month)
    if session.execute(select(NoticeNumber.id).where(NoticeNumber.number == number)).scalar():
        raise NoticeError(f"Nomor {number} sudah terpakai; periksa format nomor surat (harus memuat {{seq}})")
    doc = _compose(session, req, emp, opd, examiner, signer, number, policy)
    safe_no = number.replace("/", "_").replace("\\", "_").replace(" ", "")
    pdf_path = Path(out_dir) / str(year) / f"{req.kind}_{safe_no}_{emp.nip}.pdf"
    docx_path = pdf_path.with_suffix(".docx")
    detail = {"exam_date": req.exam_date.isoformat() if req.exam_date else None, "exam_time": req.exam_time,
              "place": req.place, "examiner_id": examiner.id, "signer_id": signer.id, "paper": req.paper.upper(),
              "missed_date": req.missed_date.isoformat() if req.missed_date else None}
    row = NoticeNumber(kind=req.kind, year=year, seq=seq, number=number, employee_id=emp.id,
                       issued_on=req.letter_date, pdf_path=str(pdf_path), username=user.username,
                       detail=json.dumps(detail, ensure_ascii=False), status="draft", docx_path=str(docx_path))
    session.add(row)
    session.flush()  # the unique (kind, year, seq) constraint guards against a concurrent writer
    try:
        render_notice_pdf(doc, pdf_path, req.paper)
        render_notice_docx(doc, docx_path, req.paper)
        row.docx_sha256 = hashlib.sha256(docx_path.read_bytes()).hexdigest()
        audit.record(session, user.username, "notice.create", "notice_number", row.id,
                     {"kind": req.kind, "number": number, "employee_nip": emp.nip, "docx_sha256": row.docx_sha256,
                      **detail})
    except Exception:
        pdf_path.unlink(missing_ok=True)
        docx_path.unlink(missing_ok=True)
        raise
    return NoticeResult(row.id, req.kind, number, seq, pdf_path, req.exam_date, docx_path)


def request_of(row: NoticeNumber) -> NoticeRequest:
    """The request a stored notice was made from (to render it again, e.g. a missing DOCX draft)."""
    detail = json.loads(row.detail) if row.detail else {}

    def day(key: str) -> dt.date | None:
        value = detail.get(key)
        return dt.date.fromisoformat(value) if value else None

    return NoticeRequest(kind=row.kind, employee_id=row.employee_id, letter_date=row.issued_on,
                         exam_date=day("exam_date"), exam_time=detail.get("exam_time", ""),
                         place=detail.get("place", ""), examiner_id=detail.get("examiner_id"),
                         signer_id=detail.get("signer_id"), paper=detail.get("paper", "A4"),
                         missed_date=day("missed_date"))


def notice_document(session: Session, row: NoticeNumber, policy: Policy | None = None) -> tuple[NoticeDocument, str]:
    """(document, paper) of a stored notice, composed again from the register and the discipline data."""
    req = request_of(row)
    emp = session.get(Employee, row.employee_id)
    if emp is None:
        raise NoticeError(f"Pegawai id {row.employee_id} tidak ditemukan")
    opd = session.get(Opd, emp.opd_id)
    assert opd is not None
    # a stored notice keeps the examiner it was issued with, even if the supervisor chain changed since
    stored = session.get(Employee, req.examiner_id) if req.examiner_id else None
    if stored is None:
        examiner, signer = _people(session, req, emp)
    else:
        examiner = stored
        signer = (session.get(Employee, req.signer_id) if req.signer_id else None) or stored
    return _compose(session, req, emp, opd, examiner, signer, row.number,
                    policy or load_policy(opd.policy_preset)), req.paper


def create_notice_in(db, user: CurrentUser, req: NoticeRequest, policy: Policy | None = None) -> NoticeResult:  # type: ignore[no-untyped-def]
    """Own transaction; the PDF goes to files/notices beside the database."""
    from services.paths import files_dir

    out_dir = files_dir(Path(db.path), "notices")
    for attempt in range(3):
        result: NoticeResult | None = None
        try:
            with db.transaction() as s:
                result = create_notice(s, user, req, out_dir, policy)
            return result
        except (IntegrityError, OperationalError):
            # another workstation took the same sequence number (or held the write lock): take the next one
            if result is not None:
                result.remove_files()
            if attempt == 2:
                raise
        except Exception:
            if result is not None:  # the commit failed after the files were written: do not leave them behind
                result.remove_files()
            raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class NoticeListRow:
    notice_id: int
    kind: str
    title: str
    number: str
    issued_on: dt.date
    employee_id: int
    nip: str
    name: str
    exam_date: dt.date | None
    pdf_path: str
    username: str
    status: str = "draft"  # naskah dinas: draft / numbered / signed / delivered
    official_number: str = ""
    official_date: dt.date | None = None
    docx_path: str = ""
    signed_pdf_path: str = ""


def list_notices(session: Session, year: int | None = None, employee_id: int | None = None) -> list[NoticeListRow]:
    stmt = select(NoticeNumber, Employee).join(Employee, Employee.id == NoticeNumber.employee_id)
    if year is not None:
        stmt = stmt.where(NoticeNumber.year == year)
    if employee_id is not None:
        stmt = stmt.where(NoticeNumber.employee_id == employee_id)
    out = []
    for n, e in session.execute(stmt.order_by(NoticeNumber.issued_on.desc(), NoticeNumber.id.desc())):
        detail = json.loads(n.detail) if n.detail else {}
        exam = detail.get("exam_date")
        out.append(NoticeListRow(n.id, n.kind, NOTICE_KINDS.get(n.kind, (n.kind, ""))[0], n.number, n.issued_on,
                                 e.id, e.nip, e.name, dt.date.fromisoformat(exam) if exam else None, n.pdf_path,
                                 n.username, n.status, n.official_number, n.official_date, n.docx_path,
                                 n.signed_pdf_path))
    return out
