"""TPP & Disiplin screen: month table, discipline tab, notice dialog -> numbered PDF, background Excel export."""

from __future__ import annotations

import datetime as dt
import os

from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from desktop.views.tpp import TppView
from services.store.models import AuditEvent, DayRecord, Employee, NoticeNumber
from tests.gui_helpers import make_context

D = dt.date


def _seed(db, org) -> int:  # type: ignore[no-untyped-def]
    emp_id = org.employee_ids[4]
    with db.transaction() as s:
        s.get(Employee, emp_id).tpp_base = 3_000_000
        for i in range(5):  # Mon 2 .. Fri 6 March 2026 TK
            s.add(DayRecord(employee_id=emp_id, date=D(2026, 3, 2) + dt.timedelta(days=i), status="TK", working_day=True))
        s.add(DayRecord(employee_id=org.employee_ids[2], date=D(2026, 3, 9), status="H", working_day=True, tl_tier=2,
                        late_minutes=40, apel=False))
    return emp_id


def _view(qtbot, db):  # type: ignore[no-untyped-def]
    ctx = make_context(db, "operator")
    view = TppView(ctx)
    qtbot.addWidget(view)
    view.resize(1400, 760)
    view.year.setValue(2026)
    view.month.setCurrentIndex(2)
    view.d_year.setValue(2026)
    view.refresh()
    _wait_discipline(qtbot, view)
    return view, ctx


def _wait_discipline(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    """The year summary is computed by a background operation; wait until the view shows its result."""
    qtbot.waitUntil(lambda: not view.d_info.text().startswith("Menghitung"), timeout=20000)


def test_tpp_and_discipline_tabs(qtbot, db, org, tmp_path) -> None:
    emp_id = _seed(db, org)
    view, ctx = _view(qtbot, db)
    assert view.tpp_model.rowCount() == 12
    r = next(i for i, x in enumerate(view.tpp_model.rows()) if x.employee_id == emp_id)
    cells = [view.tpp_model.index(r, c).data() for c in range(view.tpp_model.columnCount())]
    # 5 x 4 % of the whole TPP 3.000.000 (Kotawaringin Timur: percent of TPP) = 600.000
    assert "20,00" in cells and "600.000" in cells and "2.400.000" in cells
    assert "seluruh TPP" in view.policy_label.text() and "asumsi" in view.policy_label.text()
    view.tpp_table.selectRow(r)  # the arithmetic under the table, line by line
    detail = view.tpp_detail.toPlainText()
    assert "TK" in detail and "5 × 4 % = 20 % × Rp 3.000.000" in detail and "Rp 600.000" in detail
    assert "Diterima = Rp 3.000.000 − Rp 600.000" in detail and "Rp 2.400.000" in detail
    tip = view.tpp_model.index(r, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert "TK 5 × 4 % = Rp 600.000" in tip
    view.show()
    view.grab().save(str(tmp_path / "tpp.png"))
    if os.environ.get("TPP_PNG_DIR"):
        view.grab().save(os.path.join(os.environ["TPP_PNG_DIR"], "tpp_month.png"))
    view.tabs.setCurrentIndex(1)
    assert view.d_model.rowCount() == 1  # only the one employee who reached a tier
    assert view.select_employee(emp_id)
    assert view.notice_button.isEnabled()
    assert "Surat Panggilan I" in view.detail.toPlainText()
    if os.environ.get("TPP_PNG_DIR"):
        view.grab().save(os.path.join(os.environ["TPP_PNG_DIR"], "tpp_discipline.png"))


def test_notice_dialog_creates_numbered_pdf(qtbot, db, org, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _title, text: shown.append(text))
    emp_id = _seed(db, org)
    view, ctx = _view(qtbot, db)
    view.tabs.setCurrentIndex(1)
    view.select_employee(emp_id)
    dlg = view.create_notice()
    assert dlg is not None and dlg.kind.currentData() == "SP1"
    with db.session() as s:  # the examiner is the atasan langsung (Kepala Seksi), then the chain above
        kasi = s.get(Employee, s.get(Employee, emp_id).supervisor_id)
        assert dlg.examiner.count() == 3 and dlg.examiner.currentData() == kasi.id
        assert f"Pemeriksa: {kasi.name}" in dlg.examiner_note.text()
    dlg.letter_date.setDate(QDate(2026, 3, 9))
    dlg.exam_date.setDate(QDate(2026, 3, 30))  # too late: more than 7 working days
    dlg.create_notice()
    assert "paling lambat" in dlg.error.text() and dlg.isVisible()
    assert len(shown) == 1 and "paling lambat" in shown[0]  # through present_refusal
    if os.environ.get("TPP_PNG_DIR"):
        dlg.grab().save(os.path.join(os.environ["TPP_PNG_DIR"], "tpp_dialog.png"))
    dlg.exam_date.setDate(QDate(2026, 3, 12))
    dlg.paper.setCurrentText("F4")
    dlg.create_notice()
    assert dlg.result_notice is not None
    assert dlg.result_notice.number == "800.1.6.4/001/SP-I/DISKOMINFO/2026"
    assert dlg.result_notice.pdf_path.exists()
    qtbot.waitUntil(lambda: view.created_box is not None, timeout=30000)
    view.created_box.close()  # type: ignore[union-attr]
    with db.session() as s:
        n = s.execute(select(NoticeNumber)).scalar_one()
        assert n.username == "operator"
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "notice.create")).scalar_one().username == "operator"
    # the register tab and the next step follow the new notice (the year summary reloads in the background)
    assert view.n_model.rowCount() == 1
    _wait_discipline(qtbot, view)
    if os.environ.get("TPP_PNG_DIR"):
        view.tabs.setCurrentIndex(2)
        view.grab().save(os.path.join(os.environ["TPP_PNG_DIR"], "tpp_notices.png"))
    view.select_employee(emp_id)
    assert "Berita Acara Pemeriksaan" in view.detail.toPlainText()


def test_excel_export_runs_in_background(qtbot, db, org, tmp_path) -> None:
    _seed(db, org)
    view, ctx = _view(qtbot, db)
    target = tmp_path / "tpp-maret.xlsx"
    op = view.export_tpp(target)
    with qtbot.waitSignal(op.done, timeout=20000):
        pass
    ctx.runner.wait_all()
    assert target.exists()
    assert load_workbook(target).active["A1"].value == "Rekapitulasi Potongan TPP Maret 2026"


def test_notice_dialog_refuses_without_atasan_and_names_where_to_set_it(qtbot, db, org, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _title, text: shown.append(text))
    emp_id = _seed(db, org)
    with db.transaction() as s:
        s.get(Employee, emp_id).supervisor_id = None
    view, ctx = _view(qtbot, db)
    view.tabs.setCurrentIndex(1)
    view.select_employee(emp_id)
    dlg = view.create_notice()
    assert dlg is not None and dlg.examiner.count() == 0 and not dlg.examiner.isEnabled()
    assert "layar Pegawai → Atasan langsung" in dlg.examiner_note.text()
    dlg.letter_date.setDate(QDate(2026, 3, 9))
    dlg.exam_date.setDate(QDate(2026, 3, 12))
    dlg.create_notice()
    assert dlg.result_notice is None and len(shown) == 1 and "tidak memiliki atasan langsung" in shown[0]
    with db.session() as s:
        assert s.execute(select(NoticeNumber)).first() is None
    dlg.close()


def test_discipline_detail_words_the_sedang_substitute_as_a_proposal(qtbot, db, org) -> None:
    emp_id = org.employee_ids[6]
    with db.transaction() as s:
        for week in range(12):  # 12 Mondays TK, each followed by a present Tuesday: 12 days, never a run of 10
            monday = D(2026, 1, 5) + dt.timedelta(weeks=week)
            s.add(DayRecord(employee_id=emp_id, date=monday, status="TK", working_day=True))
            s.add(DayRecord(employee_id=emp_id, date=monday + dt.timedelta(days=1), status="H", working_day=True))
    view, _ctx = _view(qtbot, db)
    view.tabs.setCurrentIndex(1)
    assert view.select_employee(emp_id)
    text = view.detail.toPlainText()
    assert "usul kepada PPK: penundaan kenaikan gaji berkala selama 1 tahun" in text
    assert "pengganti pemotongan tunjangan kinerja 25% selama 6 bulan" in text and "Pasal 42 PP 94/2021" in text
    assert "belum dikonfirmasi sumber publik" in text
