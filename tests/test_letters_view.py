"""Letters and calendar screens render with demo data; the letter dialog saves through the service."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt

from desktop.views.calendar import CalendarView
from desktop.views.letters import LetterDialog, LettersView
from services.calendar.seed import seed_calendar
from services.demo.month import seed_demo_month
from services.letters.register import list_letters
from tests.gui_helpers import make_context


def test_letters_screen_and_dialog(qtbot, db, org, tmp_path):
    with db.transaction() as s:
        seed_calendar(s, [2026], roster_unit_id=org.unit_ids[2])
        seed_demo_month(s, org.opd_id, 2026, 1, today=dt.date(2026, 2, 10))
    ctx = make_context(db, "operator")
    view = LettersView(ctx)
    qtbot.addWidget(view)
    view.period.set_value(2026, 1)
    n = view.model.rowCount()
    assert n >= 5
    assert "Lampiran belum ada" in view.model.index(0, 8).data()
    view.resize(1300, 700)
    view.grab().save(str(tmp_path / "surat.png"))
    assert view.add_btn.objectName() == "primary"

    # the search box narrows the register to one letter number, and clearing it brings all back
    number = view.model.row(0).number
    view.search.setText(number)
    assert [view.model.row(r).number for r in range(view.model.rowCount())] == [number]
    view.search.clear()
    assert view.model.rowCount() == n

    scan = tmp_path / "st.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 32)
    dlg = LetterDialog(ctx, None, view)
    qtbot.addWidget(dlg)
    dlg.kind.setCurrentIndex(dlg.kind.findData("DL"))
    dlg.number.setText("094/ST/099/2026")
    for w in (dlg.letter_date, dlg.date_from, dlg.date_to):
        w.setDate(QDate(2026, 1, 28))
    assert dlg.chosen.text().startswith("Belum ada pegawai")
    dlg.employees.item(0).setCheckState(Qt.CheckState.Checked)
    assert dlg.chosen.text() == "1 pegawai dipilih"
    dlg.attachment = scan
    dlg._save()
    assert dlg.result() == dlg.DialogCode.Accepted
    assert view.model.rowCount() == n + 1
    with db.session() as s:
        row = next(r for r in list_letters(s) if r.number == "094/ST/099/2026")
    assert row.attachment_path and "lampiran_hilang" not in row.flags


def test_calendar_screen(qtbot, db, org, tmp_path):
    with db.transaction() as s:
        seed_calendar(s, [2026], roster_unit_id=org.unit_ids[2])
    ctx = make_context(db, "operator")
    view = CalendarView(ctx)
    qtbot.addWidget(view)
    view.year.setValue(2026)
    kinds = [view.hol_model.row(i).kind for i in range(view.hol_model.rowCount())]
    assert sum(k in ("nasional", "cuti_bersama") for k in kinds) == 25  # days off of SKB 2026
    assert kinds.count("ramadan") == 30 and kinds.count("upacara") >= 2  # calendar days that are not days off
    assert view.sch_model.rowCount() == 4 and view.asg_model.rowCount() == 2
    view.roster_period.set_value(2026, 1)
    assert view.roster_model.rowCount() == 4  # the shift unit is listed first
    assert view.roster_model.columnCount() == 32
    assert {view.roster_model.index(0, c).data() for c in range(1, 32)} <= {"P", "S", "M", "L"}
    assert view.roster_hint.text() == ""  # a shift unit: no "not on a roster" hint
    view.roster_unit.setCurrentIndex(1)
    assert "bukan shift" in view.roster_hint.text()
    view.roster_unit.setCurrentIndex(0)
    view.tabs.setCurrentIndex(2)
    view.resize(1300, 700)
    view.grab().save(str(tmp_path / "jadwal.png"))
