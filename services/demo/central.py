"""Demo only: a central BKPSDM database on the local PostgreSQL server, wired to the local OPD DB."""

from __future__ import annotations

import secrets as pysecrets
from dataclasses import dataclass

import psycopg
from sqlalchemy import select

from services import secrets
from services.auth.users import SYSTEM_USER
from services.central import admin
from services.central.login_url import put_url, remember_password
from services.central.outbox import configure_central
from services.store.db import Database
from services.store.models import Opd


@dataclass(frozen=True)
class DemoCentral:
    url: str  # the OPD's URL (no password), saved in Setting central.url
    bkpsdm_url: str
    opd_role: str
    bkpsdm_role: str
    password_in_keyring: bool


def setup_demo_central(
    db: Database, admin_url: str, dbname: str = "presensi_pusat_demo", role_suffix: str = "demo"
) -> DemoCentral:
    """Create/migrate ``dbname``, register the local OPD and a BKPSDM login, save the URL locally.

    Passwords are random and go to keyring (kind "central"); without a keyring the demo
    still works on a server that trusts local connections.
    """
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", (dbname,)).fetchone()
    url = admin.with_database(admin_url, dbname) if exists else admin.create_database(admin_url, dbname)
    admin.migrate_central(url)
    with db.session() as s:
        opd = s.execute(select(Opd).order_by(Opd.id).limit(1)).scalar_one()
        code, name, tz = opd.code, opd.name, opd.timezone
    opd_role, bk_role = f"opd_{code.lower()}_{role_suffix}", f"bkpsdm_{role_suffix}"
    opd_pw, bk_pw = pysecrets.token_urlsafe(16), pysecrets.token_urlsafe(16)
    admin.register_opd(url, code, name, opd_role, opd_pw, tz)
    admin.register_bkpsdm(url, bk_role, bk_pw)
    opd_url = admin.with_user(url, opd_role)
    bk_url = admin.with_user(url, bk_role)
    _remember_bkpsdm_url(db, bk_url)  # the BKPSDM screen (admin / "Peninjau BKPSDM") connects with this login
    try:
        configure_central(db, opd_url, SYSTEM_USER, opd_pw)
        remember_password(bk_url, bk_pw)
        stored = True
    except secrets.SecretStoreUnavailable:
        configure_central(db, opd_url, SYSTEM_USER)
        stored = False
    return DemoCentral(opd_url, bk_url, opd_role, bk_role, stored)


def _remember_bkpsdm_url(db: Database, url: str) -> None:
    from services.central.bkpsdm_login import SETTING_BKPSDM_URL

    with db.transaction() as s:
        put_url(s, SETTING_BKPSDM_URL, url)
