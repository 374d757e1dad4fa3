"""Where tests save the screenshots a human may look at: under pytest's temp dir (or $PRESENSI_SHOTS_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

_dir: Path | None = None


def set_shots_dir(path: Path) -> None:
    global _dir
    _dir = path


def shots_dir() -> Path:
    wanted = os.environ.get("PRESENSI_SHOTS_DIR")
    path = Path(wanted) if wanted else _dir
    if path is None:
        raise RuntimeError("shots_dir() dipanggil di luar sesi pytest")
    path.mkdir(parents=True, exist_ok=True)
    return path
