"""Every screen fits a 1366×768 office laptop (the smallest screen staff use).

The screen area left for a view is 1366 px minus the 210 px navigation, and 768 px minus
about 100 px of window chrome (title bar, menu, status bar, taskbar). A view whose minimum
size is larger forces the window past the screen edge and the bottom buttons disappear.

With PRESENSI_WRITE_SCREENSHOTS=1 the test also renders the README screenshots
(docs/screenshots/*.png) from a realistic demo (40 employees, two months); CI leaves them alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow
from desktop.views import SCREENS
from services.clock import FrozenClock
from services.demo.build import build_demo
from services.store.db import Database, open_database
from tests.frozen import FROZEN_NOW
from tests.gui_helpers import make_context

SCREEN_W, SCREEN_H = 1366, 768
NAV_W, CHROME_H = 210, 100
WRITE = os.environ.get("PRESENSI_WRITE_SCREENSHOTS") == "1"
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

# screen key -> README file name (the screens of the dashboard/devices/mobile/selfie/TPP/report/settings area)
SCREEN_FILES = {
    "dasbor": "dashboard.png",
    "pegawai": "pegawai.png",
    "perangkat": "perangkat.png",
    "mobile": "mobile.png",
    "swafoto": "swafoto.png",
    "tpp": "tpp.png",
    "laporan": "laporan.png",
    "pengaturan": "pengaturan.png",
}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    # a small demo keeps the test quick; the README shots need the realistic one
    n_employees, n_months = (40, 2) if WRITE else (12, 1)
    clock = FrozenClock(FROZEN_NOW)
    res = build_demo(tmp_path_factory.mktemp("fit") / "presensi.sqlite", n_employees, n_months, clock=clock,
                     with_central=False)
    db = open_database(res.db_path, clock=clock)
    yield db
    db.dispose()


def _settle(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(20)  # refresh() is queued with singleShot(0)
    qtbot.waitUntil(lambda: not win.ctx.runner.active(), timeout=30000)  # e.g. the discipline year summary
    for _ in range(3):  # pending layout requests of labels whose text just changed
        QApplication.processEvents()


@pytest.mark.parametrize("user", ["admin", "operator"])
def test_every_screen_fits_a_1366x768_laptop(qtbot, demo_db: Database, user: str) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(make_context(demo_db, user))
    qtbot.addWidget(win)
    win.resize(SCREEN_W, SCREEN_H)
    win.show()
    qtbot.waitExposed(win)
    room_w, room_h = SCREEN_W - NAV_W, SCREEN_H - CHROME_H
    too_big: list[str] = []
    for key, filename in SCREEN_FILES.items():
        row = next(i for i, s in enumerate(SCREENS) if s[0] == key)
        win.nav.setCurrentRow(row)
        view = win.view(key)
        assert type(view).__name__ == SCREENS[row][3], f"{key}: screen failed to open"
        _settle(qtbot, win)
        hint = view.minimumSizeHint()
        if hint.width() > room_w or hint.height() > room_h:
            too_big.append(f"{key}: perlu {hint.width()}×{hint.height()}, tersedia {room_w}×{room_h}")
        if WRITE and user == "admin":
            SHOTS.mkdir(parents=True, exist_ok=True)
            win.grab().save(str(SHOTS / filename))
    assert not too_big, "Layar tidak muat di laptop 1366×768:\n" + "\n".join(too_big)
    # and the window itself never grew past the laptop screen while visiting them
    assert win.width() <= SCREEN_W and win.height() <= SCREEN_H, (win.width(), win.height())
