"""TPP & Disiplin: monthly TPP deductions, PP 94/2021 year tracker, disciplinary notices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal, refusal_text
from desktop.models.tpp_detail import deduction_detail_html
from desktop.models.tpp_models import discipline_model, notices_model, tpp_model
from desktop.ops import Operation
from desktop.views.tpp_notice_dialog import NoticeDialog, open_pdf, print_pdf, show_created
from desktop.widgets import OperationStrip, make_table, page_header
from services.calendar.names import BULAN
from services.changes import Changes
from services.policy.discipline import DisciplineRow, discipline_summary
from services.policy.model import Policy, PolicyError, load_policy
from services.policy.tpp import format_rupiah, month_recap, recap_totals
from services.reports.excel import export_discipline_job, export_tpp_job
from services.reports.notices import list_notices
from services.store.models import Opd


def _discipline_job(db, opd_id: int, year: int, policy: Policy, *, progress, cancel) -> list[DisciplineRow]:  # type: ignore[no-untyped-def]
    """Worker thread: own Session (a year of day records for a large OPD takes a second or two)."""
    progress(0, 1, "Menghitung…")
    with db.session() as s:
        rows = discipline_summary(s, opd_id, year, policy)
    cancel.raise_if_cancelled()
    return rows


def _run_text(r: DisciplineRow) -> str:
    if not (r.longest_run and r.run_start and r.run_end):
        return "—"
    across = ", melewati 1 Januari: satu rangkaian" if r.run_start.year != r.run_end.year else ""
    return f"{r.longest_run} hari kerja ({r.run_start:%d-%m-%Y} s.d. {r.run_end:%d-%m-%Y}{across})"


def _table(model) -> QTableView:  # type: ignore[no-untyped-def]
    return make_table(model)


class TppView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        today = ctx.clock.today()
        title, self.policy_label = page_header("TPP & Disiplin")  # the policy line wraps on small screens
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_tpp_tab(today), "TPP bulanan")
        self.tabs.addTab(self._build_discipline_tab(today), "Disiplin PP 94/2021")
        self.tabs.addTab(self._build_notices_tab(), "Surat disiplin")
        self.ops = OperationStrip(show_counts=True)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.policy_label)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.ops)
        self.tpp_rows: list = []
        self.discipline_rows: list[DisciplineRow] = []
        self.created_box: QMessageBox | None = None
        self._d_generation = 0  # a year's summary runs in the background; only the newest result is shown
        self.d_op: Operation | None = None
        ctx.events.changed.connect(self._on_changes)

    # ------------------------------------------------------------------ build
    def _build_tpp_tab(self, today: dt.date) -> QWidget:
        w = QWidget()
        self.month = QComboBox()
        for i, name in enumerate(BULAN, 1):
            self.month.addItem(name, i)
        self.month.setCurrentIndex(today.month - 1)
        self.year = QSpinBox(minimum=2020, maximum=2100, value=today.year)
        self.export_tpp_button = QPushButton("Ekspor Excel…")
        self.export_tpp_button.setObjectName("primary")
        self.export_tpp_button.clicked.connect(self.export_tpp)
        self.tpp_summary = QLabel("")
        self.tpp_summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Bulan"))
        top.addWidget(self.month)
        top.addWidget(self.year)
        top.addSpacing(12)
        top.addWidget(self.tpp_summary, 1)
        top.addWidget(self.export_tpp_button)
        self.tpp_model = tpp_model()
        self.tpp_table = _table(self.tpp_model)
        self.tpp_table.selectionModel().selectionChanged.connect(self._show_tpp_detail)
        self.tpp_detail = QTextBrowser()  # the selected employee's arithmetic: base, rule lines, total
        self.tpp_detail.setMaximumHeight(140)
        self.tpp_detail.setHtml("<i>Pilih pegawai untuk melihat rincian hitungan potongannya.</i>")
        legend = QLabel("TL = terlambat, PSW = pulang sebelum waktunya (jumlah per tingkat 1/2/3/4) · "
                        "Kuning: ada potongan · Jingga: potongan ≥ 25% · Merah ⚠: swafoto manipulasi "
                        "(komponen kehadiran hangus sesuai kebijakan)")
        legend.setWordWrap(True)
        legend.setObjectName("subtitle")
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addWidget(self.tpp_table, 1)
        lay.addWidget(self.tpp_detail)
        lay.addWidget(legend)
        self.month.currentIndexChanged.connect(self.refresh_tpp)
        self.year.valueChanged.connect(self.refresh_tpp)
        return w

    def _build_discipline_tab(self, today: dt.date) -> QWidget:
        w = QWidget()
        self.d_year = QSpinBox(minimum=2020, maximum=2100, value=today.year)
        self.only_violations = QComboBox()
        self.only_violations.addItems(["Hanya yang mencapai tingkat hukuman", "Semua pegawai"])
        self.notice_button = QPushButton("Buat surat…")
        self.notice_button.setObjectName("primary")
        self.notice_button.setEnabled(False)
        self.notice_button.clicked.connect(self.create_notice)
        export = QPushButton("Ekspor Excel…")
        export.clicked.connect(self.export_discipline)
        top = QHBoxLayout()
        top.addWidget(QLabel("Tahun"))
        top.addWidget(self.d_year)
        top.addWidget(self.only_violations)
        top.addStretch()
        top.addWidget(export)
        top.addWidget(self.notice_button)
        self.d_model = discipline_model()
        self.d_table = _table(self.d_model)
        self._fixed_width(self.d_table, 9, 240)  # sanction text wraps into the detail panel below
        self.d_table.selectionModel().selectionChanged.connect(self._show_detail)
        self.detail = QTextBrowser()
        self.detail.setMaximumHeight(150)
        self.d_info = QLabel("")
        self.d_info.setObjectName("subtitle")
        self.d_info.setWordWrap(True)
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addWidget(self.d_info)
        lay.addWidget(self.d_table, 1)
        lay.addWidget(self.detail)
        self.d_year.valueChanged.connect(self.refresh_discipline)
        self.only_violations.currentIndexChanged.connect(self.refresh_discipline)
        return w

    def _build_notices_tab(self) -> QWidget:
        w = QWidget()
        self.n_model = notices_model()
        self.n_table = _table(self.n_model)
        self.n_table.horizontalHeader().setStretchLastSection(False)
        self.n_table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.n_table.doubleClicked.connect(lambda _i: self.open_selected_notice())
        open_button = QPushButton("Buka PDF")
        open_button.clicked.connect(self.open_selected_notice)
        print_button = QPushButton("Cetak")
        print_button.clicked.connect(self.print_selected_notice)
        track_button = QPushButton("Naskah dinas (Srikandi)…")
        track_button.setToolTip("Draf DOCX untuk Srikandi, nomor dan tanggal dari Srikandi, PDF bertanda tangan, "
                                "penyerahan")
        track_button.clicked.connect(self.track_selected_notice)
        top = QHBoxLayout()
        hint = QLabel("Register nomor surat (berurutan per jenis per tahun; setiap surat tercatat di jejak audit).")
        hint.setObjectName("subtitle")
        hint.setWordWrap(True)
        top.addWidget(hint, 1)
        top.addWidget(open_button)
        top.addWidget(print_button)
        top.addWidget(track_button)
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addWidget(self.n_table, 1)
        return w

    @staticmethod
    def _fixed_width(table: QTableView, column: int, width: int) -> None:
        table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(column, width)

    # ------------------------------------------------------------------ data
    def _policy(self) -> Policy:
        with self.ctx.db.session() as s:
            opd = s.get(Opd, self.ctx.opd_id)
            preset = opd.policy_preset if opd else "default"
        policy = load_policy(preset)
        base = policy.source_of("tpp.deduction_base")
        unverified = len(policy.unverified())
        self.policy_label.setText(
            f"Kebijakan: {policy.name} · potongan dihitung dari {policy.tpp.base_label()}"
            + ("" if base.verified else " (dasar potongan: asumsi, periksa Perkada)")
            + f", paling banyak {policy.attendance.cap_pct:g}% · 1 hari = {policy.discipline.hours_per_day:g}".replace(".", ",")
            + " jam terlambat/pulang awal"
            + (f" · {unverified} nilai kebijakan belum bersumber (lihat Pengaturan)" if unverified else ""))
        self.policy_label.setToolTip(f"Sumber dasar potongan: {base.text}")
        return policy

    def refresh(self) -> None:
        self.refresh_tpp()
        self.refresh_discipline()
        self.refresh_notices()

    def _on_changes(self, changes: Changes) -> None:
        if (changes.records or changes.employees or changes.selfies or changes.notices or changes.settings
                or changes.letters or changes.periods):
            self.refresh()

    def refresh_tpp(self) -> None:
        try:
            policy = self._policy()
        except PolicyError as exc:
            self.tpp_summary.setText(f"Kebijakan tidak valid: {exc}")
            return
        with self.ctx.db.session() as s:
            self.tpp_rows = month_recap(s, self.ctx.opd_id, self.year.value(), self.month.currentData(), policy)
        self.tpp_model.set_rows(self.tpp_rows)
        self.tpp_detail.setHtml("<i>Pilih pegawai untuk melihat rincian hitungan potongannya.</i>")
        t = recap_totals(self.tpp_rows)
        kena = sum(1 for r in self.tpp_rows if r.deduction_rp)
        self.tpp_summary.setText(f"{len(self.tpp_rows)} pegawai · {kena} kena potongan · total potongan "
                                 f"<b>{format_rupiah(t['deduction_rp'])}</b> · diterima {format_rupiah(t['tpp_net'])}")

    def selected_tpp_row(self):  # type: ignore[no-untyped-def]
        idx = self.tpp_table.selectionModel().selectedRows()
        return self.tpp_model.row(idx[0].row()) if idx else None

    def _show_tpp_detail(self) -> None:
        r = self.selected_tpp_row()
        if r is not None:
            self.tpp_detail.setHtml(deduction_detail_html(r))

    def refresh_discipline(self) -> None:
        try:
            policy = self._policy()
        except PolicyError:
            return
        self._d_generation += 1
        generation = self._d_generation
        self.d_info.setText("Menghitung rekap disiplin…")
        op = self.ctx.runner.start(f"Rekap disiplin {self.d_year.value()}", _discipline_job, self.ctx.db,
                                   self.ctx.opd_id, self.d_year.value(), policy)
        op.finished.connect(lambda rows: self._show_discipline(rows) if generation == self._d_generation else None)
        op.failed.connect(lambda exc, _d: self.d_info.setText(f"Rekap disiplin gagal: {refusal_text(exc)}"))
        self.d_op = op

    def _show_discipline(self, rows: list[DisciplineRow]) -> None:
        self.discipline_rows = rows
        shown = rows if self.only_violations.currentIndex() == 1 else [r for r in rows if r.level]
        self.d_model.set_rows(shown)
        n = sum(1 for r in rows if r.level)
        self.d_info.setText(f"{n} dari {len(rows)} pegawai mencapai tingkat hukuman disiplin (akumulasi Januari–"
                            f"Desember; menit terlambat + pulang cepat dikonversi ke hari). Pilih pegawai untuk "
                            f"membuat surat.")
        self.notice_button.setEnabled(False)
        self.detail.setHtml("<i>Pilih pegawai pada tabel untuk melihat rincian dan langkah berikutnya.</i>")

    def refresh_notices(self) -> None:
        with self.ctx.db.session() as s:
            self.n_model.set_rows(list_notices(s))

    # ------------------------------------------------------------------ discipline
    def selected_discipline_row(self) -> DisciplineRow | None:
        idx = self.d_table.selectionModel().selectedRows()
        return self.d_model.row(idx[0].row()) if idx else None

    def select_employee(self, employee_id: int) -> bool:
        for i, r in enumerate(self.d_model.rows()):
            if r.employee_id == employee_id:
                self.d_table.selectRow(i)
                return True
        return False

    def _show_detail(self) -> None:
        r = self.selected_discipline_row()
        self.notice_button.setEnabled(r is not None and (self.ctx.user.has("operator") or self.ctx.user.has("verifier")))
        if r is None:
            return
        run = _run_text(r)
        notices = ", ".join(r.notices) or "belum ada"
        sub = r.substitute
        proposal = (f"Hukuman sedang diganti: {sub.sanction} sebagai pengganti {sub.replaces} ({sub.legal_basis}"
                    f"{'' if sub.confirmed else '; pasangan rentang hari dan pengganti belum dikonfirmasi sumber publik'})"
                    f"<br>" if sub else "")
        self.detail.setHtml(
            f"<b>{r.name}</b> ({r.kind}, {r.jabatan}) — jumlah <b>{r.total_days} hari</b>: TK {r.tk_days} + "
            f"{r.minutes_total} menit ≈ {r.converted_days} hari · TK berturut-turut terpanjang: {run}<br>"
            f"Tingkat: <b>{r.level or 'belum mencapai hukuman'}</b> "
            f"{('· usul kepada PPK: ' + r.sanction) if r.sanction else ''}"
            f"{(' (' + r.sanction_article + ')') if r.sanction_article else ''}<br>"
            f"{proposal}Dasar: {r.legal_basis or '—'}<br>Pemeriksa: {r.examiner or '—'} · Yang memutus: {r.decider or '—'}<br>"
            f"Langkah berikutnya: <b>{r.next_document or '—'}</b> · Surat tahun ini: {notices}"
        )

    def create_notice(self) -> NoticeDialog | None:
        row = self.selected_discipline_row()
        if row is None:
            return None
        dlg = NoticeDialog(self.ctx, row, self)

        def done(code: int) -> None:
            if code and dlg.result_notice is not None:
                self.created_box = show_created(self, dlg.result_notice)

        dlg.finished.connect(done)
        dlg.open()
        return dlg

    # ------------------------------------------------------------------ notices
    def _selected_notice_path(self) -> str | None:
        idx = self.n_table.selectionModel().selectedRows()
        if not idx:
            QMessageBox.information(self, "Surat disiplin", "Pilih surat pada tabel terlebih dahulu.")
            return None
        path = self.n_model.row(idx[0].row()).pdf_path
        if not Path(path).exists():
            QMessageBox.warning(self, "Berkas tidak ada", f"Berkas PDF tidak ditemukan:\n{path}")
            return None
        return path

    def track_selected_notice(self):  # type: ignore[no-untyped-def]
        from desktop.views.notice_track_dialog import NoticeTrackDialog

        idx = self.n_table.selectionModel().selectedRows()
        if not idx:
            QMessageBox.information(self, "Surat disiplin", "Pilih surat pada tabel terlebih dahulu.")
            return None
        dialog = NoticeTrackDialog(self.ctx, self.n_model.row(idx[0].row()).notice_id, self)
        dialog.finished.connect(lambda _c: self.refresh_notices())
        dialog.open()
        self.track_dialog = dialog
        return dialog

    def open_selected_notice(self) -> None:
        path = self._selected_notice_path()
        if path:
            open_pdf(path)

    def print_selected_notice(self) -> None:
        path = self._selected_notice_path()
        if path:
            print_pdf(path, self, self.ctx.status)

    # ------------------------------------------------------------------ exports
    def _save_path(self, suggested: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, "Simpan Excel", str(self.ctx.data_dir / suggested), "Excel (*.xlsx)")
        if not path:
            return None
        return Path(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def export_tpp(self, path: Path | None = None):  # type: ignore[no-untyped-def]
        year, month = self.year.value(), self.month.currentData()
        path = path or self._save_path(f"TPP-{year}-{month:02d}.xlsx")
        if path is None:
            return None
        return self._run_export(f"Ekspor TPP {BULAN[month - 1]} {year}", export_tpp_job, self.ctx.db,
                                self.ctx.opd_id, year, month, path)

    def export_discipline(self, path: Path | None = None):  # type: ignore[no-untyped-def]
        year = self.d_year.value()
        path = path or self._save_path(f"Disiplin-{year}.xlsx")
        if path is None:
            return None
        return self._run_export(f"Ekspor disiplin {year}", export_discipline_job, self.ctx.db, self.ctx.opd_id,
                                year, path)

    def _run_export(self, title: str, fn, *args):  # type: ignore[no-untyped-def]
        self.export_tpp_button.setEnabled(False)
        op = self.ctx.runner.start(title, fn, *args)
        self.ops.track(op)
        op.finished.connect(lambda p: self.ctx.status(f"Excel tersimpan: {p}"))
        op.failed.connect(lambda exc, _d: present_refusal(self, exc, "Ekspor gagal"))
        op.cancelled.connect(lambda: self.ctx.status("Ekspor dibatalkan; tidak ada berkas yang ditulis."))
        op.done.connect(lambda: self.export_tpp_button.setEnabled(True))
        return op
