"""Deadline notification: once a day, while last month's report has not reached BKPSDM (from the 5th).

The dashboard shows the same reminder as a banner (desktop/views/dashboard.py); this object adds
a notification - the message list of the main window, plus the system tray balloon where a tray exists - at start-up
and then hourly, at most once per office day (``ctx.clock``).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop.context import AppContext
from services.central.reminders import DeadlineReminder, deadline_reminder

CHECK_INTERVAL_MS = 3_600_000


class ReminderNotifier(QObject):
    notified = Signal(object)  # DeadlineReminder

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.last_day: dt.date | None = None
        self.last: DeadlineReminder | None = None
        self.tray: QSystemTrayIcon | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        QTimer.singleShot(0, self.check)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        if self.tray is not None:
            self.tray.hide()

    def check(self) -> DeadlineReminder | None:
        """Notify when a reminder is due and today has not been notified yet; returns what was notified."""
        today = self.ctx.clock.today()
        if self.last_day == today:
            return None
        with self.ctx.db.session() as s:
            reminder = deadline_reminder(s, self.ctx.opd_id, today)
        if reminder is None:
            return None
        self.last_day, self.last = today, reminder
        self._show(reminder)
        self.notified.emit(reminder)
        return reminder

    def _show(self, r: DeadlineReminder) -> None:
        self.ctx.status(r.text())
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self.tray is None:
            app = QApplication.instance()
            icon = app.windowIcon() if isinstance(app, QApplication) else None
            self.tray = QSystemTrayIcon(icon) if icon is not None else QSystemTrayIcon()
            self.tray.show()
        level = (QSystemTrayIcon.MessageIcon.Critical if r.level == "urgent"
                 else QSystemTrayIcon.MessageIcon.Warning)
        self.tray.showMessage("Batas laporan bulanan", r.text(), level, 15000)
