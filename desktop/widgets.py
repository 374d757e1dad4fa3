"""Small building blocks shared by the screens, so every screen looks and behaves the same.

- ``page_header(title, subtitle)``: the title/subtitle pair at the top of a screen.
- ``make_table(model, ...)``: a read-only, row-selecting QTableView set up the same way everywhere.
- ``OperationStrip``: label + progress bar + "Batal" bound to one desktop.ops.Operation; used inline by
  screens and, in the top bar, by the main window (one class for both).
- ``button(text, on_click, primary=...)``: a push button in the shared wording/highlight convention.
- ``dialog_buttons(dialog, ok_text)``: the Indonesian OK/Batal row of every dialog, OK highlighted.
- ``confirm_irreversible(parent, title, text, action)``: the one Yes/No box before a step that cannot be undone
  (send to BKPSDM, sign): says what happens and to whom; "Batal" is the default so Enter never commits.
- ``result_box(...)``: a non-modal window with a short summary and the long text in a wide, copyable area.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractItemModel, QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
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


def button(text: str, on_click: Callable[[], object] | None = None, *, primary: bool = False,
           enabled: bool = True, tooltip: str = "") -> QPushButton:
    """A push button; ``primary`` marks the one main action of a screen or card (highlighted by the theme).

    Wording convention: Indonesian sentence case ("Tarik data", "Simpan profil"), "…" when a dialog follows.
    """
    b = QPushButton(text)
    if primary:
        b.setObjectName("primary")
    b.setEnabled(enabled)
    if tooltip:
        b.setToolTip(tooltip)
    if on_click is not None:
        b.clicked.connect(lambda _checked=False: on_click())
    return b


def dialog_buttons(dialog: QDialog, ok_text: str, on_ok: Callable[[], object] | None = None,
                   cancel_text: str = "Batal",
                   ok_button: QDialogButtonBox.StandardButton = QDialogButtonBox.StandardButton.Ok) -> QDialogButtonBox:
    """OK/Cancel row in Indonesian with the OK button highlighted as the primary action.

    on_ok replaces the plain accept() when the dialog must validate or save first; ok_button picks the
    standard button (Save for forms that store something) so platform order and shortcuts stay right.
    """
    buttons = QDialogButtonBox(ok_button | QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.button(ok_button)
    ok.setText(ok_text)
    ok.setObjectName("primary")
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(on_ok if on_ok is not None else dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


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
    # every table sorts by a header click (RowTableModel.sort); nothing is sorted until the user clicks
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    t.setSortingEnabled(True)
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


class ResultDialog(QDialog):
    """Non-modal result window: a short coloured summary, then the full text in a wide read-only area.

    Long lines (a file path, a certificate subject) stay readable and can be selected and copied,
    instead of wrapping letter by letter inside a narrow message box.
    """

    def __init__(self, parent: QWidget | None, title: str, summary: str, details: str = "", ok: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        self.summary = QLabel(summary)
        self.summary.setObjectName("ok" if ok else "error")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setStyleSheet("font-size: 11pt;")
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setVisible(bool(details))
        self.details.setMinimumSize(640, 150)
        buttons = QDialogButtonBox()
        copy = buttons.addButton("Salin rincian", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setVisible(bool(details))
        copy.clicked.connect(lambda: QApplication.clipboard().setText(f"{self.summary.text()}\n\n{details}"))
        close = buttons.addButton("Tutup", QDialogButtonBox.ButtonRole.RejectRole)
        close.setObjectName("primary")
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.details, 1)
        lay.addWidget(buttons)
        self.resize(760, 360 if details else 160)

    def text(self) -> str:
        """Everything the dialog shows (for the clipboard and for tests)."""
        return f"{self.summary.text()}\n{self.details.toPlainText()}"


def result_box(parent: QWidget, title: str, summary: str, details: str = "", ok: bool = True) -> ResultDialog:
    """Show-ready result window (call .show()); see ResultDialog."""
    return ResultDialog(parent, title, summary, details, ok)


def confirm_irreversible(parent: QWidget | None, title: str, text: str, action: str) -> bool:
    """Ask before a step that cannot be undone; True only when the user clicked ``action``."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setObjectName("confirm_irreversible")
    yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton("Batal", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def date_edit(d: dt.date) -> QDateEdit:
    """Date field in the dd-mm-yyyy form staff write on letters, with a calendar pop-up."""
    w = QDateEdit(qdate(d))
    w.setCalendarPopup(True)
    w.setDisplayFormat("dd-MM-yyyy")
    return w
