"""Dashboard after login on the year database: the figures' queries beside a plain count, and UI-thread time.

usage: .venv/bin/python bench/dashboard_bench.py [--runs 7]
Project = ``desktop.views.dashboard.load_dashboard`` (what the worker thread runs: dashboard_facts +
deadline reminder) on 15 December of the 5,000-employee year. Floor = ``SELECT count(*) FROM employee``
plus the day's punch count by the index: the least a dashboard shows. UI thread = time ``refresh()``
blocks the event loop (it only starts the operation). Target <= 50 ms, off the UI thread.
"""

from __future__ import annotations

import datetime as dt
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support import median  # type: ignore[import-not-found]  # noqa: E402
from year_db import YearBench, year_bench  # type: ignore[import-not-found]  # noqa: E402

TODAY = dt.date(2026, 12, 15)


def main() -> int:
    from services.clock import FrozenClock

    with year_bench(default_runs=7, clock=FrozenClock("2026-12-15 09:00")) as yb:
        _measure(yb)
    return 0


def _measure(yb: YearBench) -> None:
    from PySide6.QtWidgets import QApplication

    from desktop.views.dashboard import DashboardView, load_dashboard
    from tests.gui_helpers import make_context

    db, con, args = yb.db, yb.con, yb
    project, floor, ui = [], [], []
    load_dashboard(db, 1, TODAY)  # first read warms the connection and the page cache for both
    for _ in range(args.runs):
        t = time.perf_counter()
        load_dashboard(db, 1, TODAY)
        project.append(time.perf_counter() - t)
        t = time.perf_counter()
        con.execute("SELECT count(*) FROM employee").fetchone()
        con.execute("SELECT count(*) FROM punch WHERE ts >= ? AND ts < ?", ("2026-12-15", "2026-12-16")).fetchone()
        floor.append(time.perf_counter() - t)
    app = QApplication.instance() or QApplication([])
    view = DashboardView(make_context(db, "operator"))
    view.show()
    for _ in range(args.runs):
        t = time.perf_counter()
        view.refresh()
        ui.append(time.perf_counter() - t)
        while view.loading:
            app.processEvents()
            time.sleep(0.002)
    p, f = median(project) * 1000, median(floor) * 1000
    print(f"load_dashboard (worker thread): {p:.1f} ms | floor: {f:.1f} ms -> {p / f:.1f}x | "
          f"UI thread blocked by refresh(): {median(ui) * 1000:.1f} ms (medians of {args.runs}; target <= 50 ms)")
    print(f"cards: {view.cards['employees'].value.text()} pegawai, {view.cards['punches'].value.text()} rekaman hari ini, "
          f"{view.cards['review'].value.text()} hari perlu ditinjau")


if __name__ == "__main__":
    raise SystemExit(main())
