"""Rekonsiliasi, Jadwal & Hari Libur and Surat fit a 1366x768 laptop beside the 210 px navigation.

A screen whose minimum width is larger than the space beside the navigation stretches the main
window past the laptop's screen (Rekonsiliasi once needed ~1500 px, the window ~1709 px).
With PRESENSI_WRITE_SCREENSHOTS=1 the screens are also saved to docs/screenshots/ for the manual.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.main_window import MainWindow
from desktop.views import SCREENS
from services.calendar.seed import seed_calendar
from services.demo.month import seed_demo_month
from services.demo.sample_org import create_sample_org
from tests.gui_helpers import make_context

SCREEN_W, SCREEN_H = 1366, 768
NAV_W = 210
# menu bar, status bar and the window frame take about this much of the laptop's height
CHROME_H = 100
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
MY_SCREENS = {"rekonsiliasi": "rekonsiliasi.png", "jadwal": "jadwal.png", "surat": "surat.png"}


@pytest.fixture
def demo_db(db):  # type: ignore[no-untyped-def]
    """A realistic office: 40 employees, a shift unit, holidays, a reconciled month with letters."""
    with db.transaction() as s:
        org = create_sample_org(s, n_employees=40)
    with db.transaction() as s:
        seed_calendar(s, [2026], roster_unit_id=org.unit_ids[2])
        seed_demo_month(s, org.opd_id, 2026, 1, today=dt.date(2026, 2, 10))
    return db


def _settle() -> None:
    for _ in range(3):  # pending layout requests (labels whose text just changed) first
        QApplication.processEvents()


def _open(qtbot, win: MainWindow, key: str) -> QWidget:  # type: ignore[no-untyped-def]
    win.nav.setCurrentRow(next(i for i, s in enumerate(SCREENS) if s[0] == key))
    view = win.view(key)
    assert type(view).__name__ != "UnavailableView", f"{key} failed to open"
    if hasattr(view, "period"):
        view.period.set_value(2026, 1)
    if hasattr(view, "roster_period"):
        view.roster_period.set_value(2026, 1)
    qtbot.wait(20)  # refresh() is queued with singleShot(0)
    _settle()
    return view


def test_screens_fit_a_1366x768_laptop(qtbot, demo_db):  # type: ignore[no-untyped-def]
    win = MainWindow(make_context(demo_db, "kepala"))
    qtbot.addWidget(win)
    win.resize(SCREEN_W, SCREEN_H)
    win.show()
    qtbot.waitExposed(win)
    for key in MY_SCREENS:
        view = _open(qtbot, win, key)
        hint = view.minimumSizeHint()
        assert hint.width() <= SCREEN_W - NAV_W, f"{key}: minimum width {hint.width()} px"
        assert hint.height() <= SCREEN_H - CHROME_H, f"{key}: minimum height {hint.height()} px"
    # the window itself was not pushed wider than the laptop by any of them
    assert win.minimumSizeHint().width() <= SCREEN_W, win.minimumSizeHint()
    assert SCREEN_W - 10 <= win.frameGeometry().width() <= SCREEN_W  # the laptop's width, frame included

    rec = _open(qtbot, win, "rekonsiliasi")
    assert rec.model.rowCount() == 40 and rec.model.n_days == 31
    # the names stay visible beside the day columns when the grid scrolls sideways
    rec.grid.horizontalScrollBar().setValue(rec.grid.horizontalScrollBar().maximum())
    assert rec.grid.verticalHeader().isVisible()
    assert rec.model.headerData(0, rec.grid.verticalHeader().orientation()) == rec.model.row_at(0).name
    assert rec.recompute_btn.objectName() == "primary"

    if os.environ.get("PRESENSI_WRITE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        for key, name in MY_SCREENS.items():
            view = _open(qtbot, win, key)
            if key == "rekonsiliasi":
                view.grid.horizontalScrollBar().setValue(0)
            _settle()
            assert win.grab().save(str(SHOTS / name))
        cal = win.view("jadwal")
        _open(qtbot, win, "jadwal")
        cal.tabs.setCurrentIndex(2)
        _settle()
        assert win.grab().save(str(SHOTS / "jadwal-roster.png"))
        _open(qtbot, win, "rekonsiliasi").tabs.setCurrentIndex(1)
        _settle()
        assert win.grab().save(str(SHOTS / "rekonsiliasi-perlu-ditinjau.png"))
    win.close()


def test_grid_filters_narrow_rows_and_queue(qtbot, demo_db):  # type: ignore[no-untyped-def]
    from desktop.views.reconcile import ReconcileView

    view = ReconcileView(make_context(demo_db, "operator"))
    qtbot.addWidget(view)
    view.period.set_value(2026, 1)
    total, queue = view.model.rowCount(), view.exc_model.rowCount()
    assert total == 40 and queue > 0
    assert view.tabs.tabText(1) == f"Perlu ditinjau ({queue})"

    view.only_problems.setChecked(True)
    flagged = view.model.rowCount()
    assert 0 < flagged < total
    for r in range(flagged):
        assert any(c is not None and c.exception for c in view.model.row_at(r).cells)

    view.only_problems.setChecked(False)
    nip = view.model.row_at(3).nip
    view.search.setText(nip)
    assert [view.model.row_at(r).nip for r in range(view.model.rowCount())] == [nip]
    assert all(view.exc_model.row(r).nip == nip for r in range(view.exc_model.rowCount()))
    view.search.clear()
    assert view.model.rowCount() == total and view.exc_model.rowCount() == queue


def test_enter_on_a_problem_day_opens_the_correction(qtbot, demo_db):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt, QTimer

    from desktop.views.reconcile import ReconcileView

    view = ReconcileView(make_context(demo_db, "operator"))
    qtbot.addWidget(view)
    view.period.set_value(2026, 1)
    view.show()
    r, c = next((r, c) for r in range(view.model.rowCount())
                for c, cell in enumerate(view.model.row_at(r).cells) if cell is not None and cell.label == "TK")
    seen: list[str] = []

    def close_modal(tries: int = 0) -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            if tries < 200:
                QTimer.singleShot(20, lambda: close_modal(tries + 1))
            return
        seen.append(type(dlg).__name__)
        dlg.reject()  # type: ignore[attr-defined]

    QTimer.singleShot(0, close_modal)
    view.grid.setCurrentIndex(view.model.index(r, c))
    qtbot.keyClick(view.grid, Qt.Key.Key_Return)
    assert seen == ["CorrectionDialog"]
