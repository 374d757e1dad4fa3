"""Status of each disciplinary notice as a naskah dinas: draft -> numbered -> signed -> delivered.

- draft: made in the app (PDF for reading, DOCX draft for Srikandi with nomor/tanggal left open);
- numbered: the official number and date given by Srikandi are recorded (for a summons the
  examination date must still fall within 7 working days after that date, PP 94/2021);
- signed: the final signed PDF (from Srikandi / BSrE, or a scan) is attached; its sha256 is kept
  and the file is copied beside the database;
- delivered: when and how it reached the employee.

Every step is one transaction, goes forward only, leaves a NoticeEvent row and an audit event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import CurrentUser
from services.changes import Changes
from services.errors import BadInputError, ConflictError, NotFoundError, PermissionDeniedError
from services.paths import files_dir
from services.reports.monthly import relative_file, resolve_file
from services.reports.notice_docx import render_notice_docx
from services.reports.notices import _check_dates, notice_document, request_of
from services.store.db import Database
from services.store.models import Employee, NoticeEvent, NoticeNumber

STATUSES = ("draft", "numbered", "signed", "delivered")
STATUS_LABELS = {"draft": "Draf", "numbered": "Bernomor (Srikandi)", "signed": "Ditandatangani",
                 "delivered": "Diserahkan"}
MAX_SIGNED_PDF_BYTES = 10 * 1024 * 1024
MAX_NUMBER_LENGTH = 120


@dataclass(frozen=True)
class TrackResult:
    notice_id: int
    status: str
    message: str
    changes: Changes = Changes(notices=True)


@dataclass(frozen=True)
class NoticeEventRow:
    at: dt.datetime
    username: str
    from_status: str
    to_status: str
    note: str


def _require(user: CurrentUser) -> None:
    if not (user.has("operator") or user.has("verifier")):
        raise PermissionDeniedError("Mengelola surat disiplin memerlukan peran Operator atau Atasan/Verifikator.")


def _load(s: Session, notice_id: int) -> NoticeNumber:
    row = s.get(NoticeNumber, notice_id)
    if row is None:
        raise NotFoundError(f"Surat disiplin id {notice_id} tidak ditemukan.")
    return row


def _label(row: NoticeNumber) -> str:
    return f"surat {row.number}"


def _advance(s: Session, row: NoticeNumber, to: str, user: CurrentUser, note: str, detail: dict[str, object]) -> None:
    expected = STATUSES[STATUSES.index(to) - 1]
    if row.status != expected:
        raise ConflictError(f"Status {_label(row)} adalah '{STATUS_LABELS.get(row.status, row.status)}'; langkah "
                            f"'{STATUS_LABELS[to]}' hanya dapat dilakukan dari status '{STATUS_LABELS[expected]}'.")
    s.add(NoticeEvent(notice_id=row.id, from_status=row.status, to_status=to, username=user.username, note=note))
    audit.record(s, user.username, f"notice.{to}", "notice_number", row.id,
                 {"from": row.status, "to": to, **detail})
    row.status = to


def ensure_docx(db: Database, notice_id: int, user: CurrentUser) -> Path:
    """The notice's DOCX draft; rendered again (same content) when the file is missing."""
    _require(user)
    with db.session() as s:
        row = _load(s, notice_id)
        path = resolve_file(db, row.docx_path) if row.docx_path else None
        if path is not None and path.is_file():
            return path
        doc, paper = notice_document(s, row)
        pdf = resolve_file(db, row.pdf_path) if row.pdf_path else files_dir(db.path, "notices") / f"notice_{row.id}"
    target = path or pdf.with_suffix(".docx")
    render_notice_docx(doc, target, paper)
    with db.transaction() as s:
        row = _load(s, notice_id)
        row.docx_path = str(target)
        row.docx_sha256 = hashlib.sha256(target.read_bytes()).hexdigest()
        audit.record(s, user.username, "notice.docx", "notice_number", row.id, {"docx_sha256": row.docx_sha256})
    return target


def record_number(db: Database, notice_id: int, user: CurrentUser, number: str, letter_date: dt.date) -> TrackResult:
    """draft -> numbered: the number and date Srikandi gave the notice."""
    _require(user)
    number = " ".join(number.split())
    if not number:
        raise BadInputError("Nomor surat dari Srikandi wajib diisi.")
    if len(number) > MAX_NUMBER_LENGTH:
        raise BadInputError(f"Nomor surat terlalu panjang ({len(number)} karakter; paling banyak {MAX_NUMBER_LENGTH}).")
    today = db.clock.today()
    if letter_date > today:
        raise BadInputError(f"Tanggal surat {letter_date:%d-%m-%Y} belum terjadi (hari ini {today:%d-%m-%Y}); isi "
                            f"tanggal yang diberikan Srikandi.")
    with db.transaction() as s:
        row = _load(s, notice_id)
        other = s.execute(select(NoticeNumber.number).where(NoticeNumber.official_number == number,
                                                            NoticeNumber.id != notice_id)).scalar()
        if other is not None:
            raise ConflictError(f"Nomor {number} sudah dicatat untuk surat {other}; periksa kembali nomor dari Srikandi.")
        if row.kind in ("SP1", "SP2"):
            # the examination date was chosen for the draft's date: it must still fit the official one
            req = dataclasses.replace(request_of(row), letter_date=letter_date)
            _check_dates(s, req, letter_date.year)
        _advance(s, row, "numbered", user, f"Nomor {number}, tanggal {letter_date:%d-%m-%Y}",
                 {"number": number, "date": letter_date.isoformat()})
        row.official_number, row.official_date = number, letter_date
    return TrackResult(notice_id, "numbered", f"Nomor {number} tercatat.")


def _signature_count(data: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return len(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    except Exception as exc:  # noqa: BLE001 - any parse failure means: not a usable PDF
        raise BadInputError(f"Berkas bukan PDF yang dapat dibaca ({exc.__class__.__name__}).") from None


def attach_signed_pdf(db: Database, notice_id: int, user: CurrentUser, source: Path | str) -> TrackResult:
    """numbered -> signed: keep a copy of the final signed PDF and its sha256."""
    _require(user)
    source = Path(source)
    try:
        size = source.stat().st_size
    except OSError:
        raise NotFoundError(f"Berkas {source} tidak ditemukan.") from None
    if size > MAX_SIGNED_PDF_BYTES:
        raise BadInputError(f"Berkas {source.name} berukuran {size / 1048576:.1f} MiB, melebihi batas "
                            f"{MAX_SIGNED_PDF_BYTES // 1048576} MiB untuk surat bertanda tangan.")
    data = source.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise BadInputError(f"Berkas {source.name} bukan PDF (tidak diawali %PDF-).")
    signatures = _signature_count(data)
    sha = hashlib.sha256(data).hexdigest()
    with db.transaction() as s:
        row = _load(s, notice_id)
        emp = s.get(Employee, row.employee_id)
        twin = s.execute(select(NoticeNumber.number).where(NoticeNumber.signed_pdf_sha256 == sha,
                                                           NoticeNumber.id != notice_id)).scalar()
        if twin is not None:
            raise ConflictError(f"PDF ini sudah dilampirkan pada surat {twin}; pilih PDF surat yang benar.")
        target = files_dir(db.path, "notices") / str(row.year) / "ttd" / f"{row.kind}_{row.id}_{emp.nip if emp else ''}.pdf"
        target.parent.mkdir(parents=True, exist_ok=True)
        note = (f"PDF bertanda tangan {source.name}, {signatures} tanda tangan elektronik, sha256 {sha[:16]}…"
                if signatures else f"PDF {source.name} tanpa tanda tangan elektronik (pindaian), sha256 {sha[:16]}…")
        _advance(s, row, "signed", user, note, {"sha256": sha, "signatures": signatures, "file": source.name})
        row.signed_pdf_path, row.signed_pdf_sha256 = relative_file(db, target), sha
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # inside the transaction: a failed commit leaves an unreferenced copy at worst
    return TrackResult(notice_id, "signed", f"PDF bertanda tangan dilampirkan ({signatures} tanda tangan).")


def mark_delivered(db: Database, notice_id: int, user: CurrentUser, delivered_on: dt.date, note: str) -> TrackResult:
    """signed -> delivered: when and how the notice reached the employee."""
    _require(user)
    note = note.strip()
    if len(note) < 5:
        raise BadInputError("Tulis cara penyerahan / penerima (mis. 'Diserahkan langsung, diterima yang bersangkutan').")
    if delivered_on > db.clock.today():
        raise BadInputError(f"Tanggal penyerahan {delivered_on:%d-%m-%Y} belum terjadi.")
    with db.transaction() as s:
        row = _load(s, notice_id)
        if row.official_date is not None and delivered_on < row.official_date:
            raise BadInputError(f"Tanggal penyerahan {delivered_on:%d-%m-%Y} sebelum tanggal surat "
                                f"{row.official_date:%d-%m-%Y}.")
        _advance(s, row, "delivered", user, f"Diserahkan {delivered_on:%d-%m-%Y}: {note}",
                 {"date": delivered_on.isoformat(), "note": note})
        row.delivered_on, row.delivered_note = delivered_on, note[:300]
    return TrackResult(notice_id, "delivered", "Penyerahan surat tercatat.")


def notice_history(session: Session, notice_id: int) -> list[NoticeEventRow]:
    rows = session.execute(select(NoticeEvent).where(NoticeEvent.notice_id == notice_id).order_by(NoticeEvent.id))
    return [NoticeEventRow(e.at, e.username, e.from_status, e.to_status, e.note) for e in rows.scalars()]
