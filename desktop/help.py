"""The in-app user guide (Indonesian, for Umpeg staff): F1 opens the page of the current screen.

Pages are Markdown files shipped with the package (desktop/guide/<key>.md, one per screen key of
desktop/views/SCREENS, plus ``index`` with the monthly routine and ``pintasan``). Links between pages
(``[Rekonsiliasi](rekonsiliasi.md)``) open the linked page in the same window.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtWidgets import QDialog, QHBoxLayout, QListWidget, QListWidgetItem, QTextBrowser, QWidget

from desktop.screen_fit import fit_size
from desktop.views import SCREENS

INDEX = "index"
EXTRA_PAGES = [(INDEX, "Rutinitas bulanan"), ("pintasan", "Pintasan papan ketik")]


def pages() -> list[tuple[str, str]]:
    """(key, title) of every page, in the order of the contents list."""
    return EXTRA_PAGES[:1] + [(key, title) for key, title, _m, _c in SCREENS] + EXTRA_PAGES[1:]


def page_text(key: str) -> str:
    """The Markdown of page ``key`` (the monthly routine when the screen has no page of its own)."""
    folder = resources.files("desktop.guide")
    page = folder / f"{key}.md"
    if not page.is_file():
        page = folder / f"{INDEX}.md"
    return page.read_text(encoding="utf-8")


class HelpDialog(QDialog):
    """Contents on the left, the page on the right; non-modal so the user can follow it while working."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Panduan Presensi OPD")
        self.setModal(False)
        self.current_page = ""
        self.contents = QListWidget()
        self.contents.setMaximumWidth(220)
        for key, title in pages():
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.contents.addItem(item)
        self.contents.currentItemChanged.connect(
            lambda item, _prev: self.open_page(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._follow)
        lay = QHBoxLayout(self)
        lay.addWidget(self.contents)
        lay.addWidget(self.browser, 1)
        self.resize(fit_size(self, QSize(900, 640)))

    def open_page(self, key: str) -> None:
        if key == self.current_page:
            return
        self.current_page = key
        self.browser.setMarkdown(page_text(key))
        for row in range(self.contents.count()):
            item = self.contents.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == key and self.contents.currentRow() != row:
                self.contents.blockSignals(True)
                self.contents.setCurrentRow(row)
                self.contents.blockSignals(False)

    def _follow(self, url: QUrl) -> None:
        target = url.toString()
        if target.startswith(("http://", "https://")):
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(url)
            return
        self.open_page(target.split("#", 1)[0].removesuffix(".md") or INDEX)

    def page_title(self) -> str:
        """The first heading of the open page."""
        first = page_text(self.current_page).splitlines()[0] if self.current_page else ""
        return first.lstrip("# ").strip()


def show_help(parent: QWidget, screen_key: str) -> HelpDialog:
    """Open (or bring forward) the guide of ``parent`` at the page of ``screen_key``."""
    dialog = getattr(parent, "_help_dialog", None)
    if not isinstance(dialog, HelpDialog):
        dialog = HelpDialog(parent)
        parent._help_dialog = dialog  # type: ignore[attr-defined]
    dialog.open_page(screen_key)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
