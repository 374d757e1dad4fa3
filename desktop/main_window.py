"""Main window: navigation, lazily built screens, a top bar with background work and its messages.

The window never exceeds the screen it is on (desktop/screen_fit.py): it opens at most as large as
the available screen area, and every screen sits in a scroll area, so a screen wider or taller than
a 1366×768 laptop scrolls instead of pushing the window past the edge. Results and failures of
background work go to the message list of the top bar (desktop/notifications.py), not to a status
bar that could sit below the screen edge.
"""

from __future__ import annotations

import importlib
import logging
import traceback
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMenuBar,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

import services
from desktop.autosync import AutoSyncScheduler
from desktop.context import AppContext
from desktop.errors import show_crash
from desktop.logview import LogDialog
from desktop.notifications import NotificationBar, NotificationCenter
from desktop.push_host import host_for
from desktop.reminders import ReminderNotifier
from desktop.screen_fit import ScreenFitter, fit_size
from desktop.views import SCREENS, may_open
from desktop.widgets import OperationStrip, page_header
from services.auth.users import ROLES
from services.store.models import Opd

log = logging.getLogger(__name__)
PREFERRED_SIZE = QSize(1366, 860)  # what the screens are laid out for; never more than the screen has


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
    closed = Signal()  # the window accepted its close (desktop/app.py: quit, or log in again after a switch)

    def __init__(self, ctx: AppContext, log_path: Path | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.log_path = log_path
        self.switch_requested = False  # "Ganti pengguna": the app shows the login again after this window closes
        with ctx.db.session() as s:
            opd = s.get(Opd, ctx.opd_id)
            self.opd_name = opd.name if opd else "OPD"
        self.setWindowTitle(f"Presensi OPD — {self.opd_name}")
        self.resize(fit_size(self, PREFERRED_SIZE))

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(210)
        self.nav.setMinimumHeight(0)
        self.stack = QStackedWidget()
        self._views: dict[int, QWidget] = {}
        self.broken_screens: dict[str, Exception] = {}  # screens that failed to build (bugs; see _ensure_view)
        # every screen keeps its row (rows match SCREENS); those this user's roles do not use are hidden
        self.allowed = [may_open(ctx.user, s[0]) for s in SCREENS]
        for (_key, title, _mod, _cls), allowed in zip(SCREENS, self.allowed, strict=True):
            self.nav.addItem(title)
            self.nav.item(self.nav.count() - 1).setHidden(not allowed)
            self.stack.addWidget(QWidget())  # placeholder until first shown
        self.nav.currentRowChanged.connect(self.show_screen)

        # background work and its messages: at the top, where the user is looking
        self.notifications = NotificationCenter(lambda: ctx.clock.now(), self)
        self.notifications.watch(ctx.runner)
        ctx.events.status_message.connect(self.notifications.status)
        self._remind_backup(ctx)
        self.top_bar = self._build_top_bar(ctx)

        central = QWidget()
        lay = QHBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.nav)
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        ctx.events.navigate.connect(self.open_screen)
        # the menus and the top bar share one row: always visible at the top, no extra height
        self.menu_bar = QMenuBar()
        self._build_menu()
        menu_row = QWidget()
        row_lay = QHBoxLayout(menu_row)
        row_lay.setContentsMargins(0, 0, 0, 0)
        row_lay.setSpacing(0)
        row_lay.addWidget(self.menu_bar)
        row_lay.addWidget(self.top_bar, 1)
        self.setMenuWidget(menu_row)
        self.fitter = ScreenFitter(self)
        self.nav.setCurrentRow(self.allowed.index(True) if any(self.allowed) else -1)
        # after the window is built: an "on start" pull shows in the top bar's strip
        self.autosync = AutoSyncScheduler(ctx, parent=self)
        self.autosync.start()
        self.push_host = host_for(ctx)  # the push receiver (ADMS) lives as long as the window
        self.push_host.autostart()  # started only when the admin set it to start with the app
        # from the 5th: last month's report not yet at BKPSDM -> a notification once a day
        self.reminders = ReminderNotifier(ctx, parent=self)
        self.reminders.start()

    def _remind_backup(self, ctx: AppContext) -> None:
        """The admin hears about an old backup in the notifications too, once per start."""
        if "admin" not in ctx.user.roles:
            return
        from services.store.backup import backup_reminder

        with ctx.db.session() as s:
            text = backup_reminder(s, ctx.clock.now())
        if text:
            self.notifications.post(text, "error", "Cadangan database")

    def _build_top_bar(self, ctx: AppContext) -> QFrame:
        bar = QFrame()
        bar.setObjectName("topbar")
        bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.setStyleSheet("QFrame#topbar { background: palette(window); }")
        # the same strip the screens use inline; here it shows whichever operation started last
        self.op_bar = OperationStrip(bar_width=200, stretch=False)
        ctx.runner.started.connect(self.op_bar.track)
        self.notice_bar = NotificationBar(self.notifications)
        roles = ", ".join(ROLES[r] for r in sorted(ctx.user.roles) if r in ROLES)
        self.user_label = QLabel(ctx.user.full_name)
        self.user_label.setObjectName("subtitle")
        self.user_label.setToolTip(f"{ctx.user.full_name} ({roles}) · {self.opd_name} · {ctx.db.path.name}")
        self.user_label.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.user_label.setMaximumWidth(220)
        lay = QHBoxLayout(bar)
        lay.setContentsMargins(10, 0, 6, 0)
        lay.addWidget(self.op_bar)
        lay.addWidget(self.notice_bar, 1)
        lay.addWidget(self.user_label)
        return bar

    def _build_menu(self) -> None:
        m = self.menu_bar.addMenu("&Berkas")
        own = QAction("Ubah kata sandi saya…", self)
        own.triggered.connect(self.change_own_password)
        m.addAction(own)
        switch = QAction("Ganti pengguna / keluar akun…", self)
        switch.triggered.connect(self.switch_user)
        m.addAction(switch)
        m.addSeparator()
        quit_action = QAction("Keluar", self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        m.addAction(quit_action)
        go = self.menu_bar.addMenu("&Layar")
        find = QAction("Cari pegawai atau layar…", self, shortcut=QKeySequence("Ctrl+K"))
        find.triggered.connect(self.open_finder)
        go.addAction(find)
        go.addSeparator()
        shown = [row for row, ok in enumerate(self.allowed) if ok]
        for n, row in enumerate(shown):  # Ctrl+1..9 number the screens this user has, top to bottom
            act = QAction(SCREENS[row][1], self, shortcut=QKeySequence(f"Ctrl+{n + 1}") if n < 9 else QKeySequence())
            act.triggered.connect(lambda _=False, r=row: self.nav.setCurrentRow(r))
            go.addAction(act)
        h = self.menu_bar.addMenu("B&antuan")
        guide = QAction("Panduan layar ini", self, shortcut=QKeySequence(Qt.Key.Key_F1))
        guide.triggered.connect(self.show_help)
        h.addAction(guide)
        messages = QAction("Pesan…", self)
        messages.triggered.connect(self.notice_bar.open_list)
        h.addAction(messages)
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

    def menuBar(self) -> QMenuBar:  # noqa: N802 - Qt override
        """The menus share their row with the top bar (setMenuWidget); never let Qt replace that row."""
        return self.menu_bar

    def row_of(self, key: str) -> int:
        return next(i for i, s in enumerate(SCREENS) if s[0] == key)

    def view(self, key: str) -> QWidget:
        return self._ensure_view(self.row_of(key))

    def current_key(self) -> str:
        return SCREENS[max(0, self.nav.currentRow())][0]

    def current_view(self) -> QWidget | None:
        return self._views.get(self.stack.currentIndex())

    def open_screen(self, key: str, target: object = None) -> QWidget:
        """Show screen ``key``; ``target`` (e.g. {"employee_id": 5}) is handed to the view's ``focus()``.

        A screen this user's roles do not use is not opened (a link from another screen or an old
        shortcut): the message list says why instead.
        """
        row = self.row_of(key)
        if not self.allowed[row]:
            self.ctx.status(f"Layar {SCREENS[row][1]} tidak tersedia untuk peran Anda.")
            current = self.current_view()
            return current if current is not None else QWidget()
        self.nav.setCurrentRow(row)
        view = self._ensure_view(row)
        focus = getattr(view, "focus_target", None)
        if target is not None and callable(focus):
            focus(target)
        return view

    def change_own_password(self) -> None:
        from desktop.views.accounts import OwnPasswordDialog

        OwnPasswordDialog(self.ctx, self).exec()

    def switch_user(self) -> None:
        """Log out: close this window (asking first if work is running); desktop/app.py shows the login again."""
        self.switch_requested = True
        if not self.close():
            self.switch_requested = False

    def show_help(self) -> None:
        from desktop.help import show_help

        self.help_dialog = show_help(self, self.current_key())

    def open_finder(self) -> None:
        from desktop.finder import FinderDialog

        self.finder = FinderDialog(self.ctx, self)
        self.finder.chosen.connect(self.open_screen)
        self.finder.show()

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
        if old is not None:
            self.stack.removeWidget(old)
            old.deleteLater()
        # a screen larger than the window scrolls inside it instead of growing the window past the screen
        area = QScrollArea()
        area.setObjectName(f"screen_{key}")
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(widget)
        self.stack.insertWidget(row, area)
        self._views[row] = widget
        return widget

    def show_screen(self, row: int) -> None:
        if row < 0 or not self.allowed[row]:
            return
        widget = self._ensure_view(row)
        self.stack.setCurrentIndex(row)
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            QTimer.singleShot(0, refresh)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.ctx.runner.user_work():
            answer = QMessageBox.question(
                self, "Masih ada proses berjalan",
                "Masih ada proses yang berjalan. Batalkan proses dan keluar? Proses yang dibatalkan tidak menyimpan apa pun.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self.ctx.runner.active():  # also the quiet reads, which are cancelled without asking
            self.autosync.stop()  # no new pull may start while the running ones are cancelled
            for op in self.ctx.runner.active():
                op.cancel()
            self.ctx.runner.wait_all(15000)
        self.autosync.stop()
        self.push_host.stop()
        self.reminders.stop()
        event.accept()
        self.closed.emit()
