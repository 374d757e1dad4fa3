"""Screen "Impor Mobile": choose a bundle ZIP, map its columns, import it in the background."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from desktop.context import AppContext
from desktop.errors import refusal_text
from desktop.models.row_table import RowTableModel
from desktop.ops import Operation
from desktop.views.mobile_map import MapButton
from desktop.widgets import OperationStrip, make_table, page_header
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.mobile.bundle import FIELDS, REQUIRED, Bundle, BundleError, validate_mapping
from services.mobile.importer import MobileImportResult, import_bundle, inspect_bundle
from services.selfie.checks import FLAG_LABELS
from services.store.db import Database
from services.store.models import ImportBatch
from services.timefmt import tanggal_jam

NOT_USED = "(tidak dipakai)"


def import_and_check(
    db: Database,
    path: Path,
    mapping: dict[str, str],
    username: str,
    opd_id: int,
    skip_invalid: bool,
    run_selfie_checks: bool,
    *,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> tuple[MobileImportResult, str]:
    """Background job: import the bundle, then check its selfies (a separate, recomputable step)."""
    result = import_bundle(db, path, mapping, username=username, opd_id=opd_id, skip_invalid=skip_invalid,
                           progress=progress, cancel=cancel)
    checks = ""
    if run_selfie_checks and result.punch_ids:
        from services.selfie.service import run_checks

        checks = run_checks(db, result.punch_ids, progress=progress, cancel=cancel).summary()
    return result, checks


class MobileImportView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bundle: Bundle | None = None
        self.combos: dict[str, QComboBox] = {}

        title, intro = page_header(
            "Impor Presensi Mobile",
            "Pilih berkas ZIP dari aplikasi presensi HP (berisi CSV/XLSX/JSON dan foto swafoto). "
            "Periksa pemetaan kolom, lalu tekan Impor. Data yang sama tidak akan tercatat dua kali.",
        )

        self.choose_btn = QPushButton("Pilih bundel ZIP…")
        self.choose_btn.clicked.connect(self._choose)
        self.file_label = QLabel("Belum ada berkas dipilih.")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(self.choose_btn)
        top.addWidget(self.file_label, 1)

        # mapping step: one combo per field of ours, listing the file's columns
        map_frame = QFrame()
        map_frame.setObjectName("card")
        grid = QGridLayout(map_frame)
        grid.setVerticalSpacing(4)
        head = QLabel("<b>Pemetaan kolom</b> — isian aplikasi ← kolom di berkas")
        grid.addWidget(head, 0, 0, 1, 6)
        for i, (key, label, _aliases) in enumerate(FIELDS):
            must = key in REQUIRED or key in ("nip", "pin")
            lab = QLabel(label + (" *" if must else ""))
            combo = QComboBox()
            combo.setMinimumWidth(150)
            combo.currentIndexChanged.connect(self._mapping_changed)
            self.combos[key] = combo
            r, c = 1 + i // 3, (i % 3) * 2  # three pairs a row: the screen must fit a 768 px laptop
            grid.addWidget(lab, r, c)
            grid.addWidget(combo, r, c + 1)
        note = QLabel("* wajib (NIP atau PIN cukup salah satu)")
        note.setObjectName("subtitle")
        last = 2 + (len(FIELDS) - 1) // 3
        grid.addWidget(note, last, 0, 1, 2)
        self.mapping_status = QLabel("")
        self.mapping_status.setWordWrap(True)
        grid.addWidget(self.mapping_status, last, 2, 1, 4)
        for col in (1, 3, 5):
            grid.setColumnStretch(col, 1)

        self.preview = QTableWidget(0, 0)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.preview.setSortingEnabled(True)
        self.preview.setMinimumHeight(90)
        self.preview.setMaximumHeight(160)
        self.preview.verticalHeader().setDefaultSectionSize(24)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        self.skip_invalid = QCheckBox("Jika ada baris salah, impor baris yang benar saja")
        self.skip_invalid.setToolTip("Baris yang salah dicatat sebagai ditolak dan dapat dilihat di hasil impor.")
        self.run_checks = QCheckBox("Langsung periksa swafoto setelah impor")
        self.run_checks.setChecked(True)
        self.import_btn = QPushButton("Impor")
        self.import_btn.setObjectName("primary")
        self.import_btn.setEnabled(False)
        self.import_btn.setMinimumWidth(160)
        self.import_btn.clicked.connect(self.start_import)
        self.strip = OperationStrip(bar_width=420)
        options = QHBoxLayout()  # both options on one line: the screen must fit a 768 px laptop
        options.addWidget(self.skip_invalid)
        options.addSpacing(16)
        options.addWidget(self.run_checks)
        options.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.import_btn)
        actions.addWidget(self.strip, 1)
        actions.addStretch()
        self.map_button = MapButton(self, actions)  # "Peta…" (desktop/views/mobile_map.py)

        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setMinimumHeight(70)
        self.result.setPlaceholderText("Hasil impor akan tampil di sini.")

        self.history = RowTableModel([
            ("Waktu", lambda b: f"{tanggal_jam(b[1])}"),
            ("Berkas", lambda b: b[2]),
            ("Baru", lambda b: b[3]),
            ("Sudah ada", lambda b: b[4]),
            ("Ditolak", lambda b: b[5]),
            ("Oleh", lambda b: b[6]),
        ])
        history_view = make_table(self.history, stretch=1)
        history_view.setMinimumHeight(70)
        self.history_view = history_view

        layout = QVBoxLayout(self)
        layout.setSpacing(5)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(map_frame)
        layout.addWidget(QLabel("Contoh isi berkas (5 baris pertama):"))
        layout.addWidget(self.preview)
        layout.addLayout(options)
        layout.addLayout(actions)
        # result and history side by side: both stay readable without pushing the screen past 768 px
        bottom = QHBoxLayout()
        for caption, widget in (("Hasil impor:", self.result), ("Riwayat impor mobile:", history_view)):
            column = QVBoxLayout()
            column.addWidget(QLabel(caption))
            column.addWidget(widget, 1)
            bottom.addLayout(column, 1)
        layout.addLayout(bottom, 1)

        if not ctx.user.has("operator"):
            self.choose_btn.setEnabled(False)
            self.file_label.setText("Impor hanya untuk operator kepegawaian.")
        self.refresh()

    # ------------------------------------------------------------------ data
    def refresh(self) -> None:
        with self.ctx.db.session() as s:
            rows = s.execute(
                select(ImportBatch.id, ImportBatch.started_at, ImportBatch.source, ImportBatch.new_count,
                       ImportBatch.duplicate_count, ImportBatch.rejected_count, ImportBatch.username)
                .where(ImportBatch.kind == "mobile").order_by(ImportBatch.id.desc()).limit(50)
            ).all()
        self.history.set_rows([tuple(r) for r in rows])

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Pilih bundel presensi mobile", str(Path.home()), "Bundel ZIP (*.zip)")
        if path:
            self.load_bundle(Path(path))

    def load_bundle(self, path: Path) -> bool:
        """Open the bundle, fill the mapping combos with its columns and the preview table."""
        try:
            bundle, guessed = inspect_bundle(path)
        except BundleError as exc:
            self.bundle = None
            self.file_label.setText(path.name)
            self._show_error(str(exc))
            self.import_btn.setEnabled(False)
            return False
        self.bundle = bundle
        self.file_label.setText(f"{path.name} — {bundle.data_name}, {len(bundle.rows)} baris, {len(bundle.photos)} foto")
        for key, combo in self.combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_USED)
            combo.addItems(bundle.columns)
            combo.setCurrentText(guessed.get(key, NOT_USED))
            combo.blockSignals(False)
        self.preview.setColumnCount(len(bundle.columns))
        self.preview.setHorizontalHeaderLabels(bundle.columns)
        sample = bundle.rows[:5]
        self.preview.setSortingEnabled(False)  # filling a sorting table would move rows under the loop
        self.preview.setRowCount(len(sample))
        for r, (_no, values) in enumerate(sample):
            for c, col in enumerate(bundle.columns):
                self.preview.setItem(r, c, QTableWidgetItem(values.get(col, "")))
        self.preview.setSortingEnabled(True)
        self.result.clear()
        self._mapping_changed()
        return True

    def mapping(self) -> dict[str, str]:
        return {k: c.currentText() for k, c in self.combos.items() if c.currentText() and c.currentText() != NOT_USED}

    def _mapping_changed(self) -> None:
        if self.bundle is None:
            return
        problems = validate_mapping(self.mapping(), self.bundle.columns)
        if problems:
            self.mapping_status.setObjectName("error")
            self.mapping_status.setText(" ".join(problems))
        else:
            self.mapping_status.setObjectName("ok")
            self.mapping_status.setText("Pemetaan lengkap. Siap diimpor.")
        self.mapping_status.setStyleSheet(f"color: {'#b3261e' if problems else '#1e7b34'};")
        self.import_btn.setEnabled(not problems and self.op is None)

    @property
    def op(self) -> Operation | None:
        """The running import (None when idle)."""
        return self.strip.op

    # ---------------------------------------------------------------- import
    def start_import(self) -> None:
        if self.bundle is None:
            return
        self.import_btn.setEnabled(False)
        self.choose_btn.setEnabled(False)
        self.result.setPlainText("Sedang mengimpor…")
        op = self.ctx.runner.start(
            "Impor bundel mobile", import_and_check, self.ctx.db, self.bundle.path, self.mapping(),
            self.ctx.user.username, self.ctx.opd_id, self.skip_invalid.isChecked(), self.run_checks.isChecked(),
        )
        self.strip.track(op)  # before _done is connected: the strip forgets the op first
        op.finished.connect(self._finished)
        op.failed.connect(lambda exc, _tech: self._show_error(refusal_text(exc)))
        op.cancelled.connect(lambda: self._show_error("Impor dibatalkan; tidak ada data yang disimpan."))
        op.done.connect(self._done)

    def _finished(self, outcome: tuple[MobileImportResult, str]) -> None:
        result, checks = outcome
        lines = [
            f"Selesai: {result.new} rekaman baru, {result.duplicate} sudah ada sebelumnya, {result.rejected} ditolak.",
        ]
        if result.quarantined:
            lines.append(f"Dikarantina: {result.quarantined} rekaman dengan waktu tidak wajar (tidak dihitung); "
                         "periksa di menu Karantina:")
            lines.extend(f"  • {m}" for m in result.quarantine_messages[:50])
        if result.flags:
            lines.append("Ditandai: " + ", ".join(f"{FLAG_LABELS.get(k, k)} {v}" for k, v in sorted(result.flags.items())))
        if checks:
            lines.append(f"Pemeriksaan swafoto: {checks}. Buka menu Verifikasi Swafoto untuk memutuskan.")
        if result.errors:
            lines.append("Baris yang ditolak:")
            lines.extend(f"  • {e}" for e in result.errors[:50])
        self.result.setStyleSheet("")
        self.result.setPlainText("\n".join(lines))

    def _show_error(self, message: str) -> None:
        self.result.setStyleSheet("color: #b3261e;")
        self.result.setPlainText(message)

    def _done(self) -> None:
        self.choose_btn.setEnabled(self.ctx.user.has("operator"))
        self._mapping_changed()
        self.refresh()
