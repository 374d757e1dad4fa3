"""GUI start to the main window on the year database (after login), beside a bare Qt window.

usage: .venv/bin/python bench/gui_start_bench.py [--runs 5]
Project = a fresh process: imports, open the 5,000-employee year database, the main window shown with the
dashboard (its figures load on a worker thread; "figures" = until they are on screen too). Floor = a fresh
process that shows an empty QMainWindow (Python + Qt start). Offscreen platform; medians. Target <= 1.0 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from support import ROOT, load_average, median  # type: ignore[import-not-found]
from year_db import year_db_path  # type: ignore[import-not-found]

PROJECT = """
import time, sys
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop.main_window import MainWindow
from services.clock import FrozenClock
from services.store.db import open_database
from tests.gui_helpers import make_context
db = open_database(sys.argv[1], clock=FrozenClock("2026-12-15 09:00"))
win = MainWindow(make_context(db, "operator"))
win.show()
app.processEvents()
shown = time.perf_counter() - t0
dash = win.view("dasbor")
while dash.loading or dash.cards["employees"].value.text() == "–":
    app.processEvents()
    time.sleep(0.002)
print(f"{shown:.4f} {time.perf_counter() - t0:.4f}")
"""
FLOOR = """
import time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow()
w.show()
app.processEvents()
print(f"{time.perf_counter() - t0:.4f}")
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = str(year_db_path())
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    print(f"load average before: {load_average()}")
    shown, figures, whole, floor, floor_whole = [], [], [], [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", PROJECT, path], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        whole.append(time.perf_counter() - t)
        shown.append(float(out[-2]))
        figures.append(float(out[-1]))
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", FLOOR], cwd=ROOT, env=env, check=True, capture_output=True,
                             text=True).stdout.split()
        floor_whole.append(time.perf_counter() - t)
        floor.append(float(out[-1]))
    print(f"main window shown: {median(shown):.2f} s after the script starts; dashboard figures on screen: "
          f"{median(figures):.2f} s; whole process {median(whole):.2f} s (medians of {args.runs})")
    print(f"floor, empty QMainWindow: {median(floor):.2f} s (process {median(floor_whole):.2f} s) -> "
          f"project / floor = {median(shown) / median(floor):.1f}x (target <= 1.0 s to the main window)")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
