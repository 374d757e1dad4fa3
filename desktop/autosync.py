"""Pulls attendance logs from every enabled device on a schedule while the app is open.

Owned by the main window. Each pull is one ``sync_all`` through ``ctx.runner`` (so it
shows in the top bar's progress strip and can be cancelled on close). A tick is
skipped while any device operation runs — ours or one started by hand on the
Perangkat screen — because a device serves one connection at a time. Failures never
pop up dialogs: the result goes to the message list (ctx.status) and the log, and the Perangkat
screen's Status column shows each device's last result.
"""

from __future__ import annotations

import datetime as dt
import logging

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.context import AppContext
from desktop.errors import refusal_text
from desktop.ops import Operation
from services.changes import Changes
from services.devices.autosync import AutoSyncSchedule, get_schedule
from services.devices.sync import SyncResult, sync_all
from services.timefmt import jam

log = logging.getLogger(__name__)

AUTO_TITLE = "Tarik data otomatis"
# operation group of everything that talks to a device (pulls, connection tests, clock corrections)
DEVICE_GROUP = "perangkat"


def is_device_op(op: Operation) -> bool:
    return op.group == DEVICE_GROUP


def summarize(results: list[SyncResult], when: dt.datetime) -> str:
    """One line for the message list."""
    stamp = jam(when)
    if not results:
        return f"Tarik otomatis {stamp}: tidak ada mesin aktif."
    failed = [r for r in results if r.error]
    new = sum(r.new for r in results if not r.error)
    text = f"Tarik otomatis {stamp}: {len(results) - len(failed)} dari {len(results)} mesin, {new} rekaman baru"
    if failed:
        text += f"; {len(failed)} mesin gagal (lihat kolom Status di layar Perangkat)"
    return text + "."


class AutoSyncScheduler(QObject):
    """Timer + guard around ``sync_all``; ``tick()`` is what the timer calls (tests call it directly)."""

    pulled = Signal(object)  # list[SyncResult] of a finished automatic pull

    def __init__(self, ctx: AppContext, ms_per_minute: int = 60_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ms_per_minute = ms_per_minute
        self.schedule = AutoSyncSchedule()
        self.op: Operation | None = None
        self.last_message = ""
        self._stopped = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        ctx.events.changed.connect(self._on_changes)

    @property
    def allowed(self) -> bool:
        """Only users who may pull by hand get automatic pulls (the pull is recorded in their name)."""
        return self.ctx.user.has("admin") or self.ctx.user.has("operator")

    def start(self) -> None:
        """Read the schedule, arm the timer and, when asked for, pull once now."""
        self._stopped = False
        self.reload()
        if self.schedule.on_start:
            self.tick()

    def stop(self) -> None:
        self._stopped = True
        self.timer.stop()

    def reload(self) -> None:
        with self.ctx.db.session() as s:
            schedule = get_schedule(s)
        changed = schedule.interval_min != self.schedule.interval_min
        self.schedule = schedule
        if self._stopped or not schedule.enabled or not self.allowed:
            self.timer.stop()
        elif changed or not self.timer.isActive():  # an unchanged interval keeps its next due time
            self.timer.start(schedule.interval_min * self.ms_per_minute)
            log.info("Tarik otomatis aktif: setiap %d menit", schedule.interval_min)

    def _on_changes(self, changes: Changes) -> None:
        if changes.settings:
            self.reload()

    def sync_running(self) -> bool:
        return any(is_device_op(op) for op in self.ctx.runner.active())

    def tick(self) -> Operation | None:
        """Start one pull unless stopped, not allowed or a device operation is running."""
        if self._stopped or not self.allowed:
            return None
        if self.sync_running():
            log.info("Tarik otomatis dilewati: masih ada proses perangkat yang berjalan")
            return None
        op = self.ctx.runner.start(AUTO_TITLE, sync_all, self.ctx.db, username=self.ctx.user.username,
                                   opd_id=self.ctx.opd_id, trigger="auto", comm_keys=dict(self.ctx.comm_keys),
                                   op_group=DEVICE_GROUP)
        self.op = op
        op.finished.connect(self._on_finished)
        op.failed.connect(self._on_failed)
        op.cancelled.connect(lambda: self.ctx.status("Tarik otomatis dibatalkan; tidak ada data yang disimpan."))
        op.done.connect(self._on_done)
        return op

    def _on_finished(self, results: list[SyncResult]) -> None:
        for r in results:
            if r.error:
                log.warning("Tarik otomatis: %s", r.summary())
        self.last_message = summarize(results, self.ctx.clock.now())
        log.info("%s", self.last_message)
        self.ctx.status(self.last_message)
        self.pulled.emit(results)

    def _on_failed(self, exc: object, _details: str) -> None:
        # refusals are quiet (staff may be away from the desk); bugs already went to the crash dialog
        self.last_message = f"Tarik otomatis gagal: {refusal_text(exc) if isinstance(exc, BaseException) else exc}"
        self.ctx.status(self.last_message)
        self.ctx.notify(Changes(devices=True))

    def _on_done(self) -> None:
        self.op = None
