"""Set-up of the central BKPSDM PostgreSQL database (run by BKPSDM's administrator).

- `migrate_central(url)`: create/upgrade the schema with the central Alembic environment.
- `register_opd(...)`: a LOGIN role for one OPD (member of presensi_opd) + its opd row.
- `register_bkpsdm(...)`: a LOGIN role that reads every submission (member of presensi_bkpsdm).
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from services.errors import BadInputError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def sqlalchemy_url(url: str) -> str:
    """psycopg-style URL -> SQLAlchemy URL with the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    raise BadInputError(f"Alamat basis data pusat tidak dikenal: {url!r} (harus diawali postgresql://)")


def _alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' must be doubled in ConfigParser values (URL-encoded passwords)
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return cfg


def migrate_central(url: str) -> str:
    """Upgrade the central DB to the newest schema; returns the head revision id."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(url)
    command.upgrade(cfg, "head")
    return ScriptDirectory.from_config(cfg).get_current_head() or ""


def _ensure_login_role(cur: psycopg.Cursor, role: str, password: str, group: str) -> None:
    exists = cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    ident = sql.Identifier(role)
    if exists:
        cur.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(password)))
    else:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(password)))
    cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), ident))


def register_opd(admin_url: str, code: str, name: str, role: str, password: str, timezone: str = "Asia/Jakarta") -> None:
    """Create (or update) the OPD's login role and its row in the opd table."""
    with psycopg.connect(admin_url, autocommit=False) as conn, conn.cursor() as cur:
        _ensure_login_role(cur, role, password, "presensi_opd")
        cur.execute(
            "INSERT INTO opd (code, name, db_role, timezone) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, db_role = EXCLUDED.db_role, "
            "timezone = EXCLUDED.timezone",
            (code, name, role, timezone),
        )


def register_bkpsdm(admin_url: str, role: str, password: str) -> None:
    with psycopg.connect(admin_url, autocommit=False) as conn, conn.cursor() as cur:
        _ensure_login_role(cur, role, password, "presensi_bkpsdm")


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database on the admin URL's server; returns its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def drop_role(admin_url: str, role: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def with_database(url: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return _to_url(info)


def with_user(url: str, user: str, port: int | None = None) -> str:
    """Same server and database, another user (no password in the URL)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["user"] = user
    info.pop("password", None)
    if port is not None:
        info["port"] = str(port)
    return _to_url(info)


def with_params(url: str, **params: str) -> str:
    """The same URL with connection parameters set (e.g. sslmode, sslrootcert)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.update(params)
    return _to_url(info)


def _to_url(info: dict) -> str:
    from urllib.parse import quote, urlencode

    user = quote(str(info.get("user", "")), safe="")
    pw = info.get("password")
    auth = f"{user}:{quote(str(pw), safe='')}@" if pw else (f"{user}@" if user else "")
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    # TLS settings (sslmode, sslrootcert, require_auth ...) travel with the URL
    extra = {k: str(v) for k, v in info.items() if k not in ("user", "password", "host", "port", "dbname")}
    query = ("?" + urlencode(extra, safe="/")) if extra else ""
    return f"postgresql://{auth}{host}:{port}/{info.get('dbname', 'postgres')}{query}"


def url_user(url: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(url).get("user", ""))
