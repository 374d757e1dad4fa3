"""Database triggers that keep the audit table append-only (SQLite and PostgreSQL).

The app only ever INSERTs audit events; these make an UPDATE or DELETE fail loudly instead of
silently rewriting history through the app, a script or a database tool. Someone who drops the
triggers with a raw SQLite tool still cannot forge the keyed chain (services.auth.audit) and cannot
hide deleted newest rows from the anchored heads.
"""

from __future__ import annotations

from sqlalchemy import DDL, Table, event
from sqlalchemy.engine import Connection

MESSAGE = "log audit hanya boleh ditambah; mengubah atau menghapus catatan ditolak"

SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE} (%)', TG_OP; END $$",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
]
DROP_SQLITE = ["DROP TRIGGER IF EXISTS audit_event_no_update", "DROP TRIGGER IF EXISTS audit_event_no_delete"]
DROP_POSTGRESQL = ["DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
                   "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
                   "DROP FUNCTION IF EXISTS audit_event_append_only()"]


def statements(dialect: str, drop: bool = False) -> list[str]:
    if dialect == "postgresql":
        return DROP_POSTGRESQL if drop else POSTGRESQL
    return DROP_SQLITE if drop else SQLITE


def install(conn: Connection) -> None:
    for sql in statements(conn.dialect.name):
        conn.exec_driver_sql(sql)


def attach(table: Table) -> None:
    """Install the triggers whenever the table is created from the models (create_all, PG OPD store)."""
    for dialect in ("sqlite", "postgresql"):
        for sql in statements(dialect):
            event.listen(table, "after_create", DDL(sql.replace("%", "%%")).execute_if(dialect=dialect))
