"""Rekonsiliasi month grid with many employees: load time and the cost of painting while scrolling.

usage: .venv/bin/python bench/month_grid_bench.py [DB] [N_EMPLOYEES]
Without DB a demo office is built in a temporary folder (services.demo.build.build_demo, 2 months).
Prints: refresh (query + model reset), one full repaint of the visible grid, and the mean repaint
after each vertical / horizontal scroll step, on a 1366x768 main window.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from desktop.main_window import MainWindow
    from services.demo.build import build_demo
    from services.store.db import open_database
    from tests.gui_helpers import make_context

    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    if len(sys.argv) > 1 and sys.argv[1] != "-":
        path = Path(sys.argv[1])
    else:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite"
        t = time.perf_counter()
        build_demo(path, n, 2, with_central=False)
        print(f"demo built: {n} employees in {time.perf_counter() - t:.1f} s")
    db = open_database(path)
    win = MainWindow(make_context(db, "kepala"))
    win.resize(1366, 768)
    win.show()
    app.processEvents()
    win.nav.setCurrentRow(next(i for i in range(win.nav.count()) if win.nav.item(i).text() == "Rekonsiliasi"))
    view = win.view("rekonsiliasi")
    app.processEvents()

    t = time.perf_counter()
    view.refresh()
    refresh = time.perf_counter() - t
    viewport = view.grid.viewport()
    t = time.perf_counter()
    viewport.repaint()
    first = time.perf_counter() - t

    def scroll_cost(bar, steps: int) -> float:
        total = 0.0
        for i in range(steps):
            bar.setValue(int(bar.maximum() * i / max(steps - 1, 1)))
            t = time.perf_counter()
            viewport.repaint()
            total += time.perf_counter() - t
        return total / steps

    vertical = scroll_cost(view.grid.verticalScrollBar(), 40)
    horizontal = scroll_cost(view.grid.horizontalScrollBar(), 20)
    print(f"rows {view.model.rowCount()}, columns {view.model.columnCount()}")
    print(f"refresh (queries + model reset): {refresh * 1000:.0f} ms")
    print(f"first full repaint of the grid: {first * 1000:.1f} ms")
    print(f"repaint per vertical scroll step: {vertical * 1000:.1f} ms")
    print(f"repaint per horizontal scroll step: {horizontal * 1000:.1f} ms")
    win.close()
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
