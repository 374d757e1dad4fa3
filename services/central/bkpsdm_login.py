"""The BKPSDM reviewer's connection to the central database (the app's BKPSDM mode).

A local user with the role "bkpsdm" reviews with the central database's BKPSDM login (a member
of ``presensi_bkpsdm``). The URL (never with a password) is the setting ``central.bkpsdm_url``;
the password is kept in keyring (kind "central", name = the login) only when the reviewer asks.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from services import secrets
from services.auth import audit
from services.auth.users import CurrentUser
from services.central.admin import url_user
from services.central.client import connect
from services.central.outbox import SECRET_KIND
from services.central.review import require_bkpsdm
from services.changes import Changes
from services.errors import BadInputError
from services.store.db import Database
from services.store.models import Setting

SETTING_BKPSDM_URL = "central.bkpsdm_url"


@dataclass(frozen=True)
class BkpsdmLogin:
    url: str
    password: str | None
    role: str  # the login as the server knows it


def bkpsdm_url(db: Database) -> str | None:
    with db.session() as s:
        row = s.get(Setting, SETTING_BKPSDM_URL)
        return row.value if row and row.value else None


def remembered_password(url: str) -> str | None:
    return secrets.get_secret(SECRET_KIND, url_user(url))


def check_login(url: str, password: str | None, timeout: int = 5) -> BkpsdmLogin:
    """Connect and insist on a BKPSDM login (raises CentralUnreachable / PermissionDeniedError)."""
    with connect(url, password, timeout=timeout) as conn:
        role = require_bkpsdm(conn)
    return BkpsdmLogin(url, password, role)


def save_login(db: Database, user: CurrentUser, url: str, password: str | None, remember: bool) -> Changes:
    """Remember the BKPSDM URL (and, when asked, the password in keyring); audited."""
    user.require("bkpsdm")
    info = psycopg.conninfo.conninfo_to_dict(url)
    if info.pop("password", None) is not None:
        raise BadInputError("Jangan menulis kata sandi di alamat; kata sandi diminta terpisah (dan boleh disimpan di "
                            "keyring).")
    if not info.get("user"):
        raise BadInputError("Alamat server pusat harus memuat login BKPSDM, mis. postgresql://bkpsdm@host/bkpsdm")
    with db.transaction() as s:
        row = s.get(Setting, SETTING_BKPSDM_URL)
        if row is None:
            s.add(Setting(key=SETTING_BKPSDM_URL, value=url))
        else:
            row.value = url
        audit.record(s, user.username, "central.bkpsdm_login", "setting", SETTING_BKPSDM_URL, {"url": url})
    if remember and password:
        secrets.set_secret(SECRET_KIND, str(info["user"]), password)
    return Changes(settings=True)
