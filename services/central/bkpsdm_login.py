"""The BKPSDM reviewer's connection to the central database (the app's BKPSDM mode).

A local user with the role "bkpsdm" reviews with the central database's BKPSDM login (a member
of ``presensi_bkpsdm``). The URL (never with a password) is the setting ``central.bkpsdm_url``;
the password is kept in keyring (kind "central", name = the login) only when the reviewer asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.auth import audit
from services.auth.users import CurrentUser
from services.central.client import connect
from services.central.login_url import login_parts, put_url, read_url, remember_password, saved_password
from services.central.review import require_bkpsdm
from services.changes import Changes
from services.store.db import Database

SETTING_BKPSDM_URL = "central.bkpsdm_url"


@dataclass(frozen=True)
class BkpsdmLogin:
    url: str
    password: str | None
    role: str  # the login as the server knows it


def bkpsdm_url(db: Database) -> str | None:
    with db.session() as s:
        return read_url(s, SETTING_BKPSDM_URL)


remembered_password = saved_password  # the BKPSDM login's password kept in keyring, if any


def check_login(url: str, password: str | None, timeout: int = 5) -> BkpsdmLogin:
    """Connect and insist on a BKPSDM login (raises CentralUnreachable / PermissionDeniedError)."""
    with connect(url, password, timeout=timeout) as conn:
        role = require_bkpsdm(conn)
    return BkpsdmLogin(url, password, role)


def save_login(db: Database, user: CurrentUser, url: str, password: str | None, remember: bool) -> Changes:
    """Remember the BKPSDM URL (and, when asked, the password in keyring); audited."""
    user.require("bkpsdm")
    login_parts(url, example="postgresql://bkpsdm@host/bkpsdm")
    with db.transaction() as s:
        put_url(s, SETTING_BKPSDM_URL, url)
        audit.record(s, user.username, "central.bkpsdm_login", "setting", SETTING_BKPSDM_URL, {"url": url})
    if remember and password:
        remember_password(url, password)
    return Changes(settings=True)
