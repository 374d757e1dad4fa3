"""A central-database login as the app keeps it: the URL in a Setting (never with a password in it), the
password in keyring (kind "central", name = the login) only when the user asks.

Both the OPD's submission address (services.central.outbox) and the BKPSDM reviewer's address
(services.central.bkpsdm_login) are kept this way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services import secrets
from services.central.admin import url_user
from services.errors import BadInputError
from services.store.models import Setting

SECRET_KIND = "central"


def login_parts(url: str, *, example: str) -> dict[str, Any]:
    """The URL's connection parts; refuses a password written into it and a URL without a login."""
    import psycopg

    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise BadInputError(f"Alamat server pusat tidak valid: {str(exc).strip()[:200]}") from None
    if info.pop("password", None) is not None:
        raise BadInputError("Jangan menulis kata sandi di alamat; kata sandi diminta terpisah (dan boleh disimpan "
                            "di keyring).")
    if not info.get("user"):
        raise BadInputError(f"Alamat server pusat harus memuat nama login, mis. {example}")
    return info


def read_url(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row and row.value else None


def put_url(session: Session, key: str, url: str) -> str:
    """Store the URL setting in the caller's transaction; returns the previous value ("" if none)."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=url))
        return ""
    old, row.value = row.value, url
    return old


def remember_password(url: str, password: str) -> None:
    """Keep the password of the URL's login in keyring (raises secrets.SecretStoreUnavailable without one)."""
    secrets.set_secret(SECRET_KIND, url_user(url), password)


def saved_password(url: str) -> str | None:
    """The password kept in keyring for the URL's login, if any."""
    return secrets.get_secret(SECRET_KIND, url_user(url))
