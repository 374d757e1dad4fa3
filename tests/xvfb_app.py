"""Child process of the real-screen test: open the main window on an X display and visit every screen.

Run as ``python -m tests.xvfb_app DB_PATH SHOTS_DIR`` with DISPLAY set and QT_QPA_PLATFORM=xcb
(tests/test_screen_xvfb.py starts Xvfb and this process). After the window is shown and after each
screen is opened it records the window's frame geometry as Qt sees it and as the X server reports
it (``xdotool getwindowgeometry``), saves a screenshot of the whole X screen, and prints one JSON
document on stdout. With PRESENSI_README_SHOTS=<folder> it also saves the window of the screens the
README shows (README_SHOTS) there: the README's pictures come from this real-X-screen run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow
from desktop.views import SCREENS
from services.clock import FrozenClock
from services.store.db import open_database
from tests.frozen import FROZEN_NOW
from tests.gui_helpers import make_context

# screen key -> docs/screenshots file shown in README.md
README_SHOTS = {"dasbor": "dashboard.png", "pegawai": "pegawai.png", "perangkat": "perangkat.png",
                "mobile": "mobile.png", "jadwal": "jadwal.png", "surat": "surat.png",
                "rekonsiliasi": "rekonsiliasi.png", "swafoto": "swafoto.png", "tpp": "tpp.png",
                "laporan": "laporan.png", "pengaturan": "pengaturan.png"}


def _rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def _xdotool_geometry(win_id: int) -> list[int] | None:
    """Position and size of the X window as the X server has it (None when xdotool is missing)."""
    tool = shutil.which("xdotool")
    if tool is None:
        return None
    out = subprocess.run([tool, "getwindowgeometry", "--shell", str(win_id)], capture_output=True, text=True,
                         timeout=10, check=True).stdout
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return [int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])]


def _settle(app: QApplication, win: MainWindow, seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end or win.ctx.runner.active():
        app.processEvents()
        time.sleep(0.02)
        if time.monotonic() > end + 60:
            break


def main(db_path: str, shots: str) -> int:
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv[:1]))
    db = open_database(Path(db_path), clock=FrozenClock(FROZEN_NOW))
    ctx = make_context(db, sys.argv[3] if len(sys.argv) > 3 else "admin")
    win = MainWindow(ctx)
    win.show()
    out_dir = Path(shots)
    out_dir.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    readme = os.environ.get("PRESENSI_README_SHOTS")

    def record(key: str) -> None:
        _settle(app, win)
        screen = win.screen()
        shot = out_dir / f"xvfb_{len(records):02d}_{key}.png"
        screen.grabWindow(0).save(str(shot))
        if readme and key in README_SHOTS:
            Path(readme).mkdir(parents=True, exist_ok=True)
            win.grab().save(str(Path(readme) / README_SHOTS[key]))
        records.append({
            "screen": key,
            "frame": _rect(win.frameGeometry()),
            "geometry": _rect(win.geometry()),
            "available": _rect(screen.availableGeometry()),
            "x11": _xdotool_geometry(int(win.winId())),
            "view": type(win.current_view()).__name__,
            "shot": str(shot),
        })

    record("(dibuka)")
    for row, (key, _title, _module, _cls) in enumerate(SCREENS):
        win.nav.setCurrentRow(row)
        record(key)
    result = {"records": records, "broken": {k: repr(v) for k, v in win.broken_screens.items()}}
    print(json.dumps(result), flush=True)
    win.close()
    ctx.runner.wait_all(15000)
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
