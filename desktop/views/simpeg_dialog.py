"""SIMPEG import preview: every column read from the file, per row its action and errors.

Importing is all rows when every row is valid; otherwise the user may import only the valid rows
(one transaction, services/org/simpeg_import.apply_import ``valid_only``) and save the rejected rows
with their errors as CSV or XLSX for whoever fixes the SIMPEG export.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.row_table import RowTableModel
from desktop.widgets import make_table
from services.changes import Changes
from services.jobs import CancelToken, ProgressFn
from services.org.simpeg_import import ImportPreview, PreviewRow, apply_import, export_rejected_rows
from services.store.db import Database
from services.store.models import Employee

KIND_LABEL = {"PNS": "PNS", "PPPK": "PPPK", "PTT": "PTT", "NON_ASN": "Non-ASN"}
ACTION_LABEL = {"baru": "Baru", "ubah": "Diperbarui"}
# (field, header) of the optional columns, shown when the file has them
OPTIONAL = (("unit", "Unit kerja"), ("jabatan", "Jabatan"), ("golongan", "Golongan"),
            ("kelas_jabatan", "Kelas"), ("tpp", "TPP dasar (Rp)"), ("supervisor_nip", "Atasan langsung"),
            ("pin", "PIN mesin"), ("location", "Lokasi"), ("phone", "ID HP"))


def _apply_job(db: Database, opd_id: int, preview: ImportPreview, username: str, valid_only: bool, *,
               progress: ProgressFn, cancel: CancelToken) -> tuple[int, int, int]:
    with db.transaction() as s:
        batch = apply_import(s, opd_id, preview, username, progress=progress, cancel=cancel, valid_only=valid_only)
        return batch.new_count, batch.duplicate_count, batch.rejected_count


def _rupiah(text: str) -> str:
    digits = text.replace(".", "").replace(",", "")
    return f"{int(digits):,}".replace(",", ".") if digits.isdigit() else text


class ImportDialog(QDialog):
    """Every row with every column read, its action and errors; import all, or only the valid rows."""

    def __init__(self, ctx: AppContext, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.preview = ctx, preview
        self.setWindowTitle(f"Pratinjau impor — {preview.path.name}")
        self.resize(1180, 600)
        valid, rejected = preview.valid_rows, preview.rejected_rows
        summary = QLabel(
            f"{len(preview.rows)} baris: {sum(r.action == 'baru' for r in valid)} baru dan "
            f"{sum(r.action == 'ubah' for r in valid)} diperbarui siap diimpor, {len(rejected)} ditolak"
            + (f"; unit kerja baru: {', '.join(preview.new_units)}" if preview.new_units else "")
            + ". Kolom yang terbaca: " + ", ".join(preview.columns.values()) + ".")
        summary.setWordWrap(True)
        if not rejected:
            text = "Semua baris valid. Klik Impor untuk menyimpan semuanya sekaligus."
        elif valid:
            text = (f"{len(rejected)} baris bermasalah (merah). Anda dapat mengimpor {len(valid)} baris yang valid "
                    "saja, lalu menyimpan baris bermasalah beserta kesalahannya untuk diperbaiki.")
        else:
            text = "Tidak ada baris yang valid; perbaiki berkas lalu pilih ulang. Tidak ada data yang disimpan."
        self.status = QLabel(text)
        self.status.setWordWrap(True)
        self.status.setObjectName("error" if rejected else "ok")
        self.model = RowTableModel(self._columns(), background=lambda r, c: "#fde2e1" if r.errors else None)
        self.model.set_rows(preview.rows)
        n = len(self._columns())
        self.table = make_table(self.model, stretch=n - 1, contents=tuple(range(n - 1)))
        self.errors = QPlainTextEdit("\n".join(preview.errors), readOnly=True)
        self.errors.setVisible(bool(rejected))
        self.errors.setMaximumHeight(100)
        self.import_button = QPushButton("Impor" if not rejected else f"Impor {len(valid)} baris valid saja")
        self.import_button.setObjectName("primary")
        self.import_button.setEnabled(bool(valid))
        self.import_button.clicked.connect(self.do_import)
        cancel = QPushButton("Tutup")
        cancel.clicked.connect(self.reject)
        self.save_errors_button = QPushButton("Simpan baris bermasalah (CSV/XLSX)…")
        self.save_errors_button.setVisible(bool(rejected))
        self.save_errors_button.clicked.connect(lambda: self.save_rejected())
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_errors_button)
        buttons.addStretch()
        buttons.addWidget(cancel)
        buttons.addWidget(self.import_button)
        lay = QVBoxLayout(self)
        lay.addWidget(summary)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.errors)
        lay.addLayout(buttons)

    def _columns(self) -> list[tuple[str, Callable[[Any], Any]]]:
        names = self._names()
        sup = lambda r: (f"{r.values['supervisor_nip']} — {names[r.values['supervisor_nip']]}"  # noqa: E731
                         if r.values.get("supervisor_nip") in names else r.values.get("supervisor_nip", ""))
        shown = {"tpp": lambda r: _rupiah(r.values.get("tpp", "")), "supervisor_nip": sup}
        cols: list[tuple[str, Callable[[Any], Any]]] = [
            ("Baris", lambda r: r.row_no),
            ("Aksi", lambda r: "Ditolak" if r.errors else ACTION_LABEL.get(r.action, r.action)),
            ("NIP / NI PPPK", lambda r: r.values.get("nip")),
            ("Nama", lambda r: r.values.get("name")),
            ("Jenis", lambda r: KIND_LABEL.get(r.values.get("kind", ""), r.values.get("kind", ""))),
        ]
        for fld, header in OPTIONAL:
            if fld in self.preview.columns:
                cols.append((header, shown.get(fld, self._plain(fld))))
        cols.append(("Kesalahan", lambda r: "; ".join(r.errors)))
        return cols

    @staticmethod
    def _plain(fld: str) -> Callable[[PreviewRow], str]:
        return lambda r: r.values.get(fld, "")

    def _names(self) -> dict[str, str]:
        """NIP -> name for the supervisor column: the file's rows, then the stored employees."""
        wanted = {r.values.get("supervisor_nip", "") for r in self.preview.rows} - {""}
        names = {r.values["nip"]: r.values.get("name", "") for r in self.preview.rows if r.values.get("nip") in wanted}
        missing = wanted - set(names)
        if missing:
            with self.ctx.db.session() as s:
                names.update(dict(s.execute(select(Employee.nip, Employee.name).where(Employee.nip.in_(missing))).all()))
        return names

    def rows_shown(self) -> list[PreviewRow]:
        return self.model.rows()

    def save_rejected(self, path: Path | None = None) -> int:
        if path is None:
            suggested = str(self.ctx.data_dir / f"{self.preview.path.stem}-bermasalah.xlsx")
            chosen, _ = QFileDialog.getSaveFileName(self, "Simpan baris bermasalah", suggested,
                                                    "Excel (*.xlsx);;CSV (*.csv)")
            if not chosen:
                return 0
            path = Path(chosen)
        try:
            n = export_rejected_rows(self.preview, path)
        except OSError as exc:
            QMessageBox.warning(self, "Tidak tersimpan", f"{path.name} tidak dapat ditulis: {exc.strerror or exc}")
            return 0
        self.ctx.status(f"{n} baris bermasalah disimpan ke {path.name}")
        return n

    def do_import(self) -> None:
        self.import_button.setEnabled(False)
        valid_only = bool(self.preview.rejected_rows)
        op = self.ctx.runner.start("Impor pegawai", _apply_job, self.ctx.db, self.ctx.opd_id, self.preview,
                                   self.ctx.user.username, valid_only)
        op.finished.connect(self._done)
        op.failed.connect(self._import_failed)

    def _import_failed(self, exc: BaseException, _detail: str) -> None:
        present_refusal(self, exc, "Impor gagal; tidak ada data yang disimpan.")
        self.import_button.setEnabled(True)

    def _done(self, result: tuple[int, int, int]) -> None:
        self.ctx.notify(Changes(employees=True))
        new, updated, rejected = result
        self.ctx.status(f"Impor pegawai selesai: {new} baru, {updated} diperbarui"
                        + (f", {rejected} baris ditolak tidak diimpor" if rejected else ""))
        self.accept()
