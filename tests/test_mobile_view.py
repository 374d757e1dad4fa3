"""The "Impor Mobile" screen: mapping step, background import with progress, errors shown."""

from __future__ import annotations

from sqlalchemy import func, select

from desktop.views.mobile_import import NOT_USED, MobileImportView
from services.store.models import Employee, Punch, SelfieCheck
from tests.gui_helpers import make_context
from tests.mobile_fixtures import csv_text, row, synthetic_face, write_zip


def _nips(db):
    with db.session() as s:
        return [(e.nip, e.phones[0].phone_id) for e in s.execute(select(Employee).order_by(Employee.id)).scalars()]


def test_mapping_step_and_background_import(qtbot, db, org, tmp_path):
    staff = _nips(db)
    cols = ["Pegawai", "waktu", "lat", "lon", "id_hp", "foto"]
    rows = [{"Pegawai": staff[1][0], **row("", "2026-03-02 07:10:00", "a.jpg", phone=staff[1][1])},
            {"Pegawai": staff[2][0], **row("", "2026-03-02 07:12:00", "b.jpg", phone="HP-ASING")}]
    path = write_zip(tmp_path / "bundel.zip", {"presensi.csv": csv_text(rows, cols), "a.jpg": synthetic_face(100, 1),
                                               "b.jpg": synthetic_face(200, 1)})
    view = MobileImportView(make_context(db, "operator"))
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    assert view.load_bundle(path)
    assert view.combos["ts"].currentText() == "waktu" and view.combos["nip"].currentText() == NOT_USED
    assert not view.import_btn.isEnabled() and "NIP atau PIN" in view.mapping_status.text()
    view.combos["nip"].setCurrentText("Pegawai")  # the user maps the unrecognised column
    assert view.import_btn.isEnabled()
    assert view.preview.rowCount() == 2
    view.start_import()
    qtbot.waitUntil(lambda: view.op is None, timeout=30000)
    assert "2 rekaman baru" in view.result.toPlainText()
    assert "HP tidak terdaftar 1" in view.result.toPlainText()
    assert "Pemeriksaan swafoto: 2 foto diperiksa" in view.result.toPlainText()
    view.grab().save(str(tmp_path / "mobile_import.png"))
    with db.session() as s:
        assert s.execute(select(func.count(Punch.id))).scalar_one() == 2
        assert s.execute(select(func.count(SelfieCheck.id))).scalar_one() == 2
    assert view.history.rowCount() == 1


def test_bad_bundle_shows_clear_error(qtbot, db, org, tmp_path):
    staff = _nips(db)
    path = write_zip(tmp_path / "salah.zip", {"presensi.csv": csv_text([row(staff[1][0], "besok", "a.jpg")]),
                                              "a.jpg": synthetic_face(100, 1)})
    view = MobileImportView(make_context(db, "operator"))
    qtbot.addWidget(view)
    assert view.load_bundle(path)
    view.start_import()
    qtbot.waitUntil(lambda: view.op is None, timeout=30000)
    text = view.result.toPlainText()
    assert "presensi.csv baris 2, kolom 'waktu'" in text and "'besok' bukan tanggal-jam" in text
    with db.session() as s:
        assert s.execute(select(func.count(Punch.id))).scalar_one() == 0
    slip = write_zip(tmp_path / "slip.zip", {"presensi.csv": "nip\n1\n", "../x.jpg": b"x"})
    assert not view.load_bundle(slip)
    assert "zip-slip" in view.result.toPlainText() and not view.import_btn.isEnabled()
