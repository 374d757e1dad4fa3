"""Employee x day month grid over precomputed GridRow tuples (no widget per cell)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

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
CATEGORY_LABELS = {
    "hadir": "Hadir (H)",
    "telat": "Terlambat / pulang cepat (TL/PSW)",
    "tk": "Tanpa keterangan (TK)",
    "cuti": "Cuti (CT, CS, ...)",
    "dl": "Dinas luar (DL)",
    "sakit_izin": "Sakit / izin (S, I)",
    "libur": "Libur (L) / cuti bersama (CB)",
}
TOTAL_COLUMNS = [("H", "H"), ("TL", "TL"), ("PSW", "PSW"), ("TK", "TK"), ("CUTI", "Cuti"), ("DL", "DL"), ("S/I", "S/I")]
HARI = ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]

# roles as plain ints: data() is called ~10 times per visible cell per repaint, so it returns early
# for every role it does not serve and avoids enum comparisons
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_SERVED = frozenset({_DISPLAY, _BACKGROUND, _TOOLTIP, _FOREGROUND, _FONT, _ALIGN})
_CENTER = int(Qt.AlignmentFlag.AlignCenter.value)


class MonthGridModel(QAbstractTableModel):
    """Column 0 = employee name, then one column per day, then monthly totals."""

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
        self._bold = QFont(self._small)
        self._bold.setBold(True)

    def set_grid(self, grid: MonthGrid) -> None:
        self.beginResetModel()
        self._grid = grid
        self._rows = grid.rows
        self._n_days = len(grid.days)
        self.endResetModel()

    @property
    def n_days(self) -> int:
        return self._n_days

    def row_at(self, r: int) -> GridRow:
        return self._rows[r]

    def day_of_column(self, col: int):  # type: ignore[no-untyped-def]
        if self._grid and 1 <= col <= self.n_days:
            return self._grid.days[col - 1]
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self._grid else 1 + self.n_days + len(TOTAL_COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)
        if role not in _SERVED or not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if col == 0:
            if role == _DISPLAY:
                return row.name
            if role == _TOOLTIP:
                return f"{row.name}\nNIP {row.nip}\n{row.unit}"
            return None
        if col <= self.n_days:
            cell = row.cells[col - 1]
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
            return str(row.totals.get(TOTAL_COLUMNS[col - 1 - self.n_days][0], 0))
        if role == _ALIGN:
            return _CENTER
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if section == 0:
            return "Pegawai" if role == Qt.ItemDataRole.DisplayRole else None
        if section <= self.n_days and self._grid:
            d = self._grid.days[section - 1]
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{d.day}\n{HARI[d.weekday()]}"
            if role == Qt.ItemDataRole.ForegroundRole and d.weekday() >= 5:
                return self._weekend_header
            return None
        if role == Qt.ItemDataRole.DisplayRole and self._grid:
            return TOTAL_COLUMNS[section - 1 - self.n_days][1]
        return None
