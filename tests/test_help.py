"""The in-app guide: one Indonesian page per screen, F1 opens the page of the screen in front."""

from __future__ import annotations

import re
from importlib import resources

from PySide6.QtCore import Qt

from desktop.help import HelpDialog, page_text, pages
from desktop.main_window import MainWindow
from desktop.views import SCREENS
from tests.gui_helpers import make_context
from tests.shots import shots_dir


def test_every_screen_has_its_own_page_and_every_link_resolves() -> None:
    folder = resources.files("desktop.guide")
    keys = {k for k, _t in pages()}
    for key, title, _m, _c in SCREENS:
        assert (folder / f"{key}.md").is_file(), f"tidak ada halaman panduan untuk {key}"
        assert page_text(key).splitlines()[0].lstrip("# ").startswith(title), key
    for key in keys:
        for target in re.findall(r"\]\(([^)]+)\)", page_text(key)):
            assert target.removesuffix(".md") in keys, f"{key}: tautan {target} tidak ada"
    routine = page_text("index")
    for step in ("Tarik data mesin", "Impor mobile", "Rekonsiliasi", "Surat", "Verifikasi swafoto", "TPP", "Kunci",
                 "Laporan", "Tanda tangan", "Kirim"):
        assert f"**{step}**" in routine, step
    assert "paling\nlambat tanggal 10" in routine or "paling lambat tanggal 10" in routine


def test_f1_opens_the_page_of_the_current_screen(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(make_context(db, "admin"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    for row, (key, title, _m, _c) in enumerate(SCREENS):
        win.nav.setCurrentRow(row)
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow)  # F1 is a shortcut of the main window: pressed where the user works
        qtbot.keyClick(win.nav, Qt.Key.Key_F1)
        dialog = win._help_dialog
        assert isinstance(dialog, HelpDialog) and dialog.isVisible()
        assert dialog.current_page == key
        assert dialog.page_title().startswith(title), (key, dialog.page_title())
        assert dialog.contents.currentItem().text() == title
        assert title.split()[0] in dialog.browser.toPlainText()
        if key == "rekonsiliasi":
            dialog.grab().save(str(shots_dir() / "help_rekonsiliasi.png"))
        dialog.close()
    # links inside a page open the linked page
    dialog.show()
    dialog.open_page("index")
    dialog._follow(__import__("PySide6.QtCore", fromlist=["QUrl"]).QUrl("laporan.md"))
    assert dialog.current_page == "laporan" and "tanggal 10" in dialog.browser.toPlainText()
    dialog.close()
    win.close()
