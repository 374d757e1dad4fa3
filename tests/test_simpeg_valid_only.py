"""SIMPEG import: the preview shows every column read; the valid rows can be imported alone (one
transaction) and the rejected rows saved with their errors as CSV or XLSX."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from desktop.views.employees import EmployeesView
from services.org.simpeg_import import ImportFileError, apply_import, export_rejected_rows, preview_file
from services.store.models import Employee, ImportBatch, WorkUnit
from tests.gui_helpers import make_context

HEADER = "NIP;Nama;Jenis;Jabatan;Kelas Jabatan;Golongan;Unit Kerja;PIN Mesin;TPP;NIP Atasan\n"
ROWS = [
    "197901012005011002;Rudi Hartono;PNS;Kepala Bidang;12;IV/a;Bidang Baru;501;7.500.000;",
    "199203042022212003;Sinta Dewi;PPPK;Pranata Komputer;7;IX;Sekretariat;502;3000000;197901012005011002",
    "198502302010031001;Nama Salah;PNS;Staf;5;III/a;Bidang Rusak;601;0;",  # 30 February: rejected
    "198701012010011004;Bawahan Salah;PNS;Staf;5;III/a;SEKRE;602;0;198502302010031001",  # atasan rejected
]


@pytest.fixture
def simpeg(tmp_path):
    f = tmp_path / "simpeg.csv"
    f.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return f


def _employees(db) -> int:
    with db.session() as s:
        return s.execute(select(func.count(Employee.id))).scalar()


def test_valid_rows_only_in_one_transaction(db, org, simpeg, tmp_path):
    with db.session() as s:
        pv = preview_file(s, org.opd_id, simpeg)
    assert [r.row_no for r in pv.valid_rows] == [2, 3]
    assert [r.row_no for r in pv.rejected_rows] == [4, 5]
    assert "baris 4 atasan ini ditolak" in pv.rows[3].errors[0]  # cannot be imported without its atasan
    before = _employees(db)
    with pytest.raises(ImportFileError), db.transaction() as s:
        apply_import(s, org.opd_id, pv, "operator")  # all-or-nothing mode still refuses
    assert _employees(db) == before
    with db.transaction() as s:
        batch = apply_import(s, org.opd_id, pv, "operator", valid_only=True)
        assert (batch.new_count, batch.rejected_count) == (2, 2)
    assert _employees(db) == before + 2
    with db.session() as s:
        units = set(s.execute(select(WorkUnit.name)).scalars())
        assert "Bidang Baru" in units and "Bidang Rusak" not in units  # only the imported rows' new unit
        sinta = s.execute(select(Employee).where(Employee.nip == "199203042022212003")).scalar_one()
        assert sinta.supervisor_id is not None and sinta.golongan == "IX" and sinta.kelas_jabatan == 7
        assert s.execute(select(ImportBatch.rejected_count)).scalars().all()[-1] == 2


def test_a_failure_mid_import_writes_nothing(db, org, simpeg, monkeypatch):
    from services.org import simpeg_import

    with db.session() as s:
        pv = preview_file(s, org.opd_id, simpeg)
    before = _employees(db)
    calls = []

    def boom(done, total, text):  # the second row's progress: the first is already in the session
        calls.append(done)
        raise RuntimeError("disk penuh")

    pv.rows[1].values["name"] = pv.rows[1].values["name"]  # unchanged; progress fires after the last row
    with pytest.raises(RuntimeError), db.transaction() as s:
        simpeg_import.apply_import(s, org.opd_id, pv, "operator", progress=boom, valid_only=True)
    assert calls and _employees(db) == before


def test_rejected_rows_as_xlsx_and_csv_keep_every_column(db, org, simpeg, tmp_path):
    with db.session() as s:
        pv = preview_file(s, org.opd_id, simpeg)
    assert export_rejected_rows(pv, tmp_path / "tolak.xlsx") == 2
    ws = openpyxl.load_workbook(tmp_path / "tolak.xlsx").active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["Baris", "NIP", "Nama", "Jenis", "Unit", "PIN", "Jabatan", "Golongan", "Kelas jabatan",
                       "TPP dasar", "NIP atasan", "Kesalahan"]
    assert rows[1][:3] == [4, "198502302010031001", "Nama Salah"] and "tanggal lahir" in rows[1][-1]
    assert rows[2][10] == "198502302010031001"
    assert export_rejected_rows(pv, tmp_path / "tolak.csv") == 2
    text = (tmp_path / "tolak.csv").read_text(encoding="utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[0] == rows[0]


def test_preview_dialog_shows_every_column_and_imports_valid_rows(qtbot, db, org, simpeg, tmp_path):
    view = EmployeesView(make_context(db, "operator"))
    qtbot.addWidget(view)
    dlg = view.open_preview(simpeg)
    qtbot.addWidget(dlg)
    headers = [dlg.model.headerData(c, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal)
               for c in range(dlg.model.columnCount())]
    assert headers == ["Baris", "Aksi", "NIP / NI PPPK", "Nama", "Jenis", "Unit kerja", "Jabatan", "Golongan", "Kelas",
                       "TPP dasar (Rp)", "Atasan langsung", "PIN mesin", "Kesalahan"]
    assert dlg.model.index(0, 9).data() == "7.500.000"
    assert dlg.model.index(1, 10).data() == "197901012005011002 — Rudi Hartono"
    assert dlg.model.index(2, 1).data() == "Ditolak"
    assert dlg.import_button.text() == "Impor 2 baris valid saja" and dlg.import_button.isEnabled()
    assert dlg.save_rejected(tmp_path / "bermasalah.xlsx") == 2
    dlg.resize(1180, 600)
    dlg.show()
    dlg.grab().save(str(tmp_path / "impor_simpeg.png"))
    before = _employees(db)
    dlg.import_button.click()
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=20000)
    assert _employees(db) == before + 2
