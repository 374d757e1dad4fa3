"""A new letter shows what it overrides before it is saved (before -> after per day), and the preview
is what the engine then records: punches, time corrections and older letters are overridden, a status
correction, a holiday and a letter with a later date are not."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt

from desktop.views.letters import LetterDialog
from services.auth.users import CurrentUser
from services.calendar.holidays import seed_holidays
from services.calendar.schedules import seed_standard_schedules
from services.letters.preview import RecordedDay, letter_preview, preview_days
from services.letters.register import create_letter
from services.policy.model import load_policy
from services.reconcile.corrections import add_correction
from services.reconcile.engine import recompute
from tests.gui_helpers import make_context
from tests.reconcile_helpers import d, punches, record

POLICY = load_policy("kotawaringin_timur")
TODAY = dt.date(2026, 3, 31)
OPERATOR = CurrentUser(id=2, username="operator", full_name="Operator", roles=frozenset({"operator"}))


@pytest.fixture
def month(db, org):
    """Jan 2026: employee 0 punched Mon 26 and Tue 27; Wed 28 a time correction only; Thu 29 a status correction."""
    e = org.employee_ids[0]
    with db.transaction() as s:
        seed_standard_schedules(s)
        seed_holidays(s, [2026])
        punches(s, e, "2026-01-26 07:20:00", "2026-01-26 16:05:00", "2026-01-27 07:25:00", "2026-01-27 16:10:00")
        recompute(s, 2026, 1, POLICY, today=TODAY)
        add_correction(s, OPERATOR, e, d("2026-01-28"), "check_in", "07:30", "lupa absen, saksi kasubag",
                       policy=POLICY, today=TODAY)
        add_correction(s, OPERATOR, e, d("2026-01-29"), "status", "DL", "tugas luar kota lisan", policy=POLICY,
                       today=TODAY)
    return org


def test_preview_lists_what_the_letter_overrides_and_the_engine_agrees(db, month):
    e = month.employee_ids[0]
    with db.session() as s:
        rows = letter_preview(s, "CT", d("2026-01-20"), [e], d("2026-01-26"), d("2026-02-01"))
    by_day = {r.date.isoformat(): r for r in rows}
    assert set(by_day) == {"2026-01-26", "2026-01-27", "2026-01-28", "2026-01-29", "2026-01-30"}  # 31/1 is Saturday
    mon = by_day["2026-01-26"]
    assert (mon.before, mon.after, mon.changes) == ("H", "CT", True)
    assert mon.overrides == "presensi 07.20–16.05 (sidik jari/mobile) tidak dihitung lagi"
    assert by_day["2026-01-28"].overrides == "presensi 07.30–- (hasil koreksi operator) tidak dihitung lagi"
    thu = by_day["2026-01-29"]
    assert (thu.before, thu.after, thu.changes) == ("DL", "DL", False)
    assert "koreksi status operator (DL) tetap berlaku" == thu.overrides
    fri = by_day["2026-01-30"]
    assert (fri.before, fri.after, fri.overrides) == ("TK", "CT", "")

    with db.transaction() as s:
        create_letter(s, "operator", "CT", "800/CT/1/2026", d("2026-01-20"), d("2026-01-26"), d("2026-02-01"), [e],
                      policy=POLICY, today=TODAY)
    with db.session() as s:
        for day, r in by_day.items():
            assert record(s, e, day).status == r.after, day  # the preview said what the engine then did
        assert record(s, e, "2026-01-31").status == "LIBUR"
        # a second, older-dated letter over the same days would not win; a newer one replaces the first
        older = letter_preview(s, "DL", d("2026-01-10"), [e], d("2026-01-26"), d("2026-01-26"))
        newer = letter_preview(s, "DL", d("2026-01-25"), [e], d("2026-01-26"), d("2026-01-26"))
    assert [(o.after, o.changes) for o in older] == [("CT", False)]
    assert "bertanggal lebih baru tetap berlaku" in older[0].overrides
    assert [(o.before, o.after, o.overrides) for o in newer] == [("CT", "DL", "menggantikan surat 800/CT/1/2026")]
    with db.transaction() as s:
        create_letter(s, "operator", "DL", "094/ST/2/2026", d("2026-01-25"), d("2026-01-26"), d("2026-01-26"), [e],
                      policy=POLICY, today=TODAY)
    with db.session() as s:
        assert record(s, e, "2026-01-26").status == "DL"


def test_preview_days_is_pure_and_skips_days_off():
    day = dt.date(2026, 1, 26)
    off = RecordedDay(1, "A", day, "LIBUR", False)
    same = RecordedDay(1, "A", day + dt.timedelta(days=1), "CT", True)
    absent = RecordedDay(1, "A", day + dt.timedelta(days=2), "TK", True)
    assert [(o.date, o.before, o.after) for o in preview_days("CT", day, [off, same, absent])] == [
        (absent.date, "TK", "CT")]
    with pytest.raises(ValueError):
        preview_days("XX", day, [])


def test_letter_dialog_shows_the_preview_before_saving(qtbot, db, month, tmp_path):
    e = month.employee_ids[0]
    ctx = make_context(db, "operator")
    dlg = LetterDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.kind.setCurrentIndex(dlg.kind.findData("S"))
    dlg.number.setText("445/SKD/7/2026")
    dlg.letter_date.setDate(QDate(2026, 1, 26))
    dlg.date_from.setDate(QDate(2026, 1, 26))
    dlg.date_to.setDate(QDate(2026, 1, 27))
    assert dlg.preview_model.rowCount() == 0
    dlg.set_checked([e])
    assert dlg.preview_model.rowCount() == 2
    assert dlg.preview_model.index(0, 2).data() == "Hadir"
    assert dlg.preview_model.index(0, 3).data().startswith("Sakit")
    assert "tidak dihitung lagi" in dlg.preview_model.index(0, 4).data()
    assert dlg.preview_label.text().startswith("2 hari berubah status, 2 di antaranya menimpa presensi")
    dlg.show()
    dlg.grab().save(str(tmp_path / "surat_pratinjau.png"))
    assert dlg.width() <= 1366
    dlg.date_to.setDate(QDate(2026, 1, 26))  # the preview follows the form
    assert dlg.preview_model.rowCount() == 1
    dlg._save()
    assert dlg.result() == dlg.DialogCode.Accepted
    with db.session() as s:
        assert record(s, e, "2026-01-26").status == "S"
    item = next(dlg.employees.item(i) for i in range(dlg.employees.count())
                if dlg.employees.item(i).data(Qt.ItemDataRole.UserRole) == e)
    assert item.checkState() == Qt.CheckState.Checked
