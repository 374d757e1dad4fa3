"""Logging in on the CLI from tests: a password file only its owner can read (never an environment variable)."""

from __future__ import annotations

import os
from pathlib import Path

from services.demo.sample_org import DEFAULT_PASSWORD
from services.store.db import Database


def password_file(folder: Path, password: str = DEFAULT_PASSWORD, name: str = "sandi.txt") -> Path:
    path = folder / name
    path.write_text(password + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def login_args(user: str, folder: Path, password: str = DEFAULT_PASSWORD) -> list[str]:
    """``--user NAME --password-file F`` for a sub-command (the demo users share one password)."""
    return ["--user", user, "--password-file", str(password_file(folder, password, f"sandi-{user}.txt"))]


def sync_account_args(db: Database, folder: Path) -> list[str]:
    """Login args of the scheduled-sync account (role sinkron), provisioned as schedule-sync does.

    A child process that has no keyring opens the audit key through this account's wrap.
    """
    from services.auth.users import SYNC_ACCOUNT, SYSTEM_USER, provision_sync_account

    with db.transaction() as s:
        password = provision_sync_account(s, SYSTEM_USER)
    return ["--user", SYNC_ACCOUNT, "--password-file", str(password_file(folder, password, "sinkron.password"))]
