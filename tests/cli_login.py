"""Logging in on the CLI from tests: a password file only its owner can read (never an environment variable)."""

from __future__ import annotations

import os
from pathlib import Path

from services.demo.sample_org import DEFAULT_PASSWORD


def password_file(folder: Path, password: str = DEFAULT_PASSWORD, name: str = "sandi.txt") -> Path:
    path = folder / name
    path.write_text(password + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def login_args(user: str, folder: Path, password: str = DEFAULT_PASSWORD) -> list[str]:
    """``--user NAME --password-file F`` for a sub-command (the demo users share one password)."""
    return ["--user", user, "--password-file", str(password_file(folder, password, f"sandi-{user}.txt"))]
