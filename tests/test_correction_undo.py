"""A correction is undone by a reversing correction with a reason: audited, never deleted; undoing a
second fix brings the first back; the cell's history in the dialog lists them all."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from desktop.views.reconcile_dialogs import CorrectionDialog
from services.auth.users import CurrentUser
from services.calendar.holidays import seed_holidays
from services.calendar.schedules import seed_standard_schedules
from services.policy.model import load_policy
from services.reconcile.corrections import CorrectionError, add_correction, undo_correction
from services.reconcile.engine import recompute
from services.store.models import AuditEvent, Correction
from tests.gui_helpers import make_context
from tests.reconcile_helpers import d, record

POLICY = load_policy("kotawaringin_timur")
TODAY = dt.date(2026, 3, 31)
OP = CurrentUser(id=2, username="operator", full_name="Operator", roles=frozenset({"operator"}))
DAY = d("2026-01-27")


@pytest.fixture
def month(db, org):
    with db.transaction() as s:
        seed_standard_schedules(s)
        seed_holidays(s, [2026])
        recompute(s, 2026, 1, POLICY, today=TODAY)
    return org


def test_undo_is_a_reversing_correction(db, month) -> None:  # type: ignore[no-untyped-def]
    e = month.employee_ids[0]
    with db.transaction() as s:
        assert record(s, e, "2026-01-27").status == "TK"
        first = add_correction(s, OP, e, DAY, "status", "DL", "tugas luar, surat menyusul", policy=POLICY, today=TODAY)
        second = add_correction(s, OP, e, DAY, "status", "S", "ternyata sakit", policy=POLICY, today=TODAY)
        first_id, second_id = first.id, second.id
    with db.transaction() as s:
        undo = undo_correction(s, OP, second_id, "salah pilih, yang benar DL", policy=POLICY, today=TODAY)
        assert (undo.value, undo.active) == ("DL", True)  # the first fix is back
        assert record(s, e, "2026-01-27").status == "DL"
    with db.transaction() as s:
        current = s.execute(select(Correction).where(Correction.active.is_(True))).scalar_one()
        undo2 = undo_correction(s, OP, current.id, "surat tugas tidak ada", policy=POLICY, today=TODAY)
        assert (undo2.value, undo2.active) == ("", False)  # the first fix was already undone: computed again
        assert record(s, e, "2026-01-27").status == "TK"
    with db.session() as s:
        assert s.execute(select(func.count(Correction.id))).scalar() == 4  # nothing deleted
        undos = list(s.execute(select(AuditEvent).where(AuditEvent.action == "correction.undo")).scalars())
        assert len(undos) == 2 and f'"correction_id": {second_id}' in undos[0].detail
        assert s.get(Correction, first_id).active is False
    with db.transaction() as s, pytest.raises(CorrectionError, match="tidak berlaku"):
        undo_correction(s, OP, second_id, "dua kali dibatalkan", policy=POLICY, today=TODAY)
    with db.transaction() as s, pytest.raises(CorrectionError, match="Alasan"):
        undo_correction(s, OP, first_id, "", policy=POLICY, today=TODAY)


def test_history_and_undo_in_the_dialog(qtbot, db, month) -> None:  # type: ignore[no-untyped-def]
    e = month.employee_ids[1]
    with db.transaction() as s:
        add_correction(s, OP, e, DAY, "check_in", "07:40", "mesin mati pagi itu", policy=POLICY, today=TODAY)
    ctx = make_context(db, "operator")
    dlg = CorrectionDialog(ctx, e, DAY)
    qtbot.addWidget(dlg)
    assert dlg.history_model.rowCount() == 1 and dlg.history_model.index(0, 3).data() == "07.40"
    assert dlg.history.isSortingEnabled()
    dlg.history.selectRow(0)
    assert dlg._undo_selected("jam masuk salah diketik")
    with db.session() as s:
        assert not record(s, e, "2026-01-27").corrected
    again = CorrectionDialog(ctx, e, DAY)
    qtbot.addWidget(again)
    texts = [again.history_model.index(r, 3).data() for r in range(again.history_model.rowCount())]
    assert texts == ["kembali ke hasil perhitungan", "07.40"]  # newest first
    assert again.history_model.index(0, 5).data().startswith("Membatalkan koreksi #")


def test_the_dialog_gives_the_typed_time_as_stored_text(qtbot, db, month) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTime

    dlg = CorrectionDialog(make_context(db, "operator"), month.employee_ids[1], DAY)
    qtbot.addWidget(dlg)
    dlg.field.setCurrentIndex(dlg.field.findData("check_out"))
    dlg.time.setTime(QTime(16, 5))
    assert dlg.value() == "16:05"  # shown as 16.05, stored HH:MM
    dlg.field.setCurrentIndex(dlg.field.findData("status"))
    assert dlg.value() == str(dlg.status.currentData())
