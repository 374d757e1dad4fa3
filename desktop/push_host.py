"""Keeps the push receiver (ADMS) running inside the open app, one per application context.

The receiver serves in its own threads (services.devices.push_server); this object only
starts and stops it, and turns its stored uploads into screen refreshes: a timer looks at
the receiver's commit counter and notifies "punches"/"devices" when it moved. It stops
the receiver when the application quits.
"""

from __future__ import annotations

import logging
import weakref

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from desktop.context import AppContext
from services.changes import Changes
from services.devices.push_admin import PushSettings, get_settings
from services.devices.push_server import PushConfig, PushServer
from services.errors import UserError

log = logging.getLogger(__name__)

# weak: a host lives as long as the main window or a Perangkat panel holds it, never past the app
_HOSTS: weakref.WeakValueDictionary[int, PushHost] = weakref.WeakValueDictionary()


class PushHost(QObject):
    changed = Signal()  # started, stopped, or something was stored

    def __init__(self, ctx: AppContext, poll_ms: int = 2000) -> None:
        super().__init__()
        self.ctx = ctx
        self.server: PushServer | None = None
        self._commits = 0
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.check)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.running

    def start(self, settings: PushSettings) -> str:
        """Start listening as configured; returns the receiver's address (UserError when the port is taken)."""
        self.stop()
        server = PushServer(self.ctx.db, PushConfig(bind=settings.bind, port=settings.port))
        server.start()
        self.server, self._commits = server, 0
        self._timer.start()
        self.ctx.status(f"Penerima push berjalan di {server.url}")
        self.changed.emit()
        return server.url

    def stop(self) -> None:
        if self.server is None:
            return
        server, self.server = self.server, None
        self._timer.stop()
        server.stop()
        self.ctx.status("Penerima push dihentikan.")
        self.changed.emit()

    def autostart(self) -> None:
        """Called once when the main window opens: start when the admin asked for it."""
        with self.ctx.db.session() as s:
            settings = get_settings(s)
        if settings.autostart and not self.running:
            try:
                self.start(settings)
            except UserError as exc:
                log.warning("Penerima push tidak dapat dijalankan otomatis: %s", exc)
                self.ctx.status(f"Penerima push tidak berjalan: {exc}")

    def check(self) -> None:
        """Timer tick: refresh screens when the receiver stored something since the last tick."""
        if self.server is None:
            return
        snap = self.server.stats.snapshot()
        if snap["commits"] != self._commits:
            self._commits = snap["commits"]
            self.ctx.notify(Changes(punches=True, devices=True))
            self.changed.emit()


def host_for(ctx: AppContext) -> PushHost:
    """The one receiver host of this application context (created on first use; keep a reference to it)."""
    host = _HOSTS.get(id(ctx))
    if host is None or host.ctx is not ctx:
        host = _HOSTS[id(ctx)] = PushHost(ctx)
    return host
