"""A long table split page by page in linear time, header rows repeated on every page.

reportlab's ``Table``/``LongTable`` split by building a new table of *all remaining rows* at every
page break and recomputing its span maps and row heights, so a 6,000-row report costs
pages x rows (47 s). Here the row heights are measured once, in one table of all rows, and each
page gets a small table of the header rows plus the rows that fit (found by bisection on the
running height), so a page costs only its own rows.

The style is given as two parts: ``style`` (commands whose row indices hold for any slice: header
rows 0..header_rows-1, body rows counted from header_rows, negative indices from the end) and
``last_row_style(last)`` (commands for the closing row, e.g. the totals line, given its index in
the table that holds it). Alternating row colours restart on every page
(as LongTable's did).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.platypus import Flowable, Table, TableStyle

StyleCommands = list[tuple[Any, ...]]
_MEASURE_BLOCK = 200  # rows per measuring table


class PagedTable(Flowable):
    def __init__(self, header: Sequence[list], body: Sequence[list], col_widths: Sequence[float],
                 style: StyleCommands, last_row_style: Callable[[int], StyleCommands],
                 row_backgrounds: Sequence[Any] = (), *, _measured: tuple[list[float], list[float]] | None = None,
                 _start: int = 0) -> None:
        super().__init__()
        self.hAlign = "CENTER"  # like Table, so the last page sits where the split pages do
        self.header, self.body = list(header), body if isinstance(body, list) else list(body)
        self.col_widths = list(col_widths)
        self.style, self.last_row_style = style, last_row_style
        self.row_backgrounds = list(row_backgrounds)
        self._start = _start
        self._measured = _measured  # (heights of header + body rows, running sum of the body heights)

    # -------------------------------------------------------------- measuring

    def _measure(self, avail_width: float) -> tuple[list[float], list[float]]:
        if self._measured is None:
            # blocks of rows, not one table of all: Table's height pass looks for the next unmeasured row
            # from the start of its list each time (quadratic in the rows of one table)
            n_head = len(self.header)
            heights: list[float] = []
            for start in range(0, max(len(self.body), 1), _MEASURE_BLOCK):
                block = self._table(start, min(start + _MEASURE_BLOCK, len(self.body)))
                block.wrap(avail_width, 1e9)
                measured = list(block._rowHeights)  # noqa: SLF001 - reportlab keeps the measured heights here
                heights += measured if start == 0 else measured[n_head:]
            self._measured = (heights, [0.0, *itertools.accumulate(heights[n_head:])])
        return self._measured

    def _header_height(self) -> float:
        assert self._measured is not None
        return sum(self._measured[0][:len(self.header)])

    def _height_of(self, start: int, stop: int) -> float:
        assert self._measured is not None
        running = self._measured[1]
        return self._header_height() + running[stop] - running[start]

    # -------------------------------------------------------------- tables

    def _table(self, start: int, stop: int) -> Table:
        """Header rows + body[start:stop], with the measured heights when known."""
        n_head = len(self.header)
        rows = self.header + list(self.body[start:stop])
        last = len(rows) - 1
        closing = stop == len(self.body)
        cmds = list(self.style)
        if self.row_backgrounds:
            # every page starts the colour cycle afresh, as LongTable's split pages did
            cmds.append(("ROWBACKGROUNDS", (0, n_head), (-1, last - 1 if closing else last), self.row_backgrounds))
        if closing:
            cmds += self.last_row_style(last)
        heights = None
        if self._measured is not None:
            all_h = self._measured[0]
            heights = all_h[:n_head] + all_h[n_head + start:n_head + stop]
        return Table(rows, colWidths=self.col_widths, rowHeights=heights, style=TableStyle(cmds))

    # -------------------------------------------------------------- flowable protocol

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._measure(avail_width)
        self.width = sum(self.col_widths)
        self.height = self._height_of(self._start, len(self.body))
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self._measure(avail_width)
        running = self._measured[1]  # type: ignore[index]
        room = avail_height - self._header_height()
        # the last stop whose rows fit: running[stop] - running[start] <= room
        stop = bisect.bisect_right(running, running[self._start] + room + 1e-6) - 1
        if stop <= self._start:
            return []  # not even one row here: the frame moves us to the next page
        if stop >= len(self.body):
            return [self]
        rest = PagedTable(self.header, self.body, self.col_widths, self.style, self.last_row_style,
                          self.row_backgrounds, _measured=self._measured, _start=stop)
        page = self._table(self._start, stop)
        # let the page's cells go once it is drawn: fewer live objects for the garbage collector to walk
        self.body[self._start:stop] = [None] * (stop - self._start)
        return [page, rest]

    def draw(self) -> None:
        table = self._table(self._start, len(self.body))
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)
