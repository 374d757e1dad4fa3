"""Employee x day month grid over precomputed GridRow tuples (no widget per cell).

The employee names live in the vertical header, not in a column: the header stays put when the
grid scrolls sideways, so on a 1366 px laptop the name is still beside day 28.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from services.calendar.names import HARI
from services.reconcile.grid import GridRow, MonthGrid

Index = QModelIndex | QPersistentModelIndex

CATEGORY_COLOURS = {
    "hadir": "#c8e6c9",
    "telat": "#ffe0b2",
    "tk": "#ef9a9a",
    "cuti": "#bbdefb",
    "dl": "#b2dfdb",
    "sakit_izin": "#e1bee7",
    "libur": "#e0e0e0",
    "belum": "#ffffff",
}
# (code shown in the cell, meaning) for the legend under the toolbar
CATEGORY_LABELS = {
    "hadir": ("H", "hadir"),
    "telat": ("TL/PSW", "terlambat / pulang cepat"),
    "tk": ("TK", "tanpa keterangan"),
    "cuti": ("CT, CS…", "cuti"),
    "dl": ("DL", "dinas luar"),
    "sakit_izin": ("S/I", "sakit / izin"),
    "libur": ("L/CB", "libur / cuti bersama"),
}
# (key in GridRow.totals, header, header tooltip)
TOTAL_COLUMNS = [
    ("H", "H", "Jumlah hari hadir"),
    ("TL", "TL", "Jumlah hari terlambat"),
    ("PSW", "PSW", "Jumlah hari pulang sebelum waktunya"),
    ("TK", "TK", "Jumlah hari tanpa keterangan"),
    ("CUTI", "Cuti", "Jumlah hari cuti"),
    ("DL", "DL", "Jumlah hari dinas luar"),
    ("S/I", "S/I", "Jumlah hari sakit / izin"),
]

# roles as plain ints: data() is called ~10 times per visible cell per repaint, so it returns early
# for every role it does not serve and avoids enum comparisons. (A painting delegate would need one
# call per cell, but Python-side QPainter calls from a delegate crash PySide6 6.12 on Python 3.11
# with "deallocating None", so the grid stays on the default delegate: ~20-40 ms per scroll step.)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_SERVED = frozenset({_DISPLAY, _BACKGROUND, _TOOLTIP, _FOREGROUND, _FONT, _ALIGN})
_CENTER = int(Qt.AlignmentFlag.AlignCenter.value)


class MonthGridModel(QAbstractTableModel):
    """One column per day, then the monthly totals; row headers are the employee names."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._grid: MonthGrid | None = None
        self._n_days = 0
        self._rows: tuple[GridRow, ...] = ()
        self._brushes = {k: QBrush(QColor(v)) for k, v in CATEGORY_COLOURS.items()}
        self._exc_fg = QBrush(QColor("#b71c1c"))
        self._weekend_header = QBrush(QColor("#9e9e9e"))
        # day cells use a slightly smaller font so "PSW4" / "TL1+" fit a narrow column
        self._small = QFont()
        self._small.setPointSizeF(max(7.0, self._small.pointSizeF() - 1.5))
        self._sorted: tuple[int, Qt.SortOrder] | None = None
        self._bold = QFont(self._small)
        self._bold.setBold(True)

    def set_grid(self, grid: MonthGrid) -> None:
        self.beginResetModel()
        self._grid = grid
        self._rows = grid.rows
        self._n_days = len(grid.days)
        if self._sorted is not None:
            self._rows = self._sorted_rows(*self._sorted)
        self.endResetModel()

    @property
    def grid(self) -> MonthGrid | None:
        """The grid as shown: the rows in the current (filtered, sorted) order."""
        return dataclasses.replace(self._grid, rows=tuple(self._rows)) if self._grid is not None else None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header click: a day column sorts by that day's status, a total column by the number;
        -1 goes back to the service's order (unit, name). A month of a few hundred rows sorts at once."""
        if self._grid is None:
            return
        self.layoutAboutToBeChanged.emit()
        self._sorted = (column, order) if 0 <= column < self.columnCount() else None
        self._rows = self._sorted_rows(*self._sorted) if self._sorted else self._grid.rows
        self.layoutChanged.emit()

    def _sorted_rows(self, column: int, order: Qt.SortOrder) -> tuple[GridRow, ...]:
        assert self._grid is not None
        rows = list(self._grid.rows)  # the grid given is already the filtered one (ReconcileView._apply_filter)
        if column < self._n_days:
            def key(r: GridRow) -> tuple[int, str, str]:
                c = r.cells[column]
                return (1, "", r.name) if c is None else (0, c.label, r.name)
        else:
            total = TOTAL_COLUMNS[column - self._n_days][0]

            def key(r: GridRow) -> tuple[int, str, str]:
                return (0, f"{r.totals.get(total, 0):06d}", r.name)
        return tuple(sorted(rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder))

    @property
    def n_days(self) -> int:
        return self._n_days

    def row_at(self, r: int) -> GridRow:
        return self._rows[r]

    def day_of_column(self, col: int):  # type: ignore[no-untyped-def]
        if self._grid and 0 <= col < self.n_days:
            return self._grid.days[col]
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self._grid else self.n_days + len(TOTAL_COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)
        if role not in _SERVED or not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if col < self._n_days:
            cell = row.cells[col]
            if cell is None:
                return None
            if role == _DISPLAY:
                return cell.label
            if role == _BACKGROUND:
                return self._brushes.get(cell.category)
            if role == _FONT:
                return self._bold if cell.exception else self._small
            if role == _ALIGN:
                return _CENTER
            if role == _FOREGROUND:
                return self._exc_fg if cell.exception else None
            return f"{row.name}\n{cell.tooltip}" + ("\n(klik dua kali untuk koreksi)" if cell.exception else "")
        if role == _DISPLAY:
            return str(row.totals.get(TOTAL_COLUMNS[col - self._n_days][0], 0))
        if role == _ALIGN:
            return _CENTER
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)
        if orientation == Qt.Orientation.Vertical:
            if section >= len(self._rows):
                return None
            row = self._rows[section]
            if role == _DISPLAY:
                return row.name
            if role == _TOOLTIP:
                return f"{row.name}\nNIP {row.nip}\n{row.unit}"
            return None
        if not self._grid:
            return None
        if section < self._n_days:
            d = self._grid.days[section]
            if role == _DISPLAY:
                return f"{d.day}\n{HARI[d.weekday()][:3]}"
            if role == _TOOLTIP:
                return f"{HARI[d.weekday()]}, {d:%d-%m-%Y}"
            if role == _FOREGROUND and d.weekday() >= 5:
                return self._weekend_header
            return None
        _key, header, tip = TOTAL_COLUMNS[section - self._n_days]
        if role == _DISPLAY:
            return header
        if role == _TOOLTIP:
            return tip
        return None

