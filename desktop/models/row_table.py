"""Generic read-only table model over light row tuples (no ORM objects in the UI)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Index = QModelIndex | QPersistentModelIndex


class RowTableModel(QAbstractTableModel):
    """Columns are (header, formatter) pairs; rows are light values from services (tuples or frozen dataclasses).

    ``background`` optionally maps (row, column) to a colour name for colour-coding.
    ``tooltip`` optionally maps (row, column) to a hover text; by default a cell's tooltip is its own
    text, so a value cut off ("Bidang …") in a narrow column can still be read in full.
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, Callable[[Any], Any]]],
        background: Callable[[Any, int], str | None] | None = None,
        parent: Any = None,
        tooltip: Callable[[Any, int], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []
        self._background = background
        self._tooltip = tooltip

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, r: int) -> Any:
        return self._rows[r]

    def rows(self) -> list[Any]:
        return self._rows

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._columns[index.column()][1](row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if self._tooltip is not None:
                return self._tooltip(row, index.column())
            value = self._columns[index.column()][1](row)
            return None if value is None or value == "" else str(value)
        if role == Qt.ItemDataRole.BackgroundRole and self._background:
            colour = self._background(row, index.column())
            return QBrush(QColor(colour)) if colour else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section][0]
        return str(section + 1)
