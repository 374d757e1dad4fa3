"""The main window never grows past its screen, whatever size a screen asks for (offscreen 1366×768)."""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea

import desktop.main_window as mw
from desktop.main_window import MainWindow
from desktop.screen_fit import fit_to_screen
from tests.gui_helpers import make_context


def _inside_screen(win: MainWindow) -> bool:
    return win.screen().availableGeometry().contains(win.frameGeometry())


def test_a_huge_screen_scrolls_instead_of_growing_the_window(qtbot, db, org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(mw, "SCREENS", [*mw.SCREENS, ("lebar", "Layar lebar", "tests.wide_view", "WideView")])
    win = MainWindow(make_context(db, "admin"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.screen().availableGeometry().size().toTuple() == (1366, 768)
    qtbot.waitUntil(lambda: _inside_screen(win), timeout=2000)
    assert win.frameGeometry().width() >= 1300  # it uses the laptop's screen
    win.nav.setCurrentRow(len(mw.SCREENS) - 1)
    qtbot.wait(50)
    assert type(win.current_view()).__name__ == "WideView"
    assert _inside_screen(win), win.frameGeometry()
    area = win.stack.currentWidget()
    assert isinstance(area, QScrollArea)
    assert area.horizontalScrollBar().maximum() > 0 and area.verticalScrollBar().maximum() > 0
    # a program (or the user) asking for more is brought back inside the screen
    win.resize(1900, 1100)
    win.move(300, 200)
    qtbot.waitUntil(lambda: _inside_screen(win), timeout=2000)
    assert not fit_to_screen(win)  # nothing left to fix
    win.close()
