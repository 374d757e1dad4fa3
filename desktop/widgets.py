"""Small building blocks shared by the screens, so every screen looks and behaves the same.

- ``page_header(title, subtitle)``: the title/subtitle pair at the top of a screen.
- ``make_table(model, ...)``: a read-only, row-selecting QTableView set up the same way everywhere.
- ``OperationStrip``: label + progress bar + "Batal" bound to one desktop.ops.Operation; used inline by
  screens and, in the status bar, by the main window (one class for both).
- ``result_box(...)``: a non-modal message box with a short summary and the long text under "Tampilkan rincian".
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.ops import Operation


def page_header(title: str, subtitle: str = "", layout: QVBoxLayout | None = None) -> tuple[QLabel, QLabel]:
    """Title (objectName "title") and a word-wrapped subtitle (objectName "subtitle").

    The subtitle wraps so a long sentence never forces the screen wider than a 1366 px laptop.
    When ``layout`` is given both labels are added to it.
    """
    head = QLabel(title)
    head.setObjectName("title")
    sub = QLabel(subtitle)
    sub.setObjectName("subtitle")
    sub.setWordWrap(True)
    if layout is not None:
        layout.addWidget(head)
        layout.addWidget(sub)
    return head, sub


def make_table(
    model: QAbstractItemModel,
    *,
    stretch: int | None = None,
    contents: Sequence[int] | None = None,
    fixed: dict[int, int] | None = None,
    single: bool = True,
    alternate: bool = False,
) -> QTableView:
    """QTableView over ``model``: no row numbers, whole-row selection, columns sized to their contents.

    stretch: the column that takes the remaining width (default: the last one).
    contents: when given, only these columns size to contents and the others are user-resizable.
    fixed: {column: width} for columns with long text (the full text is in the cell's tooltip).
    """
    t = QTableView()
    t.setModel(model)
    t.verticalHeader().hide()
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection if single
                       else QAbstractItemView.SelectionMode.ExtendedSelection)
    t.setAlternatingRowColors(alternate)
    t.setWordWrap(False)
    t.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = t.horizontalHeader()
    if contents is None:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    else:
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col in contents:
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    for col, width in (fixed or {}).items():
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        t.setColumnWidth(col, width)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


class OperationStrip(QWidget):
    """Shows one background operation: what runs, how far it is, and a "Batal" button.

    ``track(op)`` shows the strip; progress signals move the bar; when the operation is done the
    strip hides again. A newer operation replaces the one shown, and the end of an older one no
    longer hides the strip of the newer.
    """

    def __init__(self, parent: QWidget | None = None, *, bar_width: int = 260, stretch: bool = True,
                 show_counts: bool = False) -> None:
        super().__init__(parent)
        self.show_counts = show_counts
        self.label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(bar_width)
        self.bar.setMinimumWidth(min(bar_width, 160))
        self.cancel_button = QPushButton("Batal")
        self.cancel_button.setToolTip("Hentikan proses ini; tidak ada data yang disimpan dari proses yang dibatalkan.")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        if stretch:
            lay.addStretch()
        self.op: Operation | None = None
        self.cancel_button.clicked.connect(self.cancel)
        self.hide()

    def track(self, op: Operation, title: str | None = None) -> None:
        self.op = op
        self.label.setText(title or op.title)
        self.bar.setRange(0, 0)  # busy indicator until the first progress report
        self.bar.resetFormat()
        self.cancel_button.setEnabled(True)
        self.show()
        op.progress.connect(lambda done, total, message, o=op: self._progress(o, done, total, message))
        op.done.connect(lambda o=op: self._done(o))

    def _progress(self, op: Operation, done: int, total: int, message: str) -> None:
        if op is not self.op:
            return
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.bar.setFormat(f"{done}/{total}" if self.show_counts else "%p%")
        if message:
            self.label.setText(message)
            self.label.setToolTip(message)

    def cancel(self) -> None:
        if self.op is not None:
            self.op.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText("Membatalkan…")

    def _done(self, op: Operation) -> None:
        if op is not self.op:
            return
        self.op = None
        self.hide()


def result_box(parent: QWidget, title: str, summary: str, details: str = "", ok: bool = True) -> QMessageBox:
    """Non-modal box: one readable summary line, the long text (paths, checks) under "Tampilkan rincian"."""
    box = QMessageBox(QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning, title, summary, parent=parent)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.button(QMessageBox.StandardButton.Close).setText("Tutup")
    if details:
        box.setDetailedText(details)
        for button in box.buttons():  # Qt labels this button in English; staff read Indonesian
            if box.buttonRole(button) == QMessageBox.ButtonRole.ActionRole:
                button.setText("Tampilkan rincian…")
    box.setModal(False)
    # a wide box so a long file path stays on one line instead of wrapping letter by letter
    box.setStyleSheet("QLabel { min-width: 520px; } QTextEdit { min-width: 620px; min-height: 220px; }")
    return box
