"""Operations report what they changed (typed Changes); screens refresh from that."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from desktop.ops import OperationRunner
from desktop.views.reconcile import ReconcileView
from desktop.views.reports import ReportsView
from services.changes import NOTHING, Changes, changes_of
from services.devices.sync import SyncResult
from services.reconcile.engine import RecomputeResult
from tests.gui_helpers import make_context


def test_changes_combine_and_come_from_results() -> None:
    both = Changes(punches=True) | Changes(records=True)
    assert both.punches and both.records and not both.letters and both.names() == ["punches", "records"]
    assert not NOTHING and bool(both)
    assert changes_of(RecomputeResult(2026, 10)).records
    pulled = changes_of([SyncResult(1, "A", new=0), SyncResult(2, "B", new=3)])
    assert pulled.punches and pulled.devices
    assert changes_of(None) == NOTHING and changes_of("teks") == NOTHING


def _recompute_job(**_job: object) -> RecomputeResult:
    return RecomputeResult(2026, 10, employees=1, days=1, written=1)


def test_runner_broadcasts_what_the_result_changed(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(db, "operator")
    seen: list[Changes] = []
    ctx.events.changed.connect(seen.append)
    op = ctx.runner.start("Hitung ulang uji", _recompute_job)
    qtbot.waitUntil(lambda: not op.running, timeout=5000)
    assert seen == [Changes(records=True)]
    assert isinstance(ctx.runner, OperationRunner)


def test_locking_in_reconcile_refreshes_the_report_screen(qtbot, db, org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(db, "kepala")
    recon = ReconcileView(ctx)
    reports = ReportsView(ctx)
    qtbot.addWidget(recon)
    qtbot.addWidget(reports)
    year, month = 2026, 10
    recon.period.year.setValue(year)
    recon.period.month.setCurrentIndex(month - 1)
    reports.year.setValue(year)
    reports.month.setCurrentIndex(month - 1)
    assert "dikunci dulu" in reports.gen_status.text()  # open month: the report cannot be made yet
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    recon._toggle_lock()
    # no manual refresh: the Changes(periods=...) event alone updated the report screen
    assert reports.gen_button.isEnabled() and "Belum ada laporan" in reports.gen_status.text()
