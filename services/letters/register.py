"""Register of cuti / surat tugas (DL) / sakit / izin letters with scanned attachments.

Each change is one unit of work: validate, copy the attachment (sha256 stored), audit,
then recompute only the affected employees x days. Overlaps with other letters and
missing attachments are flagged in the listing (not refused: a late scan is common).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services import derived
from services.auth import audit
from services.errors import BadInputError, ConflictError, NotFoundError
from services.letters.kinds import LETTER_KINDS
from services.letters.leave import leave_problem
from services.policy.model import Policy
from services.store.models import DayRecord, Employee, Letter, LetterEmployee

ATTACHMENT_TYPES = {".pdf": b"%PDF", ".jpg": b"\xff\xd8", ".jpeg": b"\xff\xd8", ".png": b"\x89PNG"}
FLAG_LABELS = {
    "lampiran_hilang": "Lampiran belum ada",
    "lampiran_rusak": "Lampiran berubah/hilang dari folder",
    "tumpang_tindih": "Tumpang tindih dengan surat lain",
    "melebihi_batas": "Melebihi batas lama cuti",
}


LETTER_ACTION = "Perubahan surat"


class LetterError(BadInputError):
    pass


@dataclass(frozen=True)
class LetterRow:
    id: int
    kind: str
    kind_label: str
    number: str
    letter_date: dt.date
    date_from: dt.date
    date_to: dt.date
    employee_ids: tuple[int, ...]
    employee_names: str
    note: str
    attachment_path: str | None
    flags: tuple[str, ...]
    version: int = 1  # the row version shown: an edit saved from this row is refused once another PC changed it

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def store_attachment(source: Path, files_dir: Path) -> tuple[str, str]:
    """Copy a scanned PDF/JPEG/PNG into files_dir under its sha256; returns (stored path, sha256)."""
    source = Path(source)
    if not source.is_file():
        raise LetterError(f"Lampiran '{source}' tidak ditemukan.")
    suffix = source.suffix.lower()
    magic = ATTACHMENT_TYPES.get(suffix)
    if magic is None:
        raise LetterError(f"Lampiran '{source.name}': hanya PDF, JPG atau PNG yang diterima.")
    with source.open("rb") as f:
        head = f.read(8)
    if not head.startswith(magic):
        raise LetterError(f"Lampiran '{source.name}': isi berkas bukan {suffix[1:].upper()} yang valid.")
    digest = _sha256(source)
    files_dir.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", source.stem)[:60] or "lampiran"
    target = files_dir / f"{digest[:16]}_{safe}{suffix}"
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    return str(target), digest


def _validate(session: Session, kind: str, number: str, letter_date: dt.date, date_from: dt.date, date_to: dt.date,
              employee_ids: list[int], letter_id: int | None = None) -> list[Employee]:
    k = LETTER_KINDS.get(kind)
    if k is None:
        raise LetterError(f"Jenis surat '{kind}' tidak dikenal (pilih: {', '.join(LETTER_KINDS)}).")
    if not (number or "").strip():
        raise LetterError("Nomor surat wajib diisi.")
    if date_to < date_from:
        raise LetterError(f"Tanggal selesai {date_to:%d-%m-%Y} sebelum tanggal mulai {date_from:%d-%m-%Y}.")
    if (date_to - date_from).days > 3 * 366:
        raise LetterError("Rentang tanggal surat lebih dari 3 tahun; periksa kembali tanggalnya.")
    if not employee_ids:
        raise LetterError("Pilih minimal satu pegawai.")
    emps = list(session.execute(select(Employee).where(Employee.id.in_(employee_ids))).scalars())
    missing = set(employee_ids) - {e.id for e in emps}
    if missing:
        raise LetterError(f"Pegawai id {', '.join(map(str, sorted(missing)))} tidak ditemukan.")
    for e in emps:
        if e.kind not in k.allowed:
            raise LetterError(f"{k.label} tidak berlaku untuk pegawai {e.kind} ({e.name}, {e.nip}).")
        if k.female_only and e.gender == "L":
            raise LetterError(f"{k.label} hanya untuk pegawai perempuan ({e.name}).")
    if kind == "CT":  # cuti tahunan: within the balance of each ASN (services/letters/leave.py)
        for e in emps:
            problem = leave_problem(session, e, date_from, date_to, exclude_letter_id=letter_id)
            if problem:
                raise LetterError(problem)
    return emps


def _spans(employee_ids: list[int], date_from: dt.date, date_to: dt.date) -> dict[int, set[dt.date]]:
    days = {date_from + dt.timedelta(days=i) for i in range((date_to - date_from).days + 1)}
    return {e: set(days) for e in employee_ids}


def _apply(session: Session, spans: dict[int, set[dt.date]], policy: Policy | None, today: dt.date | None) -> None:
    """Refuse on locked months, then recompute only the touched days (past days only, see engine).

    Both go through services/derived.py to services/reconcile/scope.py (letters sit below reconcile).
    """
    if not spans:
        return
    upkeep = derived.upkeep()
    upkeep.refuse_locked(session, LETTER_ACTION, _runs({d for ds in spans.values() for d in ds}), sorted(spans))
    upkeep.recompute_days(session, spans, policy, today)


def _runs(days: set[dt.date]) -> list[tuple[dt.date, dt.date | None]]:
    """Consecutive days as (first, last) ranges."""
    out: list[tuple[dt.date, dt.date | None]] = []
    lo = hi = None
    for d in sorted(days):
        if hi is not None and d == hi + dt.timedelta(days=1):
            hi = d
            continue
        if lo is not None:
            out.append((lo, hi))
        lo = hi = d
    if lo is not None:
        out.append((lo, hi))
    return out


def create_letter(session: Session, username: str, kind: str, number: str, letter_date: dt.date,
                  date_from: dt.date, date_to: dt.date, employee_ids: list[int], note: str = "",
                  attachment: Path | None = None, files_dir: Path | None = None,
                  policy: Policy | None = None, today: dt.date | None = None) -> Letter:
    employee_ids = sorted(set(employee_ids))
    _validate(session, kind, number, letter_date, date_from, date_to, employee_ids)
    path = sha = None
    if attachment is not None:
        if files_dir is None:
            raise LetterError("Folder lampiran belum ditentukan.")
        path, sha = store_attachment(attachment, files_dir)
    letter = Letter(kind=kind, number=number.strip(), letter_date=letter_date, date_from=date_from, date_to=date_to,
                    note=(note or "").strip()[:500], attachment_path=path, attachment_sha256=sha, created_by=username)
    letter.employees = [LetterEmployee(employee_id=e) for e in employee_ids]
    session.add(letter)
    session.flush()
    audit.record(session, username, "letter.create", "letter", letter.id,
                 {"kind": kind, "number": letter.number, "from": date_from, "to": date_to,
                  "employees": employee_ids, "attachment_sha256": sha})
    _apply(session, _spans(employee_ids, date_from, date_to), policy, today)
    return letter


def _letter_at(session: Session, letter_id: int, expected_version: int | None) -> Letter:
    """The letter, row-locked to this transaction (several PCs), at the version the user saw."""
    letter = session.get(Letter, letter_id, with_for_update=True)
    if letter is None:
        raise NotFoundError(f"Surat id {letter_id} tidak ditemukan (mungkin baru dihapus dari PC lain).")
    if expected_version is not None and letter.version != expected_version:
        raise ConflictError(f"Surat {letter.number} baru saja diubah oleh pengguna lain (mungkin dari PC lain) "
                            "sejak Anda membukanya. Perubahan Anda tidak disimpan: muat ulang lalu ulangi.")
    return letter


def update_letter(session: Session, username: str, letter_id: int, *, kind: str, number: str, letter_date: dt.date,
                  date_from: dt.date, date_to: dt.date, employee_ids: list[int], note: str = "",
                  attachment: Path | None = None, files_dir: Path | None = None,
                  policy: Policy | None = None, today: dt.date | None = None,
                  expected_version: int | None = None) -> Letter:
    """Replace a letter's fields; both the old and the new days are recomputed.

    ``expected_version``: the letter's version when the form was opened; another PC's edit since is refused.
    """
    letter = _letter_at(session, letter_id, expected_version)
    employee_ids = sorted(set(employee_ids))
    _validate(session, kind, number, letter_date, date_from, date_to, employee_ids, letter_id)
    old_emps = [le.employee_id for le in letter.employees]
    spans = _spans(old_emps, letter.date_from, letter.date_to)
    before = {"kind": letter.kind, "number": letter.number, "from": letter.date_from, "to": letter.date_to,
              "employees": old_emps}
    if attachment is not None:
        if files_dir is None:
            raise LetterError("Folder lampiran belum ditentukan.")
        letter.attachment_path, letter.attachment_sha256 = store_attachment(attachment, files_dir)
    letter.kind, letter.number, letter.letter_date = kind, number.strip(), letter_date
    letter.date_from, letter.date_to, letter.note = date_from, date_to, (note or "").strip()[:500]
    letter.employees = [LetterEmployee(employee_id=e) for e in employee_ids]
    session.flush()
    audit.record(session, username, "letter.update", "letter", letter.id,
                 {"before": before, "after": {"kind": kind, "number": letter.number, "from": date_from, "to": date_to,
                                              "employees": employee_ids}, "attachment_sha256": letter.attachment_sha256})
    for e, ds in _spans(employee_ids, date_from, date_to).items():
        spans.setdefault(e, set()).update(ds)
    _apply(session, spans, policy, today)
    return letter


def delete_letter(session: Session, username: str, letter_id: int, reason: str,
                  policy: Policy | None = None, today: dt.date | None = None,
                  expected_version: int | None = None) -> None:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise LetterError("Alasan menghapus surat wajib diisi (minimal 5 karakter).")
    letter = _letter_at(session, letter_id, expected_version)
    emps = [le.employee_id for le in letter.employees]
    spans = _spans(emps, letter.date_from, letter.date_to)
    detail = {"kind": letter.kind, "number": letter.number, "from": letter.date_from, "to": letter.date_to,
              "employees": emps, "reason": reason}
    # day_record.letter_id points at the letter: clear it before the delete, the recompute rewrites the days
    session.execute(update(DayRecord).where(DayRecord.letter_id == letter_id).values(letter_id=None))
    session.delete(letter)
    session.flush()
    audit.record(session, username, "letter.delete", "letter", letter_id, detail)
    _apply(session, spans, policy, today)


def list_letters(session: Session, date_from: dt.date | None = None, date_to: dt.date | None = None,
                 kind: str | None = None, employee_id: int | None = None) -> list[LetterRow]:
    """Letters touching [date_from, date_to], newest first, with their flags."""
    q = select(Letter)
    if date_from is not None:
        q = q.where(Letter.date_to >= date_from)
    if date_to is not None:
        q = q.where(Letter.date_from <= date_to)
    if kind:
        q = q.where(Letter.kind == kind)
    if employee_id is not None:
        q = q.where(Letter.id.in_(select(LetterEmployee.letter_id).where(LetterEmployee.employee_id == employee_id)))
    letters = list(session.execute(q.order_by(Letter.date_from.desc(), Letter.id.desc())).scalars())
    if not letters:
        return []
    emp_ids = {le.employee_id for lt in letters for le in lt.employees}
    emp = {i: (name, kind_) for i, name, kind_ in
           session.execute(select(Employee.id, Employee.name, Employee.kind).where(Employee.id.in_(emp_ids)))}
    lo = min(lt.date_from for lt in letters)
    hi = max(lt.date_to for lt in letters)
    overlaps = overlapping_letter_ids(session, lo, hi)
    out = []
    for lt in letters:
        ids = tuple(sorted(le.employee_id for le in lt.employees))
        flags = []
        if not lt.attachment_path:
            flags.append("lampiran_hilang")
        elif not Path(lt.attachment_path).is_file() or (lt.attachment_sha256 and _sha256(Path(lt.attachment_path)) != lt.attachment_sha256):
            flags.append("lampiran_rusak")
        if lt.id in overlaps:
            flags.append("tumpang_tindih")
        k = LETTER_KINDS.get(lt.kind)
        if k is not None:
            days = (lt.date_to - lt.date_from).days + 1
            limits = [k.max_days_pppk if emp.get(i, ("", ""))[1] == "PPPK" and k.max_days_pppk else k.max_days for i in ids]
            if any(limit is not None and days > limit for limit in limits):
                flags.append("melebihi_batas")
        names = ", ".join(emp.get(i, (f"#{i}", ""))[0] for i in ids)
        out.append(LetterRow(lt.id, lt.kind, k.label if k else lt.kind, lt.number, lt.letter_date, lt.date_from,
                             lt.date_to, ids, names, lt.note, lt.attachment_path, tuple(flags), lt.version))
    return out


def overlapping_letter_ids(session: Session, date_from: dt.date, date_to: dt.date) -> set[int]:
    """Letters that share at least one employee and one day with another letter in the range."""
    q = (select(LetterEmployee.employee_id, Letter.id, Letter.date_from, Letter.date_to)
         .join(Letter, Letter.id == LetterEmployee.letter_id)
         .where(Letter.date_from <= date_to, Letter.date_to >= date_from)
         .order_by(LetterEmployee.employee_id, Letter.date_from))
    out: set[int] = set()
    by_emp: dict[int, list[tuple[int, dt.date, dt.date]]] = {}
    for emp, lid, d0, d1 in session.execute(q):
        by_emp.setdefault(emp, []).append((lid, d0, d1))
    for spans in by_emp.values():
        latest_end: dt.date | None = None
        latest_id: int | None = None
        for lid, d0, d1 in spans:  # sorted by start: overlap iff it starts before the furthest end so far
            if latest_end is not None and latest_id is not None and d0 <= latest_end:
                out.update((lid, latest_id))
            if latest_end is None or d1 > latest_end:
                latest_end, latest_id = d1, lid
    out.discard(None)
    return out


def find_overlaps(session: Session, employee_ids: list[int], date_from: dt.date, date_to: dt.date,
                  exclude_letter_id: int | None = None) -> list[tuple[int, str, str]]:
    """(letter id, number, employee name) of existing letters overlapping a new one — shown before saving."""
    q = (select(Letter.id, Letter.number, Employee.name)
         .join(LetterEmployee, LetterEmployee.letter_id == Letter.id)
         .join(Employee, Employee.id == LetterEmployee.employee_id)
         .where(LetterEmployee.employee_id.in_(employee_ids), Letter.date_from <= date_to, Letter.date_to >= date_from))
    if exclude_letter_id is not None:
        q = q.where(Letter.id != exclude_letter_id)
    return [tuple(r) for r in session.execute(q.order_by(Letter.id))]  # type: ignore[misc]
