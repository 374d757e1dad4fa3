"""Main window: navigation, lazily built screens, status bar with background-operation progress."""

from __future__ import annotations

import importlib
import logging
import traceback
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

import services
from desktop.context import AppContext
from desktop.logview import LogDialog
from desktop.ops import Operation
from desktop.views import SCREENS
from services.auth.users import ROLES
from services.store.models import Opd

log = logging.getLogger(__name__)


class UnavailableView(QWidget):
    def __init__(self, title: str, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        t = QLabel(title)
        t.setObjectName("title")
        msg = QLabel(f"Layar ini belum dapat dibuka.\n\n{reason}")
        msg.setWordWrap(True)
        msg.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(t)
        lay.addWidget(msg)
        lay.addStretch()


class OperationBar(QWidget):
    """Status-bar area showing the running background operation with a cancel button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setFixedWidth(220)
        self.cancel = QPushButton("Batal")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel)
        self.op: Operation | None = None
        self.cancel.clicked.connect(self._cancel)
        self.hide()

    def track(self, op: Operation) -> None:
        self.op = op
        self.label.setText(op.title)
        self.bar.setRange(0, 0)
        self.show()
        op.progress.connect(self._progress)
        op.done.connect(self._done)

    def _progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        if message:
            self.label.setText(message)

    def _cancel(self) -> None:
        if self.op:
            self.op.cancel()
            self.label.setText("Membatalkan…")

    def _done(self) -> None:
        self.hide()
        self.op = None


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, log_path: Path | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.log_path = log_path
        with ctx.db.session() as s:
            opd = s.get(Opd, ctx.opd_id)
            self.opd_name = opd.name if opd else "OPD"
        self.setWindowTitle(f"Presensi OPD — {self.opd_name}")
        self.resize(1280, 800)

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(210)
        self.stack = QStackedWidget()
        self._views: dict[int, QWidget] = {}
        for _key, title, _mod, _cls in SCREENS:
            self.nav.addItem(title)
            self.stack.addWidget(QWidget())  # placeholder until first shown
        self.nav.currentRowChanged.connect(self.show_screen)

        central = QWidget()
        lay = QHBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.nav)
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.op_bar = OperationBar()
        sb = self.statusBar()
        roles = ", ".join(ROLES[r] for r in sorted(ctx.user.roles) if r in ROLES)
        sb.addWidget(QLabel(f"  {ctx.user.full_name} ({roles})  |  {self.opd_name}  |  {ctx.db.path.name}"))
        sb.addPermanentWidget(self.op_bar)
        ctx.runner.started.connect(self.op_bar.track)
        ctx.runner.started.connect(self._watch_operation)
        ctx.events.status_message.connect(lambda m: sb.showMessage(m, 8000))
        self._build_menu()
        self.nav.setCurrentRow(0)

    def _build_menu(self) -> None:
        m = self.menuBar().addMenu("&Berkas")
        quit_action = QAction("Keluar", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        m.addAction(quit_action)
        go = self.menuBar().addMenu("&Layar")
        for row, (_k, title, _m, _c) in enumerate(SCREENS):
            act = QAction(title, self, shortcut=QKeySequence(f"Ctrl+{row + 1}") if row < 9 else QKeySequence())
            act.triggered.connect(lambda _=False, r=row: self.nav.setCurrentRow(r))
            go.addAction(act)
        h = self.menuBar().addMenu("B&antuan")
        log_action = QAction("Log aplikasi", self)
        log_action.triggered.connect(lambda: LogDialog(self.log_path, self).exec())
        h.addAction(log_action)
        about = QAction("Tentang", self)
        about.triggered.connect(
            lambda: QMessageBox.about(
                self, "Tentang Presensi OPD",
                f"Presensi OPD {services.__version__}\nRekap kehadiran, TPP dan disiplin pegawai\n"
                "untuk Sub Bagian Umum dan Kepegawaian.",
            )
        )
        h.addAction(about)

    def _watch_operation(self, op: Operation) -> None:
        op.failed.connect(lambda msg, _details: self.statusBar().showMessage(f"Gagal: {op.title}: {msg}", 15000))

    def view(self, key: str) -> QWidget:
        row = next(i for i, s in enumerate(SCREENS) if s[0] == key)
        return self._ensure_view(row)

    def _ensure_view(self, row: int) -> QWidget:
        if row in self._views:
            return self._views[row]
        key, title, module_name, class_name = SCREENS[row]
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
            widget = cls(self.ctx)
        except Exception as exc:  # noqa: BLE001 - one broken screen must not take the app down
            log.error("Layar %s gagal dibuka:\n%s", key, traceback.format_exc())
            widget = UnavailableView(title, f"{exc.__class__.__name__}: {exc}")
        old = self.stack.widget(row)
        self.stack.removeWidget(old)
        old.deleteLater()
        self.stack.insertWidget(row, widget)
        self._views[row] = widget
        return widget

    def show_screen(self, row: int) -> None:
        if row < 0:
            return
        widget = self._ensure_view(row)
        self.stack.setCurrentIndex(row)
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            QTimer.singleShot(0, refresh)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.ctx.runner.active():
            answer = QMessageBox.question(
                self, "Masih ada proses berjalan",
                "Masih ada proses yang berjalan. Batalkan proses dan keluar? Proses yang dibatalkan tidak menyimpan apa pun.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            for op in self.ctx.runner.active():
                op.cancel()
            self.ctx.runner.wait_all(15000)
        event.accept()
