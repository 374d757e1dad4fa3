"""Rekonsiliasi: month grid (employee x day), exception queue, corrections and the period lock."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from desktop.context import AppContext
from desktop.models.month_grid import CATEGORY_COLOURS, CATEGORY_LABELS, MonthGridModel
from desktop.models.row_table import RowTableModel
from desktop.views.reconcile_dialogs import CorrectionDialog, OpStrip, PeriodPicker
from services.reconcile.engine import recompute_month
from services.reconcile.grid import ExceptionRow, exception_queue, month_grid
from services.reconcile.period import STATUS_LABEL, get_period, lock_period, month_label, unlock_period
from services.store.models import WorkUnit

LOCK_STYLE = {
    "open": "background:#e8f5e9; color:#1b5e20; border-radius:4px; padding:3px 8px;",
    "locked": "background:#fff3e0; color:#e65100; border-radius:4px; padding:3px 8px; font-weight:bold;",
}


def _hm(x: dt.datetime | None) -> str:
    return x.strftime("%H:%M") if x else "-"


class ReconcileView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        title = QLabel("Rekonsiliasi")
        title.setObjectName("title")
        subtitle = QLabel("Status harian pegawai dari mesin presensi, aplikasi mobile, surat dan koreksi. "
                          "Arahkan kursor ke sel untuk rincian; klik dua kali untuk koreksi.")
        subtitle.setObjectName("subtitle")
        subtitle.setWordWrap(True)

        self.period = PeriodPicker()
        self.unit = QComboBox()
        self.unit.setMinimumWidth(220)
        self.recompute_btn = QPushButton("Hitung ulang")
        self.recompute_btn.setToolTip("Hitung ulang status harian bulan ini dari data presensi mentah")
        self.lock_label = QLabel("")
        self.lock_btn = QPushButton("Kunci periode")
        top = QHBoxLayout()
        top.addWidget(self.period)
        top.addSpacing(12)
        top.addWidget(QLabel("Unit"))
        top.addWidget(self.unit)
        top.addStretch(1)
        top.addWidget(self.lock_label)
        top.addWidget(self.recompute_btn)
        top.addWidget(self.lock_btn)

        legend = QHBoxLayout()
        for key, label in CATEGORY_LABELS.items():
            chip = QLabel(label)
            chip.setStyleSheet(f"background:{CATEGORY_COLOURS[key]}; border:1px solid #bdbdbd; border-radius:3px; "
                               "padding:1px 6px;")
            legend.addWidget(chip)
        exc = QLabel("Merah tebal = perlu ditinjau · * = sudah dikoreksi")
        exc.setStyleSheet("color:#b71c1c; font-weight:bold;")
        legend.addWidget(exc)
        legend.addStretch(1)

        self.model = MonthGridModel(self)
        self.grid = QTableView()
        self.grid.setModel(self.model)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.verticalHeader().setDefaultSectionSize(24)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: fast scrolling
        self.grid.horizontalHeader().setMinimumSectionSize(30)
        self.grid.setWordWrap(False)
        self.grid.doubleClicked.connect(self._grid_double_clicked)

        self.exc_model = RowTableModel([
            ("Tanggal", lambda r: r.date.strftime("%d-%m-%Y")),
            ("Pegawai", lambda r: r.name),
            ("Unit", lambda r: r.unit),
            ("Status", lambda r: r.status),
            ("Masalah", lambda r: r.problem),
            ("Masuk", lambda r: _hm(r.check_in)),
            ("Pulang", lambda r: _hm(r.check_out)),
        ], background=lambda r, c: "#ffebee" if r.status == "TK" else None)
        self.exc_table = QTableView()
        self.exc_table.setModel(self.exc_model)
        self.exc_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.exc_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.exc_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.exc_table.verticalHeader().setVisible(False)
        self.exc_table.horizontalHeader().setStretchLastSection(False)
        self.exc_table.doubleClicked.connect(self._exc_double_clicked)
        self.correct_btn = QPushButton("Koreksi hari terpilih…")
        self.correct_btn.clicked.connect(self._correct_selected)
        self.exc_title = QLabel("")
        exc_box = QGroupBox("Antrean pengecualian")
        exc_lay = QVBoxLayout(exc_box)
        exc_head = QHBoxLayout()
        exc_head.addWidget(self.exc_title, 1)
        exc_head.addWidget(self.correct_btn)
        exc_lay.addLayout(exc_head)
        exc_lay.addWidget(self.exc_table)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.grid)
        split.addWidget(exc_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        self.summary = QLabel("")
        self.ops = OpStrip()
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addLayout(top)
        lay.addLayout(legend)
        lay.addWidget(split, 1)
        lay.addWidget(self.summary)
        lay.addWidget(self.ops)

        self._load_units()
        self.period.changed.connect(lambda _y, _m: self.refresh())
        self.unit.currentIndexChanged.connect(lambda _i: self.refresh())
        self.recompute_btn.clicked.connect(self.start_recompute)
        self.lock_btn.clicked.connect(self._toggle_lock)
        ctx.events.data_changed.connect(self._on_data_changed)
        self.refresh()

    # ------------------------------------------------------------------ data
    def _load_units(self) -> None:
        self.unit.blockSignals(True)
        self.unit.clear()
        self.unit.addItem("Semua unit", None)
        with self.ctx.db.session() as s:
            for uid, name in s.execute(select(WorkUnit.id, WorkUnit.name).where(WorkUnit.opd_id == self.ctx.opd_id)
                                       .order_by(WorkUnit.name)):
                self.unit.addItem(name, uid)
        self.unit.blockSignals(False)

    def _on_data_changed(self, topic: str) -> None:
        if topic in ("records", "letters", "punches", "calendar", "period", "employees"):
            if topic == "employees":
                self._load_units()
            self.refresh()

    def refresh(self) -> None:
        year, month = self.period.value()
        unit_id = self.unit.currentData()
        with self.ctx.db.session() as s:
            grid = month_grid(s, self.ctx.opd_id, year, month, unit_id)
            queue = exception_queue(s, self.ctx.opd_id, year, month, unit_id)
            p = get_period(s, self.ctx.opd_id, year, month)
            status = p.status if p else "open"
            locked_by = p.locked_by if p else ""
        self.model.set_grid(grid)
        self.exc_model.set_rows(queue)
        self._size_columns()
        self.exc_title.setText(f"{len(queue)} hari perlu ditinjau (TK, tidak absen masuk/pulang, di luar radius, "
                               "swafoto ditolak). Klik dua kali untuk koreksi.")
        computed = sum(1 for r in grid.rows for c in r.cells if c is not None)
        if grid.rows and computed == 0:
            self.summary.setText(f"{month_label(year, month)} belum dihitung. Tekan 'Hitung ulang'.")
        else:
            self.summary.setText(f"{len(grid.rows)} pegawai · {computed} hari terhitung · {month_label(year, month)}")
        locked = status != "open"
        self.lock_label.setText(f"Periode: {STATUS_LABEL.get(status, status)}" + (f" oleh {locked_by}" if locked else ""))
        self.lock_label.setStyleSheet(LOCK_STYLE["locked" if locked else "open"])
        self.lock_btn.setText("Buka kunci…" if locked else "Kunci periode")
        self.lock_btn.setEnabled(self.ctx.user.has("signer"))
        self.lock_btn.setToolTip("" if self.ctx.user.has("signer") else "Hanya penanda tangan (Kepala OPD) yang dapat mengunci")
        self.recompute_btn.setEnabled(not locked and self.ops.op is None)
        self.correct_btn.setEnabled(not locked)
        self._locked = locked

    def _size_columns(self) -> None:
        h = self.grid.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        h.resizeSection(0, 210)
        for c in range(1, self.model.columnCount()):
            h.resizeSection(c, 46 if c <= self.model.n_days else 42)
        eh = self.exc_table.horizontalHeader()
        for c, w in enumerate((90, 200, 200, 55, 300, 60, 60)):
            eh.resizeSection(c, w)

    # ------------------------------------------------------------------ actions
    def start_recompute(self):  # type: ignore[no-untyped-def]
        year, month = self.period.value()
        op = self.ctx.runner.start(f"Hitung ulang {month_label(year, month)}", recompute_month, self.ctx.db,
                                   self.ctx.opd_id, year, month)
        self.ops.track(op, f"Menghitung ulang {month_label(year, month)}…")
        self.recompute_btn.setEnabled(False)
        op.finished.connect(self._recomputed)
        op.failed.connect(lambda msg, _tb: QMessageBox.warning(self, "Hitung ulang gagal", msg))
        op.cancelled.connect(lambda: self.ctx.status("Hitung ulang dibatalkan; data tidak berubah."))
        op.done.connect(self.refresh)
        return op

    def _recomputed(self, result) -> None:  # type: ignore[no-untyped-def]
        self.ctx.status(f"Hitung ulang selesai: {result.days} hari, {result.written} baris ditulis.")
        self.ctx.notify("records")

    def _open_correction(self, employee_id: int, day: dt.date) -> None:
        if self._locked:
            QMessageBox.information(self, "Periode dikunci",
                                    "Periode ini sudah dikunci. Penanda tangan harus membuka kunci (dengan alasan) "
                                    "sebelum ada koreksi.")
            return
        if day > dt.date.today():
            QMessageBox.information(self, "Belum terjadi", "Tanggal ini belum terjadi; belum ada yang bisa dikoreksi.")
            return
        CorrectionDialog(self.ctx, employee_id, day, self).exec()

    def _grid_double_clicked(self, index: QModelIndex) -> None:
        day = self.model.day_of_column(index.column())
        if day is not None:
            self._open_correction(self.model.row_at(index.row()).employee_id, day)

    def _exc_double_clicked(self, index: QModelIndex) -> None:
        row: ExceptionRow = self.exc_model.row(index.row())
        self._open_correction(row.employee_id, row.date)

    def _correct_selected(self) -> None:
        sel = self.exc_table.selectionModel().selectedRows()
        if sel:
            self._exc_double_clicked(sel[0])
            return
        idx = self.grid.currentIndex()
        if idx.isValid() and self.model.day_of_column(idx.column()) is not None:
            self._grid_double_clicked(idx)
            return
        QMessageBox.information(self, "Pilih hari", "Pilih satu baris di antrean atau satu sel di tabel dulu.")

    def _toggle_lock(self) -> None:
        year, month = self.period.value()
        try:
            if self._locked:
                reason, ok = QInputDialog.getMultiLineText(
                    self, "Buka kunci periode",
                    f"Alasan membuka kunci {month_label(year, month)} (tercatat di jejak audit):")
                if not ok:
                    return
                with self.ctx.db.transaction() as s:
                    unlock_period(s, self.ctx.opd_id, year, month, self.ctx.user, reason)
            else:
                answer = QMessageBox.question(
                    self, "Kunci periode",
                    f"Kunci {month_label(year, month)}? Setelah dikunci, hitung ulang, koreksi dan perubahan surat "
                    "untuk bulan ini ditolak sampai kunci dibuka dengan alasan.")
                if answer != QMessageBox.StandardButton.Yes:
                    return
                with self.ctx.db.transaction() as s:
                    lock_period(s, self.ctx.opd_id, year, month, self.ctx.user)
        except Exception as exc:  # noqa: BLE001 - Indonesian message from services
            QMessageBox.warning(self, "Periode", str(exc))
            return
        self.ctx.notify("period")
