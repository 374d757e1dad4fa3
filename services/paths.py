"""Where the app keeps its files (per-user data dir; PRESENSI_DATA_DIR overrides)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def data_dir() -> Path:
    override = os.environ.get("PRESENSI_DATA_DIR")
    if override:
        base = Path(override)
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "PresensiOPD"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "presensi-opd"
    base.mkdir(parents=True, exist_ok=True)
    return base


def default_db_path() -> Path:
    return data_dir() / "presensi.sqlite"


def demo_db_path() -> Path:
    return data_dir() / "demo" / "presensi-demo.sqlite"


def files_dir(db_path: Path, kind: str) -> Path:
    """Folder beside the database for stored files (photos, attachments, reports)."""
    d = Path(db_path).parent / "files" / kind
    d.mkdir(parents=True, exist_ok=True)
    return d
