"""Rekonsiliasi: "Ekspor Excel…" and "Cetak…" of the month grid as shown (unit, search and filter applied).

The files are built by services/reports/grid_export.py; printing goes through the print preview of
desktop/printing.py like every other document.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMessageBox, QPushButton

from services.calendar.names import BULAN
from services.reconcile.grid import MonthGrid
from services.reports.grid_export import export_grid_excel, grid_pdf
from services.store.models import Opd
from services.timefmt import tanggal_jam

if TYPE_CHECKING:
    from desktop.printing import PrintPreviewDialog
    from desktop.views.reconcile import ReconcileView


class GridExports:
    def __init__(self, view: ReconcileView, row: QHBoxLayout) -> None:
        self.view = view
        self.excel_btn = QPushButton("Excel…")
        self.excel_btn.setToolTip("Ekspor tabel bulanan yang tampil (unit, pencarian, saringan) ke berkas Excel")
        self.excel_btn.clicked.connect(lambda: self.export_excel())
        self.print_btn = QPushButton("Cetak…")
        self.print_btn.setToolTip("Pratinjau cetak tabel bulanan (A4 melintang)")
        self.print_btn.clicked.connect(lambda: self.print_grid())
        row.addWidget(self.excel_btn)
        row.addWidget(self.print_btn)

    def shown(self) -> MonthGrid | None:
        grid = self.view.model.grid
        if grid is None or not grid.rows:
            QMessageBox.information(self.view, "Tabel kosong", "Belum ada pegawai yang tampil di tabel bulanan.")
            return None
        return grid

    def _names(self) -> tuple[str, str]:
        with self.view.ctx.db.session() as s:
            opd = s.get(Opd, self.view.ctx.opd_id)
        unit = self.view.unit.currentText() if self.view.unit.currentData() is not None else ""
        return (opd.name if opd else "OPD"), unit

    def export_excel(self, path: Path | None = None) -> Path | None:
        grid = self.shown()
        if grid is None:
            return None
        if path is None:
            suggested = self.view.ctx.data_dir / f"rekap-{grid.year}-{grid.month:02d}.xlsx"
            chosen, _ = QFileDialog.getSaveFileName(self.view, "Ekspor tabel bulanan", str(suggested), "Excel (*.xlsx)")
            if not chosen:
                return None
            path = Path(chosen)
        opd, unit = self._names()
        try:
            out = export_grid_excel(grid, path, opd_name=opd, unit_name=unit)
        except OSError as exc:
            QMessageBox.warning(self.view, "Tidak tersimpan", f"{path.name} tidak dapat ditulis: {exc.strerror or exc}")
            return None
        self.view.ctx.status(f"Tabel {BULAN[grid.month - 1]} {grid.year} ({len(grid.rows)} pegawai) diekspor ke "
                             f"{out.name}")
        return out

    def print_grid(self) -> PrintPreviewDialog | None:
        from desktop.printing import show_print_preview

        grid = self.shown()
        if grid is None:
            return None
        opd, unit = self._names()
        pdf = grid_pdf(grid, opd_name=opd, unit_name=unit, printed_at=tanggal_jam(self.view.ctx.clock.now()))
        folder = self.view.ctx.data_dir / "cetak"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"rekap-{grid.year}-{grid.month:02d}.pdf"
        path.write_bytes(pdf)
        return show_print_preview(self.view, path, f"Tabel bulanan {BULAN[grid.month - 1]} {grid.year}",
                                  self.view.ctx.status)


def install_grid_exports(view: ReconcileView, row: QHBoxLayout) -> GridExports:
    return GridExports(view, row)
