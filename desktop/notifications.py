"""Messages of background work, kept until read: the bell in the main window's top bar.

Results and failures of every operation started through ``desktop.ops.OperationRunner`` and every
``ctx.status(...)`` message become a :class:`Notice` in the :class:`NotificationCenter`. The main
window shows the newest unread notice in its top bar (where the user is looking, never in a status
bar below the screen edge) and a bell button with the number of unread notices; clicking it opens
the list, which marks them read.

One operation gives one notice: the status message a screen posts while the operation finishes
(e.g. "Hitung ulang selesai: 30 hari …") becomes the text of that operation's notice instead of a
second entry. The same message repeated (an automatic pull every 30 minutes saying "tidak ada
rekaman baru") is counted on one entry instead of flooding the list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import refusal_text
from desktop.ops import Operation, OperationRunner

INFO, OK, ERROR = "info", "ok", "error"
LEVEL_COLOUR = {INFO: "#1f3b57", OK: "#1e7b34", ERROR: "#b3261e"}
LEVEL_PREFIX = {INFO: "", OK: "✓ ", ERROR: "⚠ "}
MAX_NOTICES = 200


@dataclass
class Notice:
    when: dt.datetime
    level: str  # info / ok / error
    title: str
    text: str
    read: bool = False
    repeats: int = 1
    source: object = field(default=None, repr=False)  # the Operation it belongs to, if any
    placeholder: str = ""  # the generic text ("selesai.") that the operation's own status message replaces

    def line(self) -> str:
        head = f"{self.title}: " if self.title and not self.text.startswith(self.title) else ""
        times = f" (×{self.repeats})" if self.repeats > 1 else ""
        return f"{LEVEL_PREFIX[self.level]}{head}{self.text}{times}"


def level_of(message: str) -> str:
    """A screen's free-text result: a failure ("gagal", "ditolak:", "3 ditolak") is an error; "0 ditolak" is not."""
    lowered = message.lower()
    if "gagal" in lowered or "ditolak:" in lowered or re.search(r"(?<![\d.,])[1-9]\d* (baris |rekaman )?ditolak", lowered):
        return ERROR
    return INFO


class ClickableLabel(QLabel):
    clicked = Signal()

    def mousePressEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt override
        self.clicked.emit()
        super().mousePressEvent(event)


class NotificationCenter(QObject):
    """The list of notices; ``changed`` fires after any addition or read-state change."""

    changed = Signal()

    def __init__(self, now: Callable[[], dt.datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self.notices: list[Notice] = []  # newest last
        self._finishing: Notice | None = None  # the notice of an operation between its result and its end

    # ------------------------------------------------------------------ input
    def post(self, text: str, level: str = INFO, title: str = "", source: object = None) -> Notice:
        """Add a notice (or count a repeat of the newest one); returns it."""
        last = self.notices[-1] if self.notices else None
        if last is not None and (last.level, last.title, last.text) == (level, title, text) and source is None:
            last.repeats += 1
            last.when = self._now()
            last.read = False
            self.changed.emit()
            return last
        notice = Notice(self._now(), level, title, text, source=source)
        self.notices.append(notice)
        del self.notices[:-MAX_NOTICES]
        self.changed.emit()
        return notice

    def status(self, message: str) -> None:
        """A screen's ``ctx.status()``: the text of the operation finishing now, else a notice of its own."""
        if self._finishing is not None:
            notice = self._finishing
            notice.text = message if notice.text == notice.placeholder else f"{notice.text} {message}"
            notice.read = False
            self.changed.emit()
            return
        self.post(message, level_of(message))

    def watch(self, runner: OperationRunner) -> None:
        runner.started.connect(self._track)

    def _track(self, op: Operation) -> None:
        op.finished.connect(lambda _result, o=op: self._result(o, OK, "selesai."))
        op.cancelled.connect(lambda o=op: self._result(o, INFO, "dibatalkan; tidak ada data yang disimpan."))
        op.failed.connect(lambda exc, _details, o=op: self._failed(o, exc))
        op.done.connect(lambda o=op: self._op_done(o))

    def _result(self, op: Operation, level: str, generic: str) -> None:
        notice = self.post(generic, level, op.title, source=op)
        notice.placeholder = generic
        self._finishing = notice

    def _failed(self, op: Operation, exc: object) -> None:
        text = refusal_text(exc) if isinstance(exc, BaseException) else str(exc)
        notice = self.post(f"gagal: {text}", ERROR, op.title, source=op)
        notice.placeholder = notice.text
        self._finishing = notice

    def _op_done(self, op: Operation) -> None:
        if self._finishing is not None and self._finishing.source is op:
            self._finishing = None

    # ----------------------------------------------------------------- output
    def unread(self) -> list[Notice]:
        return [n for n in self.notices if not n.read]

    def latest(self) -> Notice | None:
        return self.notices[-1] if self.notices else None

    def mark_all_read(self) -> None:
        if any(not n.read for n in self.notices):
            for n in self.notices:
                n.read = True
            self.changed.emit()

    def clear(self) -> None:
        self.notices.clear()
        self._finishing = None
        self.changed.emit()


class NotificationList(QDialog):
    """The list behind the bell: newest first, unread in bold; opening it marks everything read."""

    def __init__(self, center: NotificationCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.center = center
        self.setWindowTitle("Pesan")
        self.setModal(False)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.empty = QLabel("Belum ada pesan.")
        self.empty.setObjectName("subtitle")
        clear = QPushButton("Hapus semua")
        clear.clicked.connect(self._clear)
        close = QPushButton("Tutup")
        close.setObjectName("primary")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(clear)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.empty)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        self.resize(560, 420)

    def fill(self) -> None:
        self.list.clear()
        for notice in reversed(self.center.notices):
            item = QListWidgetItem(f"{notice.when:%d-%m-%Y %H.%M}  {notice.line()}")
            item.setForeground(QColor(LEVEL_COLOUR[notice.level]))
            if not notice.read:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            item.setToolTip(notice.line())
            self.list.addItem(item)
        self.empty.setVisible(not self.center.notices)

    def open_list(self) -> None:
        self.fill()
        self.center.mark_all_read()
        self.show()
        self.raise_()
        self.activateWindow()

    def _clear(self) -> None:
        self.center.clear()
        self.fill()


class NotificationBar(QWidget):
    """Top-bar part: the newest unread notice (elided, click to open the list) and the bell with its count."""

    def __init__(self, center: NotificationCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.center = center
        self.message = ClickableLabel("")
        self.message.setObjectName("notice")
        self.message.setMinimumWidth(40)
        self.message.setCursor(Qt.CursorShape.PointingHandCursor)
        self.message.clicked.connect(self.open_list)
        self.bell = QToolButton()
        self.bell.setObjectName("bell")
        self.bell.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.bell.clicked.connect(self.open_list)
        self.dialog = NotificationList(center, self)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.message, 1)
        lay.addWidget(self.bell)
        center.changed.connect(self.update_view)
        self.update_view()

    def unread_count(self) -> int:
        return len(self.center.unread())

    def update_view(self) -> None:
        unread = self.center.unread()
        self.bell.setText(f"Pesan ({len(unread)})" if unread else "Pesan")
        self.bell.setProperty("unread", bool(unread))
        self.bell.setStyleSheet("QToolButton#bell { background: #b3261e; color: white; font-weight: 600; "
                                "border-radius: 4px; padding: 3px 8px; }" if unread else
                                "QToolButton#bell { padding: 3px 8px; }")
        self.bell.setToolTip(f"{len(unread)} pesan belum dibaca; klik untuk membuka daftar" if unread
                             else "Daftar pesan hasil proses")
        newest = unread[-1] if unread else None
        if newest is None:
            self.message.setText("")
            self.message.setToolTip("")
        else:
            full = newest.line()
            width = max(80, self.message.width())
            self.message.setText(self.message.fontMetrics().elidedText(full, Qt.TextElideMode.ElideRight, width))
            self.message.setToolTip(full)
            self.message.setStyleSheet(f"color: {LEVEL_COLOUR[newest.level]}; font-weight: 600;")
        if self.dialog.isVisible():
            self.dialog.fill()

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.update_view()

    def open_list(self) -> None:
        self.dialog.open_list()
