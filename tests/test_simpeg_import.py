from __future__ import annotations

import openpyxl
import pytest
from sqlalchemy import func, select

from services.org.simpeg_import import ImportFileError, apply_import, preview_file
from services.store.models import AuditEvent, Employee, EmployeePin, WorkUnit

HEADER = "NIP;Nama;Jenis;Jabatan;Kelas Jabatan;Golongan;Unit Kerja;PIN Mesin;ID HP;TPP;NIP Atasan\n"
GOOD = [
    "197901012005011002;Rudi Hartono;PNS;Kepala Bidang;12;IV/a;Bidang Baru;501;HP-X1;7.500.000;",
    "199203042022212003;Sinta Dewi;PPPK;Pranata Komputer;7;IX;Sekretariat;502;;3000000;197901012005011002",
    "TKD-77;Andi Honor;NON_ASN;Pengemudi;1;;SEKRE;503;;0;",
]


def _counts(db):
    with db.session() as s:
        return (
            s.execute(select(func.count(Employee.id))).scalar(),
            s.execute(select(func.count(EmployeePin.id))).scalar(),
            s.execute(select(func.count(WorkUnit.id))).scalar(),
            s.execute(select(func.count(AuditEvent.id))).scalar(),
        )


def test_csv_import_preview_then_apply(db, org, tmp_path):
    f = tmp_path / "simpeg.csv"
    f.write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    before = _counts(db)
    with db.session() as s:
        pv = preview_file(s, org.opd_id, f)
    assert pv.ok, pv.errors
    assert [r.action for r in pv.rows] == ["baru", "baru", "baru"]
    assert pv.new_units == ["Bidang Baru"]
    with db.transaction() as s:
        batch = apply_import(s, org.opd_id, pv, "operator")
        assert batch.new_count == 3
    after = _counts(db)
    assert after[0] == before[0] + 3 and after[1] == before[1] + 3 and after[2] == before[2] + 1
    with db.session() as s:
        sinta = s.execute(select(Employee).where(Employee.nip == "199203042022212003")).scalar_one()
        rudi = s.execute(select(Employee).where(Employee.nip == "197901012005011002")).scalar_one()
        assert sinta.supervisor_id == rudi.id and sinta.gender == "P" and sinta.tpp_base == 3_000_000
        assert rudi.tpp_base == 7_500_000
    # importing the same file again updates, adds nothing
    with db.session() as s:
        pv2 = preview_file(s, org.opd_id, f)
    assert [r.action for r in pv2.rows] == ["ubah", "ubah", "ubah"]
    with db.transaction() as s:
        apply_import(s, org.opd_id, pv2, "operator")
    assert _counts(db)[0] == after[0]


def test_bad_nip_rejected_with_row_and_db_unchanged(db, org, tmp_path):
    f = tmp_path / "salah.csv"
    bad = GOOD[:1] + ["198502302010031001;Nama Salah;PNS;Staf;5;III/a;SEKRE;601;;0;"] + GOOD[2:]
    f.write_text(HEADER + "\n".join(bad) + "\n", encoding="utf-8")
    before = _counts(db)
    with db.session() as s:
        pv = preview_file(s, org.opd_id, f)
    assert not pv.ok
    assert pv.errors == ["salah.csv baris 3: kolom NIP: tanggal lahir '19850230' tidak valid"]
    with pytest.raises(ImportFileError, match="baris 3"), db.transaction() as s:
        apply_import(s, org.opd_id, pv, "operator")
    assert _counts(db) == before


def test_xlsx_import_and_missing_column(db, org, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["NIP", "Nama", "Jenis", "Unit Kerja", "PIN Mesin"])
    ws.append(["199001022022212005", "Maya Sari", "PPPK", "TIK", 900])
    ws.append(["199001022022212006", "Maya Dua", "PPPK", "TIK", 900])
    f = tmp_path / "pegawai.xlsx"
    wb.save(f)
    with db.session() as s:
        pv = preview_file(s, org.opd_id, f)
    assert pv.errors == ["pegawai.xlsx baris 3: PIN mesin 900 ganda (juga di baris 2)"]

    g = tmp_path / "tanpa_nama.csv"
    g.write_text("NIP,Jenis\n199001022022212005,PPPK\n", encoding="utf-8")
    with db.session() as s, pytest.raises(ImportFileError, match="kolom wajib tidak ditemukan: NAMA"):
        preview_file(s, org.opd_id, g)
