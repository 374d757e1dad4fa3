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
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

import services
from desktop.autosync import AutoSyncScheduler
from desktop.context import AppContext
from desktop.errors import refusal_text, show_crash
from desktop.logview import LogDialog
from desktop.ops import Operation
from desktop.push_host import host_for
from desktop.reminders import ReminderNotifier
from desktop.views import SCREENS
from desktop.widgets import OperationStrip, page_header
from services.auth.users import ROLES
from services.store.models import Opd

log = logging.getLogger(__name__)


class UnavailableView(QWidget):
    def __init__(self, title: str, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        page_header(title, layout=lay)
        msg = QLabel(f"Layar ini belum dapat dibuka.\n\n{reason}")
        msg.setWordWrap(True)
        msg.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(msg)
        lay.addStretch()


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
        self.broken_screens: dict[str, Exception] = {}  # screens that failed to build (bugs; see _ensure_view)
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

        # the same strip the screens use inline; here it shows whichever operation started last
        self.op_bar = OperationStrip(bar_width=220, stretch=False)
        sb = self.statusBar()
        roles = ", ".join(ROLES[r] for r in sorted(ctx.user.roles) if r in ROLES)
        sb.addWidget(QLabel(f"  {ctx.user.full_name} ({roles})  |  {self.opd_name}  |  {ctx.db.path.name}"))
        sb.addPermanentWidget(self.op_bar)
        ctx.runner.started.connect(self.op_bar.track)
        ctx.runner.started.connect(self._watch_operation)
        ctx.events.status_message.connect(lambda m: sb.showMessage(m, 8000))
        self._build_menu()
        self.nav.setCurrentRow(0)
        # after the window is built: an "on start" pull shows in the status-bar strip above
        self.autosync = AutoSyncScheduler(ctx, parent=self)
        self.autosync.start()
        self.push_host = host_for(ctx)  # the push receiver (ADMS) lives as long as the window
        self.push_host.autostart()  # started only when the admin set it to start with the app
        # from the 5th: last month's report not yet at BKPSDM -> a notification once a day
        self.reminders = ReminderNotifier(ctx, parent=self)
        self.reminders.start()

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
        op.failed.connect(lambda exc, _details: self.statusBar().showMessage(f"Gagal: {op.title}: {refusal_text(exc)}", 15000))

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
        except Exception as exc:  # noqa: BLE001 - one broken screen must not take the app down...
            log.error("Layar %s gagal dibuka:\n%s", key, traceback.format_exc())
            self.broken_screens[key] = exc  # ...but it is a bug: reported, and tests fail on it
            show_crash(exc, traceback.format_exc(), self)
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
            self.autosync.stop()  # no new pull may start while the running ones are cancelled
            for op in self.ctx.runner.active():
                op.cancel()
            self.ctx.runner.wait_all(15000)
        self.autosync.stop()
        self.push_host.stop()
        self.reminders.stop()
        event.accept()
