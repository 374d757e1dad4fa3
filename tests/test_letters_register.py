"""Letters register: validation, attachments (sha256 + copy), overlaps, incremental recompute, lock."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from services.auth.users import CurrentUser
from services.calendar.holidays import seed_holidays
from services.calendar.schedules import seed_standard_schedules
from services.letters.register import LetterError, create_letter, delete_letter, list_letters, update_letter
from services.policy.model import load_policy
from services.reconcile.engine import recompute
from services.reconcile.period import PeriodLockedError, lock_period
from services.store.models import AuditEvent, DayRecord, Employee
from tests.reconcile_helpers import d, punches, record

POLICY = load_policy("kotawaringin_timur")
TODAY = dt.date(2026, 3, 31)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def cal(db, org):
    with db.transaction() as s:
        seed_standard_schedules(s)
        seed_holidays(s, [2026])
        for e in org.employee_ids:
            punches(s, e, "2026-01-26 07:20:00", "2026-01-26 16:05:00", "2026-01-27 07:25:00", "2026-01-27 16:10:00")
        recompute(s, 2026, 1, POLICY, today=TODAY)
    return org


def _emp(db, **where):
    with db.session() as s:
        q = select(Employee)
        for k, v in where.items():
            q = q.where(getattr(Employee, k) == v)
        return s.execute(q.order_by(Employee.id)).scalars().first()


def test_attachment_copied_with_sha256_and_flags(db, cal, tmp_path):
    scan = tmp_path / "surat tugas.pdf"
    scan.write_bytes(PDF)
    files = tmp_path / "files" / "letters"
    e = cal.employee_ids[1]
    with db.transaction() as s:
        lt = create_letter(s, "operator", "DL", "094/ST/01/2026", d("2026-01-25"), d("2026-01-26"), d("2026-01-27"),
                           [e], attachment=scan, files_dir=files, policy=POLICY, today=TODAY)
        create_letter(s, "operator", "I", "IZ/02", d("2026-01-27"), d("2026-01-27"), d("2026-01-27"), [e],
                      policy=POLICY, today=TODAY)
    stored = files / f"{hashlib.sha256(PDF).hexdigest()[:16]}_surat_tugas.pdf"
    assert stored.read_bytes() == PDF
    with db.session() as s:
        rows = {r.number: r for r in list_letters(s, d("2026-01-01"), d("2026-01-31"))}
        assert rows["094/ST/01/2026"].attachment_path == str(stored)
        assert set(rows["094/ST/01/2026"].flags) == {"tumpang_tindih"}
        assert set(rows["IZ/02"].flags) == {"tumpang_tindih", "lampiran_hilang"}
        # DL day with punches stays DL; the overlapping later letter wins on the shared day and is flagged
        assert record(s, e, "2026-01-26").status == "DL"
        r = record(s, e, "2026-01-27")
        assert r.status == "I" and "surat_tumpang_tindih" in r.flags
        assert s.get(type(lt), lt.id).attachment_sha256 == hashlib.sha256(PDF).hexdigest()
    stored.write_bytes(PDF + b"tampered")
    with db.session() as s:
        row = next(r for r in list_letters(s) if r.number == "094/ST/01/2026")
        assert "lampiran_rusak" in row.flags


def test_bad_input_is_refused_without_writing(db, cal, tmp_path):
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"not a pdf")
    pppk = _emp(db, kind="PPPK")
    pns_male = _emp(db, kind="PNS", gender="L")
    e = cal.employee_ids[0]
    cases = [
        (dict(kind="XX"), "tidak dikenal"),
        (dict(number=" "), "Nomor surat"),
        (dict(date_from=d("2026-01-10"), date_to=d("2026-01-09")), "sebelum"),
        (dict(employee_ids=[]), "minimal satu pegawai"),
        (dict(kind="CBS", employee_ids=[pppk.id]), "PPPK"),
        (dict(kind="CM", employee_ids=[pns_male.id]), "perempuan"),
        (dict(attachment=fake, files_dir=tmp_path / "f"), "bukan PDF"),
    ]
    for over, msg in cases:
        args = dict(kind="CT", number="851/1", letter_date=d("2026-01-05"), date_from=d("2026-01-05"),
                    date_to=d("2026-01-06"), employee_ids=[e])
        args.update(over)
        with pytest.raises(LetterError, match=msg), db.transaction() as s:
            create_letter(s, "operator", policy=POLICY, today=TODAY, **args)  # type: ignore[arg-type]
    with db.session() as s:
        assert list_letters(s) == []


def test_update_and_delete_recompute_only_touched_days(db, cal):
    e1, e2 = cal.employee_ids[2], cal.employee_ids[3]
    with db.session() as s:
        untouched_before = s.execute(select(DayRecord.status).where(DayRecord.employee_id == e2,
                                                                    DayRecord.date == d("2026-01-26"))).scalar()
    with db.transaction() as s:
        lt = create_letter(s, "operator", "CT", "851/7", d("2026-01-20"), d("2026-01-26"), d("2026-01-26"), [e1],
                           policy=POLICY, today=TODAY)
    with db.session() as s:
        assert record(s, e1, "2026-01-26").status == "CT"
        assert record(s, e2, "2026-01-26").status == untouched_before == "H"
    with db.transaction() as s:  # move it to the other employee and the next day
        update_letter(s, "operator", lt.id, kind="S", number="851/7", letter_date=d("2026-01-20"),
                      date_from=d("2026-01-27"), date_to=d("2026-01-27"), employee_ids=[e2], policy=POLICY, today=TODAY)
    with db.session() as s:
        assert record(s, e1, "2026-01-26").status == "H"  # back to punches
        assert record(s, e2, "2026-01-27").status == "S"
    with db.transaction() as s:
        with pytest.raises(LetterError, match="Alasan"):
            delete_letter(s, "operator", lt.id, "")
        delete_letter(s, "operator", lt.id, "Salah input pegawai", policy=POLICY, today=TODAY)
    with db.session() as s:
        assert record(s, e2, "2026-01-27").status == "H"
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.entity == "letter"))]
        assert actions == ["letter.create", "letter.update", "letter.delete"]


def test_letter_in_locked_month_is_refused(db, cal):
    signer = CurrentUser(id=4, username="kepala", full_name="Kepala", roles=frozenset({"signer"}))
    with db.transaction() as s:
        lock_period(s, cal.opd_id, 2026, 1, signer, override_reason="Uji: TK bulan ini sudah diketahui")
    with pytest.raises(PeriodLockedError, match="Januari 2026"), db.transaction() as s:
        create_letter(s, "operator", "CT", "851/9", d("2026-01-20"), d("2026-01-26"), d("2026-01-26"),
                      [cal.employee_ids[0]], policy=POLICY, today=TODAY)
    with db.session() as s:
        assert list_letters(s) == []
