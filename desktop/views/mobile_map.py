"""Impor Mobile → "Peta…": the punches of one import against the office circles (offline map)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget
from sqlalchemy import select

from desktop.context import AppContext
from desktop.mapview import MapView
from desktop.screen_fit import fit_size
from services.mobile.mapdata import MapData, batch_map
from services.policy.model import policy_for_opd
from services.store.models import ImportBatch

if TYPE_CHECKING:
    from desktop.views.mobile_import import MobileImportView


def load_batch_map(ctx: AppContext, batch_id: int) -> MapData:
    with ctx.db.session() as s:
        rules = policy_for_opd(s, ctx.opd_id).mobile
        return batch_map(s, ctx.opd_id, batch_id, rules.geofence_radius_m, rules.office_radius_may_exceed)


class MapDialog(QDialog):
    def __init__(self, data: MapData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Peta presensi mobile — {data.title}")
        self.setModal(False)
        self.map = MapView()
        self.map.set_data(data)
        summary = (f"{len(data.points)} rekaman berkoordinat: {data.inside} di dalam radius kantor (hijau), "
                   f"{data.outside} di luar radius (merah).")
        if data.without_position:
            summary += f" {data.without_position} rekaman tanpa koordinat tidak tampil."
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        close = QPushButton("Tutup")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.map, 1)
        lay.addLayout(bottom)
        self.resize(fit_size(self, QSize(760, 600)))


class MapButton:
    """The "Peta…" button: the import selected in the history table, else the newest mobile import."""

    def __init__(self, view: MobileImportView, row: QHBoxLayout) -> None:
        self.view = view
        self.dialog: MapDialog | None = None
        self.button = QPushButton("Peta…")
        self.button.setToolTip("Rekaman impor terpilih terhadap radius kantor (peta luring)")
        self.button.clicked.connect(lambda: self.show_map())
        row.addWidget(self.button)

    def batch_id(self) -> int | None:
        table = getattr(self.view, "history_view", None)
        if table is not None:
            rows = table.selectionModel().selectedRows()
            if rows:
                return int(self.view.history.row(rows[0].row())[0])
        with self.view.ctx.db.session() as s:
            return s.execute(select(ImportBatch.id).where(ImportBatch.kind == "mobile")
                             .order_by(ImportBatch.id.desc()).limit(1)).scalar()

    def show_map(self) -> MapDialog | None:
        batch = self.batch_id()
        if batch is None:
            QMessageBox.information(self.view, "Belum ada impor", "Belum ada impor presensi mobile untuk dipetakan.")
            return None
        self.dialog = MapDialog(load_batch_map(self.view.ctx, batch), self.view)
        self.dialog.show()
        return self.dialog
