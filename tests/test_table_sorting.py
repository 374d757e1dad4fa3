"""Every table of every screen sorts by a header click, and the sort is by value (numbers and dates
are not sorted as text); the month grid sorts too and its export/print show the order on screen."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QTableView, QTableWidget

from desktop.main_window import MainWindow
from desktop.models.row_table import RowTableModel, sort_key
from desktop.views import SCREENS
from services.calendar.seed import seed_calendar
from services.demo.month import seed_demo_month
from tests.gui_helpers import make_context


def _sorts(view: QTableView) -> bool:
    if isinstance(view, QTableWidget):  # its own item model sorts the items
        return view.isSortingEnabled()
    model = view.model()
    overridden = type(model).sort is not QAbstractItemModel.sort  # a model that really sorts
    return view.isSortingEnabled() and overridden


def test_every_table_in_every_screen_sorts(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(make_context(db, "admin"))
    qtbot.addWidget(win)
    missing: list[str] = []
    seen = 0
    for key, *_ in SCREENS:
        view = win.view(key)
        for table in view.findChildren(QTableView):
            seen += 1
            if not _sorts(table):
                missing.append(f"{key}: {table.objectName() or type(table.model()).__name__}")
    assert seen >= 15, seen  # the walk reached the screens' tables
    assert not missing, "Tabel tanpa pengurutan:\n" + "\n".join(missing)
    win.close()


def test_sort_is_by_value_and_survives_a_reload(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = RowTableModel([("Tanggal", lambda r: r[0]), ("Rp", lambda r: r[1]), ("Nama", lambda r: r[2])])
    rows = [("02-01-2027", "7.500.000", "budi"), ("31-12-2026", "900.000", "Ani"), ("15-06-2026", "", "citra")]
    model.set_rows(rows)
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert [model.row(i)[0] for i in range(3)] == ["15-06-2026", "31-12-2026", "02-01-2027"]
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert [model.row(i)[1] for i in range(3)] == ["", "7.500.000", "900.000"]  # (empty sorts last ascending)
    model.sort(2, Qt.SortOrder.AscendingOrder)
    model.set_rows(list(reversed(rows)))  # a refresh keeps the user's sort
    assert [model.row(i)[2] for i in range(3)] == ["Ani", "budi", "citra"]
    model.sort(-1)
    assert [model.row(i)[2] for i in range(3)] == ["citra", "Ani", "budi"]  # back to the service's order
    assert sort_key(5) < sort_key(dt.date(2026, 1, 1)) < sort_key("a") < sort_key("")


def test_month_grid_sorts_and_exports_what_is_shown(qtbot, db, org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    from desktop.views.reconcile import ReconcileView

    with db.transaction() as s:
        seed_calendar(s, [2026])
        seed_demo_month(s, org.opd_id, 2026, 10, today=dt.date(2026, 11, 10))
    view = ReconcileView(make_context(db, "operator"))
    qtbot.addWidget(view)
    view.period.set_value(2026, 10)
    view.refresh()
    model = view.model
    tk_col = model.columnCount() - 1 - next(i for i, c in enumerate(reversed(
        [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())])) if c == "TK")
    view.grid.sortByColumn(tk_col, Qt.SortOrder.DescendingOrder)
    counts = [model.row_at(r).totals.get("TK", 0) for r in range(model.rowCount())]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    out = view.exports.export_excel(tmp_path / "rekap.xlsx")
    ws = openpyxl.load_workbook(out).active
    assert ws.cell(1, 1).value.startswith("Rekap kehadiran Oktober 2026")
    assert [ws.cell(4 + i, 3).value for i in range(3)] == [model.row_at(i).name for i in range(3)]
    day1 = model.row_at(0).cells[0]
    assert ws.cell(4, 5).value == (day1.label if day1 else "")
    dlg = view.exports.print_grid()
    qtbot.addWidget(dlg)
    assert dlg.page_count() >= 1
    dlg.close()
