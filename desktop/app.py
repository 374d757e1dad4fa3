"""QApplication start-up: logging, crash hook, database migration, login, main window."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from desktop.context import AppContext
from desktop.crash import install_excepthook
from desktop.login import LoginDialog
from desktop.logview import setup_logging
from desktop.main_window import MainWindow
from desktop.ops import OperationRunner
from desktop.theme import apply as apply_theme
from services.clock import Clock
from services.paths import data_dir
from services.store.db import Database, is_pg_url
from services.store.models import Opd, Setting
from services.store.profile import open_store

log = logging.getLogger(__name__)
_T0 = time.perf_counter()


def _application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Presensi OPD")
    app.setOrganizationName("Presensi OPD")
    apply_theme(app)
    return app  # type: ignore[return-value]


def _login_hint(db: Database) -> str:
    with db.session() as s:
        hint = s.get(Setting, "login_hint")
        return hint.value if hint else ""


def warn_admin_about_audit(ctx: AppContext, window: MainWindow) -> str | None:
    """At start-up an admin is told (a notification, never a crash) when the audit log does not verify."""
    if not ctx.user.has("admin"):
        return None
    from desktop.notifications import ERROR
    from services.auth.audit import startup_warning

    try:
        with ctx.db.session() as s:
            text = startup_warning(s)
    except Exception:  # noqa: BLE001 - a check must never stop the app; the log has the details
        log.exception("Pemeriksaan log audit gagal")
        text = "Log audit tidak dapat diperiksa saat aplikasi dibuka; lihat log aplikasi."
    if text:
        window.notifications.post(text, ERROR, "Log audit")
    return text


def run_app(db_path: Path | str, clock: Clock | None = None) -> int:
    """Open the app on a SQLite file or a shared PostgreSQL OPD database (``postgresql://`` address)."""
    app = _application()
    log_path = setup_logging(data_dir() if is_pg_url(db_path) else Path(db_path).parent)
    install_excepthook()
    from services.store.location import NetworkDatabaseError, check_database_location

    try:
        check_database_location(db_path)
    except NetworkDatabaseError as exc:  # refused before SQLite touches the share
        QMessageBox.critical(None, "Database di folder jaringan", str(exc))
        return 1
    try:
        db = open_store(db_path, clock=clock)
    except Exception as exc:  # noqa: BLE001 - shown to the user, details in the log
        log.exception("Database gagal dibuka")
        QMessageBox.critical(None, "Database tidak dapat dibuka", f"{db_path}\n\n{exc}\n\nCadangan dibuat sebelum migrasi.")
        return 1
    with db.session() as s:
        opd = s.execute(select(Opd).order_by(Opd.id)).scalars().first()
    if opd is None:
        from desktop.first_run import FirstRunDialog

        setup = FirstRunDialog(db)
        if setup.exec() != FirstRunDialog.DialogCode.Accepted:
            return 0
        if setup.db is not db:  # this PC now works on the shared PostgreSQL database chosen in the dialog
            db.dispose()
            db = setup.db
        with db.session() as s:
            opd = s.execute(select(Opd).order_by(Opd.id)).scalars().first()
        assert opd is not None
    login = LoginDialog(db, opd.name, hint=_login_hint(db))
    smoke_shot = os.environ.get("PRESENSI_SMOKE_SHOT")
    if smoke_shot:
        # installer smoke test: prove the bundle reaches a rendered login, then leave
        login.show()
        app.processEvents()
        login.grab().save(smoke_shot)
        print(f"SIAP {time.perf_counter() - _T0:.2f} s", flush=True)
        db.dispose()
        return 0
    code = 0
    while True:  # "Ganti pengguna" closes the window and comes back here for the next login
        if login.exec() != LoginDialog.DialogCode.Accepted or login.user is None:
            break
        ctx = AppContext(db=db, user=login.user, opd_id=opd.id, data_dir=Path(db.path).parent,
                         runner=OperationRunner())
        window = MainWindow(ctx, log_path)
        window.show()
        warn_admin_about_audit(ctx, window)
        app.setQuitOnLastWindowClosed(False)  # closing for a user switch must not end the event loop
        window.closed.connect(app.quit)
        code = app.exec()
        ctx.runner.wait_all(15000)
        switch = window.switch_requested
        window.deleteLater()
        if not switch:
            break
        log.info("Pengguna %s keluar; masuk ulang", ctx.user.username)
        login = LoginDialog(db, opd.name, hint=_login_hint(db))
    db.dispose()
    return code
