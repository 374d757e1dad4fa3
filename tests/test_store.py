from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from desktop.crash import CrashDialog, crash_details
from services.store.db import Database, open_database


def test_migration_backs_up_existing_file_first(tmp_path):
    path = tmp_path / "lama.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE catatan_lama (x INTEGER)")
    con.execute("INSERT INTO catatan_lama VALUES (42)")
    con.commit()
    con.close()
    db = Database(path)
    backup = db.migrate()
    assert backup is not None and backup.exists()
    assert sqlite3.connect(backup).execute("SELECT x FROM catatan_lama").fetchone() == (42,)
    assert db.current_revision() == db.head_revision()
    assert db.migrate() is None  # already current: no second backup
    db.dispose()


@pytest.mark.sqlite_only  # SQLite's own pragmas
def test_wal_mode_and_foreign_keys(tmp_path):
    db = open_database(tmp_path / "x.sqlite")
    with db.session() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_crash_dialog_holds_copyable_details(qtbot):
    try:
        raise RuntimeError("contoh kegagalan")
    except RuntimeError as exc:
        details = crash_details(type(exc), exc, exc.__traceback__)
    dlg = CrashDialog("RuntimeError: contoh kegagalan", details)
    qtbot.addWidget(dlg)
    assert "contoh kegagalan" in dlg.details.toPlainText() and "Traceback" in dlg.details.toPlainText()


def test_migrations_match_the_models(tmp_path):
    """The Alembic history creates exactly the schema the models describe (no forgotten revision)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from services.store.models import Base

    db = open_database(tmp_path / "m.sqlite")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert diff == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(pg_admin_url, tmp_path):
    """The same Alembic history on the multi-PC store (PostgreSQL) also creates exactly the models' schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from services.store.models import Base
    from tests import stores

    name = stores.create_template()
    try:
        db = Database(stores.db_url(name), files_root=tmp_path)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert db.current_revision() == db.head_revision()
        db.dispose()
    finally:
        stores.drop_database(name)
    assert diff == []
