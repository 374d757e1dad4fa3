"""Generic read-only table model over light row tuples (no ORM objects in the UI)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Index = QModelIndex | QPersistentModelIndex


_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})(.*)$")  # "25-11-2026" / "25-11-2026 08.21"
_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})+$|^-?\d+$")  # "7.500.000" / "42"


def sort_key(value: Any) -> tuple[int, Any]:
    """A key that sorts a cell's value as a person expects: numbers, then dates, then text; empty last."""
    if value is None or value == "" or value == "-" or value == "—":
        return (3, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, (dt.date, dt.datetime)):
        return (1, value.isoformat())
    text = str(value).strip()
    if _NUMBER.match(text):
        return (0, int(text.replace(".", "")))
    m = _DATE.match(text)
    if m:
        return (1, f"{m.group(3)}-{m.group(2)}-{m.group(1)}{m.group(4)}")
    return (2, text.casefold())


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
        self._original: list[Any] = []
        self._sorted: tuple[int, Qt.SortOrder] | None = None
        self._background = background
        self._tooltip = tooltip

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._original = list(self._rows)  # the order the service gave: sort(-1) goes back to it
        if self._sorted is not None:
            self._sort_rows(*self._sorted)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header click: sort the light rows by the column's value (numbers and dates by value, text
        case-insensitively); the choice is kept when the rows are reloaded. Tables with many rows sort
        in SQL instead (the month grid sorts its few hundred rows the same way)."""
        wanted = (column, order) if 0 <= column < len(self._columns) else None
        if wanted is None and self._sorted is None:
            return  # nothing sorted (Qt asks for column -1 when sorting is switched on): keep the rows as they are
        self.layoutAboutToBeChanged.emit()
        self._sorted = wanted
        if wanted is None:
            position = {id(r): i for i, r in enumerate(self._original)}  # a row replaced in place sorts last
            self._rows.sort(key=lambda r: position.get(id(r), len(position)))
        else:
            self._sort_rows(column, order)
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        fmt = self._columns[column][1]
        self._rows.sort(key=lambda r: sort_key(fmt(r)), reverse=order == Qt.SortOrder.DescendingOrder)

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
