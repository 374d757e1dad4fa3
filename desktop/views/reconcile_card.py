"""Rekonsiliasi → "Kartu presensi…": the selected employee's month as a PDF, then its print preview.

Installed onto the Rekonsiliasi screen by ``install_card_actions(view, row)`` (a button in the given
layout row and an entry in the grid's right-click menu), so the screen module itself stays small.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QHBoxLayout, QMenu, QMessageBox, QPushButton

from desktop.errors import present_refusal
from desktop.ops import Operation
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.reconcile.grid import ExceptionRow
from services.reports.card import CardResult, write_attendance_card

if TYPE_CHECKING:
    from desktop.printing import PrintPreviewDialog
    from desktop.views.reconcile import ReconcileView


def card_job(db, opd_id: int, employee_id: int, year: int, month: int, user, out: Path | None = None,  # type: ignore[no-untyped-def]
             *, progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> CardResult:
    progress(0, 1, "Menyusun kartu presensi")
    res = write_attendance_card(db, opd_id, employee_id, year, month, user, out)
    progress(1, 1, "Kartu presensi selesai")
    return res


class CardActions:
    """The Kartu presensi button and menu entry of one Rekonsiliasi screen."""

    def __init__(self, view: ReconcileView, row: QHBoxLayout) -> None:
        self.view = view
        self.button = QPushButton("Kartu presensi…")
        self.button.setToolTip("Kartu presensi bulanan (PDF) pegawai yang dipilih di tabel, lalu pratinjau cetak")
        self.button.clicked.connect(lambda: self.make_card())
        row.addWidget(self.button)
        self.preview: PrintPreviewDialog | None = None
        grid = view.grid
        grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        grid.customContextMenuRequested.connect(self._menu)
        header = grid.verticalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)

    def selected_employee(self) -> tuple[int, str] | None:
        """(employee id, name) of the current grid cell or the selected row of the review queue."""
        v = self.view
        if v.tabs.currentIndex() == 1:
            rows = v.exc_table.selectionModel().selectedRows()
            if rows:
                queued = cast(ExceptionRow, v.exc_model.row(rows[0].row()))
                return queued.employee_id, queued.name
        idx = v.grid.currentIndex()
        if idx.isValid() and idx.row() < v.model.rowCount():
            row = v.model.row_at(idx.row())
            return row.employee_id, row.name
        return None

    def _menu(self, pos: QPoint) -> None:
        idx = self.view.grid.indexAt(pos)
        if idx.isValid():
            self.view.grid.setCurrentIndex(idx)
            self._popup(self.view.grid.viewport().mapToGlobal(pos))

    def _header_menu(self, pos: QPoint) -> None:
        header = self.view.grid.verticalHeader()
        row = header.logicalIndexAt(pos)
        if row >= 0:
            self.view.grid.setCurrentIndex(self.view.model.index(row, 0))
            self._popup(header.mapToGlobal(pos))

    def _popup(self, where: QPoint) -> None:
        chosen = self.selected_employee()
        if chosen is None:
            return
        menu = QMenu(self.view)
        menu.addAction(f"Kartu presensi {chosen[1]}…", lambda: self.make_card())
        menu.popup(where)

    def make_card(self, out: Path | None = None) -> Operation | None:
        chosen = self.selected_employee()
        if chosen is None:
            QMessageBox.information(self.view, "Pilih pegawai",
                                    "Pilih satu sel pegawai di tabel bulanan (atau satu baris di antrean) dulu.")
            return None
        employee_id, name = chosen
        year, month = self.view.period.value()
        ctx = self.view.ctx
        op = ctx.runner.start(f"Kartu presensi {name}", card_job, ctx.db, ctx.opd_id, employee_id, year, month,
                              ctx.user, out)
        self.button.setEnabled(False)
        op.finished.connect(self._made)
        op.failed.connect(lambda exc, _tb: present_refusal(self.view, exc, "Kartu presensi tidak dapat dibuat"))
        op.done.connect(lambda: self.button.setEnabled(True))
        return op

    def _made(self, res: CardResult) -> None:
        from desktop.printing import show_print_preview

        ctx = self.view.ctx
        ctx.status(f"Kartu presensi {res.employee} tersimpan: {res.path}")
        self.preview = show_print_preview(self.view, res.path, f"Kartu presensi {res.employee}", ctx.status)


def install_card_actions(view: ReconcileView, row: QHBoxLayout) -> CardActions:
    return CardActions(view, row)
