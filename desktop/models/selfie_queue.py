"""Table model of the selfie verification queue (rows are services.selfie.queue.QueueItem, riskiest first)."""

from __future__ import annotations

from typing import Any

from desktop.models.row_table import RowTableModel
from services.selfie.checks import label_flags
from services.selfie.queue import VERDICTS, QueueItem
from services.timefmt import tanggal_jam

VERDICT_COLOURS = {"approved": "#d8f3dc", "rejected": "#ffd6d6", "manipulation": "#ffc2c2"}
FLAG_COLOUR = "#fff1c2"
OTHER_PERSON_COLOUR = "#ffd6d6"
FACE_COLUMN, FLAGS_COLUMN = 2, 4


def _distance(it: QueueItem) -> str:
    return "-" if it.distance_m is None else f"{it.distance_m:,.0f} m".replace(",", ".")


def _background(it: Any, column: int) -> str | None:
    if it.verdict in VERDICT_COLOURS:
        return VERDICT_COLOURS[it.verdict]
    if column == FACE_COLUMN and "low_similarity" in it.all_flags:
        return OTHER_PERSON_COLOUR
    if column == FLAGS_COLUMN and it.all_flags:
        return FLAG_COLOUR
    return None


def _tooltip(it: Any, column: int) -> str | None:
    if column == FLAGS_COLUMN:  # the flags column is narrow: hover shows every flag with its evidence
        return "\n".join(f"• {line}" for line in it.explanations) or "Tidak ada tanda"
    if column == FACE_COLUMN:
        if it.face_distance is None:
            return it.score_words
        return f"{it.score_words}: jarak wajah {it.face_distance:.2f} (ambang {it.match_threshold or 0:.2f}), {it.reference_text}"
    if column == 1:
        return f"{it.employee_name} (NIP {it.nip})"
    return None


class SelfieQueueModel(RowTableModel):
    COLUMNS = [
        ("Waktu", lambda it: f"{tanggal_jam(it.ts)}"),
        ("Pegawai", lambda it: it.employee_name),
        ("Wajah", lambda it: it.score_words),
        ("Jarak", _distance),
        ("Tanda", lambda it: label_flags(it.all_flags) or "—"),
        ("Status", lambda it: VERDICTS.get(it.verdict, it.verdict)),
    ]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(self.COLUMNS, background=_background, parent=parent, tooltip=_tooltip)

    def item(self, r: int) -> QueueItem:
        return self.row(r)

    def replace_item(self, r: int, item: QueueItem) -> None:
        self._rows[r] = item
        self.dataChanged.emit(self.index(r, 0), self.index(r, self.columnCount() - 1))
