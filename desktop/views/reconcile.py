"""Rekonsiliasi: month grid (employee x day), exception queue, corrections and the period lock."""

from __future__ import annotations

import dataclasses
import datetime as dt

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import func, select

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.month_grid import CATEGORY_COLOURS, CATEGORY_LABELS, MonthGridModel
from desktop.models.row_table import RowTableModel
from desktop.views.reconcile_card import install_card_actions
from desktop.views.reconcile_dialogs import CorrectionDialog, PeriodPicker, ask_text, filter_row
from desktop.views.reconcile_export import install_grid_exports
from desktop.views.reconcile_holiday import TAB_TITLE, AfterHolidayPage
from desktop.widgets import OperationStrip, make_table, page_header
from services.changes import Changes
from services.errors import UserError
from services.labels import day_status_label
from services.reconcile.corrections import check_day_correctable
from services.reconcile.engine import recompute_month
from services.reconcile.grid import ExceptionRow, MonthGrid, exception_queue, month_grid
from services.reconcile.period import (
    STATUS_LABEL,
    check_lockable,
    get_period,
    lock_period,
    month_label,
    unlock_period,
)
from services.store.models import Employee, WorkUnit
from services.timefmt import jam

LOCK_STYLE = {
    "open": "background:#e8f5e9; color:#1b5e20; border-radius:4px; padding:3px 8px;",
    "locked": "background:#fff3e0; color:#e65100; border-radius:4px; padding:3px 8px; font-weight:bold;",
}
DAY_WIDTH = 40  # fits "PSW4*" in the small cell font
TOTAL_WIDTH = 44  # fits the bold "PSW" header
NAME_WIDTH = 190


def _hm(x: dt.datetime | None) -> str:
    return jam(x) if x else "-"


def legend_html() -> str:
    """Colour legend as one word-wrapped rich-text label: it wraps between entries instead of
    forcing the screen wider than a laptop (the old row of chips was ~1500 px)."""
    chips = [f'<span style="background-color:{CATEGORY_COLOURS[key]};">&nbsp;<b>{code}</b>&nbsp;</span>'
             f"&nbsp;{meaning.replace(' ', '&nbsp;')}" for key, (code, meaning) in CATEGORY_LABELS.items()]
    chips.append('<span style="color:#b71c1c;"><b>merah&nbsp;tebal</b>&nbsp;=&nbsp;perlu&nbsp;ditinjau</span>')
    chips.append("<b>*</b>&nbsp;=&nbsp;sudah&nbsp;dikoreksi")
    return "&nbsp;&nbsp; ".join(chips)


class ReconcileView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._locked = False
        self._grid: MonthGrid | None = None
        self._queue: list[ExceptionRow] = []
        self._shown_period: tuple[int, int] | None = None
        title, subtitle = page_header(
            "Rekonsiliasi",
            "Status harian pegawai dari mesin presensi, aplikasi mobile, surat dan koreksi. "
            "Arahkan kursor ke sel untuk rincian; klik dua kali sel (atau tekan Enter) untuk koreksi.")

        # row 1: what is shown + the month's actions
        self.period = PeriodPicker(self.ctx.clock.today())
        self.unit = QComboBox()
        self.unit.setMinimumWidth(200)
        self.unit.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.unit.setMinimumContentsLength(22)
        self.recompute_btn = QPushButton("Hitung ulang")
        self.recompute_btn.setObjectName("primary")
        self.recompute_btn.setToolTip("Hitung ulang status harian bulan ini dari data presensi, surat dan jadwal")
        self.lock_label = QLabel("")
        self.lock_btn = QPushButton("Kunci periode")
        top = filter_row(self.period, "Unit", self.unit)
        top.addWidget(self.lock_label)
        top.addWidget(self.lock_btn)
        top.addWidget(self.recompute_btn)

        # row 2: narrowing 300 employees down to the ones to look at
        self.search = QLineEdit()
        self.search.setPlaceholderText("Cari nama / NIP…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.search.setMaximumWidth(280)
        self.only_problems = QCheckBox("Hanya pegawai yang perlu ditinjau")
        self.summary = QLabel("")
        self.summary.setObjectName("subtitle")
        second = QHBoxLayout()
        second.addWidget(self.search)
        second.addWidget(self.only_problems)
        second.addStretch(1)
        second.addWidget(self.summary)

        legend = QLabel(legend_html())
        legend.setWordWrap(True)
        legend.setTextFormat(Qt.TextFormat.RichText)

        self.model = MonthGridModel(self)
        self.grid = QTableView()
        self.grid.setModel(self.model)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setWordWrap(False)
        # fixed sizes everywhere: no per-cell size hints are asked for, so 300 rows scroll smoothly
        vh = self.grid.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(24)
        vh.setFixedWidth(NAME_WIDTH)
        vh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        vh.setTextElideMode(Qt.TextElideMode.ElideRight)
        # names in regular weight: a bold column of 300 names is heavy to read
        self.grid.setStyleSheet("QHeaderView::section:vertical { font-weight: normal; padding-left: 6px; }")
        hh = self.grid.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hh.setMinimumSectionSize(30)
        hh.setDefaultSectionSize(DAY_WIDTH)
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.grid.setSortingEnabled(True)  # a day's column sorts by its status, a total by the number
        # activated = double click or Enter: the keyboard reaches the correction dialog too
        self.grid.activated.connect(self._grid_double_clicked)

        self.exc_model = RowTableModel([
            ("Tanggal", lambda r: r.date.strftime("%d-%m-%Y")),
            ("Pegawai", lambda r: r.name),
            ("Unit", lambda r: r.unit),
            ("Status", lambda r: day_status_label(r.status)),
            ("Masalah", lambda r: r.problem),
            ("Masuk", lambda r: _hm(r.check_in)),
            ("Pulang", lambda r: _hm(r.check_out)),
        ], background=lambda r, c: "#ffebee" if r.status == "TK" else None)
        self.exc_table = make_table(self.exc_model, contents=(0, 3, 5, 6), fixed={1: 200, 2: 220}, stretch=4)
        self.exc_table.activated.connect(self._exc_double_clicked)
        self.correct_btn = QPushButton("Koreksi hari terpilih…")
        self.correct_btn.clicked.connect(self._correct_selected)
        self.exc_title = QLabel("")
        self.exc_title.setWordWrap(True)
        exc_page = QWidget()
        exc_lay = QVBoxLayout(exc_page)
        exc_head = QHBoxLayout()
        exc_head.addWidget(self.exc_title, 1)
        exc_head.addWidget(self.correct_btn)
        exc_lay.addLayout(exc_head)
        exc_lay.addWidget(self.exc_table, 1)

        # tabs, not a splitter: on a 768 px screen the grid then gets the whole height
        self.tabs = QTabWidget()
        self.tabs.addTab(self.grid, "Tabel bulanan")
        self.tabs.addTab(exc_page, "Perlu ditinjau")
        self.after_holiday = AfterHolidayPage()
        self.tabs.addTab(self.after_holiday, TAB_TITLE)
        self.card_actions = install_card_actions(self, second)  # "Kartu presensi…" (desktop/views/reconcile_card.py)
        self.exports = install_grid_exports(self, second)  # "Excel…", "Cetak…" (reconcile_export.py)

        self.ops = OperationStrip()
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addLayout(top)
        lay.addLayout(second)
        lay.addWidget(legend)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.ops)

        self._load_units()
        self.period.changed.connect(lambda _y, _m: self.refresh())
        self.unit.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search.textChanged.connect(lambda _t: self._apply_filter())
        self.only_problems.toggled.connect(lambda _on: self._apply_filter())
        self.recompute_btn.clicked.connect(self.start_recompute)
        self.lock_btn.clicked.connect(self._toggle_lock)
        ctx.events.changed.connect(self._on_changes)
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

    def _on_changes(self, changes: Changes) -> None:
        if changes.employees:
            self._load_units()
        if (changes.records or changes.letters or changes.punches or changes.calendar or changes.periods
                or changes.employees or changes.selfies):
            self.refresh()

    def refresh(self) -> None:
        year, month = self.period.value()
        unit_id = self.unit.currentData()
        with self.ctx.db.session() as s:
            grid = month_grid(s, self.ctx.opd_id, year, month, unit_id)
            queue = exception_queue(s, self.ctx.opd_id, year, month, unit_id)
            n_after = self.after_holiday.load(s, self.ctx.opd_id, year, month, unit_id)
            p = get_period(s, self.ctx.opd_id, year, month)
            status = p.status if p else "open"
            locked_by = p.locked_by if p else ""
        self._grid, self._queue = grid, queue
        self.tabs.setTabText(2, f"{TAB_TITLE} ({n_after})")
        self._apply_filter()
        self._size_columns()
        if self._shown_period != (year, month):
            self._shown_period = (year, month)
            self._scroll_to_today(grid)
        computed = sum(r.computed_days for r in grid.rows)
        if grid.rows and computed == 0:
            self.summary.setText(f"{month_label(year, month)} belum dihitung. Tekan 'Hitung ulang'.")
        else:
            self.summary.setText(f"{len(grid.rows)} pegawai · {computed} hari terhitung · {month_label(year, month)}")
        locked = status != "open"
        self.lock_label.setText(f"Periode: {STATUS_LABEL.get(status, status)}" + (f" oleh {locked_by}" if locked else ""))
        self.lock_label.setStyleSheet(LOCK_STYLE["locked" if locked else "open"])
        self.lock_btn.setText("Buka kunci…" if locked else "Kunci periode")
        self.lock_btn.setEnabled(self.ctx.user.has("signer"))
        self.lock_btn.setToolTip("Kunci bulan ini agar tidak berubah lagi" if self.ctx.user.has("signer")
                                 else "Hanya penanda tangan (Kepala OPD) yang dapat mengunci")
        self.recompute_btn.setEnabled(not locked and self.ops.op is None)
        self.correct_btn.setEnabled(not locked)
        self._locked = locked

    def _apply_filter(self) -> None:
        """Search box and "only problems" narrow both the grid and the queue (no database round trip)."""
        if self._grid is None:
            return
        text = self.search.text().strip().lower()
        only = self.only_problems.isChecked()

        def wanted(name: str, nip: str) -> bool:
            return not text or text in name.lower() or text in nip

        rows = tuple(r for r in self._grid.rows if wanted(r.name, r.nip)
                     and (not only or r.has_exception))
        queue = [q for q in self._queue if wanted(q.name, q.nip)]
        self.model.set_grid(dataclasses.replace(self._grid, rows=rows))
        self.exc_model.set_rows(queue)
        self.tabs.setTabText(1, f"Perlu ditinjau ({len(queue)})")
        self.exc_title.setText(f"{len(queue)} hari perlu ditinjau: tanpa keterangan, tidak absen masuk/pulang, "
                               "di luar radius, swafoto ditolak. Klik dua kali untuk koreksi.")

    def _size_columns(self) -> None:
        h = self.grid.horizontalHeader()
        for c in range(self.model.n_days, self.model.columnCount()):
            h.resizeSection(c, TOTAL_WIDTH)

    def _scroll_to_today(self, grid: MonthGrid) -> None:
        """Opening the current month shows this week, not the 1st (the grid is wider than a laptop)."""
        today = self.ctx.clock.today()
        if grid.rows and today in grid.days:
            self.grid.scrollTo(self.model.index(0, grid.days.index(today)),
                               QAbstractItemView.ScrollHint.PositionAtCenter)
        else:
            self.grid.horizontalScrollBar().setValue(0)

    def focus_target(self, target: object) -> None:
        """Show one employee's month (from the Ctrl+K finder): {"employee_id", "nip", optional "year"/"month"}."""
        if not isinstance(target, dict) or "nip" not in target:
            return
        if "year" in target and "month" in target:
            self.period.set_value(int(target["year"]), int(target["month"]))
        self.only_problems.setChecked(False)
        self.tabs.setCurrentIndex(0)
        self.search.setText(str(target["nip"]))  # the filter narrows the grid to that employee
        if self.model.rowCount():
            today = self.ctx.clock.today()
            days = self._grid.days if self._grid else ()
            col = days.index(today) if today in days else 0
            self.grid.setCurrentIndex(self.model.index(0, col))
            self.grid.setFocus()

    # ------------------------------------------------------------------ actions
    def start_recompute(self):  # type: ignore[no-untyped-def]
        year, month = self.period.value()
        op = self.ctx.runner.start(f"Hitung ulang {month_label(year, month)}", recompute_month, self.ctx.db,
                                   self.ctx.opd_id, year, month)
        self.ops.track(op, f"Menghitung ulang {month_label(year, month)}…")
        self.recompute_btn.setEnabled(False)
        op.finished.connect(self._recomputed)
        op.failed.connect(lambda exc, _tb: present_refusal(self, exc, "Hitung ulang gagal"))
        op.cancelled.connect(lambda: self.ctx.status("Hitung ulang dibatalkan; data tidak berubah."))
        op.done.connect(self.refresh)
        return op

    def _recomputed(self, result) -> None:  # type: ignore[no-untyped-def]
        self.ctx.status(f"Hitung ulang selesai: {result.days} hari, {result.written} baris ditulis.")

    def _open_correction(self, employee_id: int, day: dt.date) -> None:
        if self._locked:
            QMessageBox.information(self, "Periode dikunci",
                                    "Periode ini sudah dikunci. Penanda tangan harus membuka kunci (dengan alasan) "
                                    "sebelum ada koreksi.")
            return
        try:
            check_day_correctable(day, self.ctx.clock.today())
        except UserError as exc:
            present_refusal(self, exc)
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

    def lock_question(self, year: int, month: int) -> str:
        """What locking does and to whom, in the words of the confirmation box."""
        with self.ctx.db.session() as s:
            employees = s.execute(select(func.count(Employee.id)).where(Employee.opd_id == self.ctx.opd_id)).scalar()
            review = len(exception_queue(s, self.ctx.opd_id, year, month))
        label = month_label(year, month)
        text = (f"Periode {label} dikunci untuk seluruh {employees} pegawai OPD ini (bukan hanya unit yang "
                f"ditampilkan); koreksi, surat dan hitung ulang untuk bulan itu ditolak sampai Kepala OPD membuka "
                "kunci dengan alasan (tercatat di jejak audit). Laporan bulanan dibuat dari data yang dikunci ini.")
        if review:
            text += (f"\n\nMasih ada {review} hari yang perlu ditinjau di bulan ini; setelah dikunci tidak bisa "
                     "dikoreksi. Mengunci sekarang memerlukan alasan tertulis Kepala OPD (tercatat di jejak audit).")
        return text + f"\n\nKunci {label} sekarang?"

    def _toggle_lock(self) -> None:
        year, month = self.period.value()
        try:
            if self._locked:
                reason = ask_text(self, "Buka kunci periode",
                                  f"Alasan membuka kunci {month_label(year, month)} (tercatat di jejak audit):",
                                  ok_text="Buka kunci", multiline=True)
                if reason is None:
                    return
                with self.ctx.db.transaction() as s:
                    unlock_period(s, self.ctx.opd_id, year, month, self.ctx.user, reason)
            else:
                with self.ctx.db.session() as s:
                    review = check_lockable(s, self.ctx.opd_id, year, month)  # not ended / not computed: refused
                # Qt's own question box: the end-to-end UI test answers exactly this one
                answer = QMessageBox.question(self, "Kunci periode", self.lock_question(year, month),
                                              defaultButton=QMessageBox.StandardButton.No)
                if answer != QMessageBox.StandardButton.Yes:
                    return
                override = None
                if review:  # the service refuses without the signer's written reason; ask for it here
                    override = ask_text(self, "Kunci walau masih perlu ditinjau",
                                        f"{review} hari di {month_label(year, month)} masih perlu ditinjau. Alasan "
                                        "mengunci sekarang (tercatat di jejak audit):", ok_text="Kunci", multiline=True)
                    if override is None:
                        return
                with self.ctx.db.transaction() as s:
                    lock_period(s, self.ctx.opd_id, year, month, self.ctx.user, override_reason=override)
        except UserError as exc:
            present_refusal(self, exc)
            return
        self.ctx.notify(Changes(periods=True, reports=True))
