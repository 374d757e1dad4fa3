"""Rekonsiliasi screen with demo data: grid renders, recompute runs in the background, lock toggles."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from desktop.views.reconcile import ReconcileView
from services.calendar.seed import seed_calendar
from services.changes import Changes
from services.demo.month import seed_demo_month
from services.reconcile.period import is_locked
from tests.gui_helpers import make_context


def _demo(db, org):
    with db.transaction() as s:
        seed_calendar(s, [2026], roster_unit_id=org.unit_ids[2])
        seed_demo_month(s, org.opd_id, 2026, 1, today=dt.date(2026, 2, 10))


def test_grid_shows_month_and_exceptions(qtbot, db, org, tmp_path):
    _demo(db, org)
    ctx = make_context(db, "kepala")
    view = ReconcileView(ctx)
    qtbot.addWidget(view)
    view.resize(1500, 850)
    view.period.set_value(2026, 1)
    assert view.model.rowCount() == 12
    assert view.model.columnCount() == 31 + 7  # names are row headers, so they stay put when scrolling sideways
    assert view.model.headerData(0, Qt.Orientation.Vertical) == view.model.row_at(0).name
    labels = {view.model.index(r, c).data() for r in range(12) for c in range(31)}
    assert {"H", "L"} <= labels
    assert view.exc_model.rowCount() > 0
    view.show()
    view.grab().save(str(tmp_path / "rekonsiliasi.png"))

    # filter by unit narrows the rows
    view.unit.setCurrentIndex(1)
    assert 0 < view.model.rowCount() < 12

    # recompute through the runner (progress strip, no frozen UI)
    op = view.start_recompute()
    with qtbot.waitSignal(op.done, timeout=20000):
        pass

    # the signer locks the period; recompute is then disabled
    view._locked = False
    from services.reconcile.period import lock_period
    with db.transaction() as s:
        lock_period(s, org.opd_id, 2026, 1, ctx.user, override_reason="Uji: TK bulan ini sudah diketahui")
    ctx.notify(Changes(periods=True))
    assert not view.recompute_btn.isEnabled()
    assert view.lock_btn.text().startswith("Buka")
    with db.session() as s:
        assert is_locked(s, org.opd_id, 2026, 1)


def test_correction_dialog_requires_reason_and_fixes_day(qtbot, db, org, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desktop.views.reconcile_dialogs import CorrectionDialog
    from services.store.models import DayRecord

    _demo(db, org)
    with db.session() as s:
        rec = s.query(DayRecord).filter(DayRecord.status == "TK").first()
        emp, day = rec.employee_id, rec.date
    ctx = make_context(db, "operator")
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    dlg = CorrectionDialog(ctx, emp, day)
    qtbot.addWidget(dlg)
    assert dlg.status.currentData() == "H"  # a TK day proposes "Hadir"
    dlg.field.setCurrentIndex(dlg.field.findData("status"))
    dlg.status.setCurrentIndex(dlg.status.findData("DL"))
    dlg._save()
    assert warnings and "Alasan" in warnings[0]
    dlg.reason.setPlainText("Surat tugas ke BKPSDM provinsi menyusul")
    dlg._save()
    with db.session() as s:
        rec = s.get(DayRecord, (emp, day))
        assert (rec.status, rec.corrected) == ("DL", True)
