"""Pegawai: searchable list (filtered in SQL) and SIMPEG CSV/XLSX import with preview."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.row_table import RowTableModel
from desktop.views.employee_supervisor import SupervisorDialog
from desktop.widgets import make_table, page_header
from services.changes import Changes
from services.errors import UserError
from services.jobs import CancelToken, ProgressFn
from services.letters.leave import leave_balance
from services.org.queries import employee_rows, unit_choices
from services.org.simpeg_import import ImportFileError, ImportPreview, apply_import, export_rejected_rows, preview_file
from services.store.db import Database

KIND_LABEL = {"PNS": "PNS", "PPPK": "PPPK", "PTT": "PTT", "NON_ASN": "Non-ASN"}


def leave_summary(ctx: AppContext, employee_id: int, year: int | None = None) -> str:
    """One line: the cuti tahunan balance of the year (today's year by default), or why there is none."""
    year = year or ctx.clock.today().year
    with ctx.db.session() as s:
        bal = leave_balance(s, employee_id, year)
    if bal is None:
        return "cuti tahunan PTT/non-ASN tidak dihitung aplikasi (mengikuti kontrak kerja)"
    return bal.text() + (f" ({bal.note})" if bal.note else "")


def _apply_job(db: Database, opd_id: int, preview: ImportPreview, username: str, *, progress: ProgressFn, cancel: CancelToken) -> tuple[int, int]:
    with db.transaction() as s:
        batch = apply_import(s, opd_id, preview, username, progress=progress, cancel=cancel)
        return batch.new_count, batch.duplicate_count


class ImportDialog(QDialog):
    """Shows every row with its action and errors; import is possible only when no row has an error."""

    def __init__(self, ctx: AppContext, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.preview = ctx, preview
        self.setWindowTitle(f"Pratinjau impor — {preview.path.name}")
        self.resize(1000, 560)
        n_err = sum(1 for r in preview.rows if r.errors)
        summary = QLabel(
            f"{len(preview.rows)} baris: {sum(r.action == 'baru' for r in preview.rows)} baru, "
            f"{sum(r.action == 'ubah' for r in preview.rows)} diperbarui"
            + (f", unit kerja baru: {', '.join(preview.new_units)}" if preview.new_units else "")
        )
        status = QLabel(
            f"{n_err} baris bermasalah — perbaiki berkas lalu pilih ulang. Tidak ada data yang disimpan." if n_err
            else "Semua baris valid. Klik Impor untuk menyimpan semuanya sekaligus."
        )
        status.setObjectName("error" if n_err else "ok")
        model = RowTableModel(
            [
                ("Baris", lambda r: r.row_no),
                ("Aksi", lambda r: r.action),
                ("NIP", lambda r: r.values.get("nip")),
                ("Nama", lambda r: r.values.get("name")),
                ("Jenis", lambda r: r.values.get("kind")),
                ("Unit", lambda r: r.values.get("unit", "")),
                ("PIN", lambda r: r.values.get("pin", "")),
                ("Kesalahan", lambda r: "; ".join(r.errors)),
            ],
            background=lambda r, c: "#fde2e1" if r.errors else None,
        )
        model.set_rows(preview.rows)
        table = make_table(model, stretch=7)
        self.errors = QPlainTextEdit("\n".join(preview.errors), readOnly=True)
        self.errors.setVisible(bool(n_err))
        self.errors.setMaximumHeight(110)
        self.import_button = QPushButton("Impor")
        self.import_button.setObjectName("primary")
        self.import_button.setEnabled(preview.ok)
        self.import_button.clicked.connect(self.do_import)
        cancel = QPushButton("Tutup")
        cancel.clicked.connect(self.reject)
        self.save_errors_button = QPushButton("Simpan baris bermasalah…")
        self.save_errors_button.setVisible(bool(n_err))
        self.save_errors_button.clicked.connect(self.save_rejected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_errors_button)
        buttons.addStretch()
        buttons.addWidget(cancel)
        buttons.addWidget(self.import_button)
        lay = QVBoxLayout(self)
        lay.addWidget(summary)
        lay.addWidget(status)
        lay.addWidget(table, 1)
        lay.addWidget(self.errors)
        lay.addLayout(buttons)

    def save_rejected(self, path: Path | None = None) -> None:
        if path is None:
            suggested = str(self.ctx.data_dir / f"{self.preview.path.stem}-bermasalah.csv")
            chosen, _ = QFileDialog.getSaveFileName(self, "Simpan baris bermasalah", suggested, "CSV (*.csv)")
            if not chosen:
                return
            path = Path(chosen)
        try:
            n = export_rejected_rows(self.preview, path)
        except OSError as exc:
            QMessageBox.warning(self, "Tidak tersimpan", f"{path.name} tidak dapat ditulis: {exc.strerror or exc}")
            return
        self.ctx.status(f"{n} baris bermasalah disimpan ke {path.name}")

    def do_import(self) -> None:
        self.import_button.setEnabled(False)
        op = self.ctx.runner.start("Impor pegawai", _apply_job, self.ctx.db, self.ctx.opd_id, self.preview, self.ctx.user.username)
        op.finished.connect(self._done)
        op.failed.connect(self._import_failed)

    def _import_failed(self, exc: BaseException, _detail: str) -> None:
        present_refusal(self, exc, "Impor gagal")
        self.import_button.setEnabled(True)

    def _done(self, result: tuple[int, int]) -> None:
        self.ctx.notify(Changes(employees=True))
        self.ctx.status(f"Impor pegawai selesai: {result[0]} baru, {result[1]} diperbarui")
        self.accept()


class EmployeesView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        title, subtitle = page_header("Pegawai", "Cari pegawai, tambahkan foto referensi swafoto, atau impor data dari "
                                      "SIMPEG. Arahkan tetikus ke sel untuk membaca isi lengkapnya.")
        self.search = QLineEdit(placeholderText="Cari nama, NIP atau jabatan…")
        self.unit = QComboBox()
        self.count = QLabel("")
        import_button = QPushButton("Impor dari SIMPEG (CSV/XLSX)…")
        import_button.setObjectName("primary")
        import_button.clicked.connect(self.choose_file)
        import_button.setEnabled(ctx.user.has("operator"))
        top = QHBoxLayout()
        top.addWidget(self.search, 2)
        top.addWidget(self.unit, 1)
        top.addWidget(self.count)
        top.addStretch()
        self.photo_button = QPushButton("Foto referensi…")
        self.photo_button.setToolTip("Tambahkan foto wajah pegawai terpilih sebagai pembanding swafoto")
        self.photo_button.clicked.connect(self.choose_reference_photo)
        self.photo_button.setEnabled(ctx.user.has("operator"))
        top.addWidget(self.photo_button)
        self.supervisor_button = QPushButton("Atasan langsung…")
        self.supervisor_button.setToolTip("Tetapkan atasan langsung pegawai terpilih (pemeriksa surat disiplin, "
                                          "verifikator swafoto)")
        self.supervisor_button.clicked.connect(self.edit_supervisor)
        self.supervisor_button.setEnabled(ctx.user.has("operator"))
        top.addWidget(self.supervisor_button)
        top.addWidget(import_button)
        self.model = RowTableModel(
            [
                ("NIP / NI PPPK", lambda r: r[1]),
                ("Nama", lambda r: r[2]),
                ("Jenis", lambda r: KIND_LABEL.get(r[3], r[3])),
                ("Unit kerja", lambda r: r[4]),
                ("Jabatan", lambda r: r[5]),
                ("PIN mesin", lambda r: r[6]),
                ("Atasan langsung", lambda r: r[7]),
                ("TPP (Rp)", lambda r: f"{r[8]:,}".replace(",", ".")),
            ]
        )
        # short columns size to their contents; Nama/Unit/Jabatan share the rest (full text on hover)
        self.table = make_table(self.model, stretch=1, contents=(0, 2, 5, 7), alternate=True)
        header = self.table.horizontalHeader()
        for col in (3, 4, 6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        self.leave = QLabel("Pilih pegawai untuk melihat sisa cuti tahunan.")
        self.leave.setObjectName("subtitle")
        self.leave.setWordWrap(True)
        lay.addWidget(self.leave)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.show_leave())
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._debounce.start)
        self.unit.currentIndexChanged.connect(self.refresh)
        ctx.events.changed.connect(lambda ch: self.refresh() if ch.employees else None)
        self._load_units()

    def _load_units(self) -> None:
        self.unit.blockSignals(True)
        self.unit.clear()
        self.unit.addItem("Semua unit kerja", None)
        with self.ctx.db.session() as s:
            for uid, name in unit_choices(s, self.ctx.opd_id):
                self.unit.addItem(name, uid)
        self.unit.blockSignals(False)

    def refresh(self) -> None:
        with self.ctx.db.session() as s:
            rows = employee_rows(s, self.ctx.opd_id, self.search.text(), self.unit.currentData())
        self.model.set_rows(rows)
        self.count.setText(f"{len(rows)} pegawai")

    def focus_target(self, target: object) -> None:
        """Show one employee's record (from the Ctrl+K finder): {"employee_id", "nip"}."""
        if not isinstance(target, dict) or "nip" not in target:
            return
        self.unit.setCurrentIndex(0)
        self.search.setText(str(target["nip"]))
        self.refresh()
        if self.model.rowCount():
            self.table.selectRow(0)
            self.table.setFocus()

    def selected_employee(self) -> tuple[int, str] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        r = self.model.row(rows[0].row())
        return int(r[0]), str(r[2])

    def show_leave(self) -> None:
        """Cuti tahunan balance of the selected employee for the current year (services/letters/leave.py)."""
        chosen = self.selected_employee()
        if chosen is None:
            self.leave.setText("Pilih pegawai untuk melihat sisa cuti tahunan.")
            return
        self.leave.setText(f"{chosen[1]}: {leave_summary(self.ctx, chosen[0])}")

    def edit_supervisor(self) -> SupervisorDialog | None:
        chosen = self.selected_employee()
        if chosen is None:
            QMessageBox.information(self, "Pilih pegawai", "Pilih satu pegawai di tabel terlebih dahulu.")
            return None
        dlg = SupervisorDialog(self.ctx, chosen[0], self)
        dlg.open()
        return dlg

    def choose_reference_photo(self) -> None:
        chosen = self.selected_employee()
        if chosen is None:
            QMessageBox.information(self, "Pilih pegawai", "Pilih satu pegawai di tabel terlebih dahulu.")
            return
        path, _ = QFileDialog.getOpenFileName(self, f"Foto referensi {chosen[1]}", "", "Foto (*.jpg *.jpeg *.png)")
        if path:
            self.add_reference_photo(chosen[0], Path(path))

    def add_reference_photo(self, employee_id: int, path: Path) -> bool:
        from services.selfie.service import add_reference_photo

        try:
            data = path.read_bytes()
        except OSError as exc:
            QMessageBox.warning(self, "Foto tidak disimpan", f"{path.name} tidak dapat dibaca: {exc.strerror or exc}")
            return False
        try:
            with self.ctx.db.transaction() as s:
                add_reference_photo(s, self.ctx.db.path, employee_id, data, self.ctx.user.username,
                                    now=self.ctx.db.clock.now())
        except UserError as exc:
            present_refusal(self, exc, f"Foto {path.name} tidak disimpan.")
            return False
        self.ctx.status(f"Foto referensi disimpan: {path.name}")
        self.ctx.notify(Changes(employees=True))
        return True

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Pilih berkas SIMPEG", "", "Data pegawai (*.csv *.xlsx)")
        if path:
            self.open_preview(Path(path))

    def open_preview(self, path: Path) -> ImportDialog | None:
        try:
            with self.ctx.db.session() as s:
                preview = preview_file(s, self.ctx.opd_id, path)
        except (ImportFileError, OSError) as exc:
            QMessageBox.warning(self, "Berkas tidak dapat diimpor", str(exc))
            return None
        dlg = ImportDialog(self.ctx, preview, self)
        dlg.finished.connect(lambda _r: self._load_units())
        dlg.open()
        return dlg
