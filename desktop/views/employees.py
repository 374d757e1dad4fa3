"""Pegawai: searchable list (filtered in SQL) and SIMPEG CSV/XLSX import with preview."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.row_table import RowTableModel
from desktop.views.employee_dialogs import DeactivateDialog, EmployeeDialog, last_day_text
from desktop.views.employee_supervisor import SupervisorDialog
from desktop.views.simpeg_dialog import ImportDialog
from desktop.widgets import make_table, page_header
from services.changes import Changes
from services.errors import UserError
from services.letters.leave import leave_balance
from services.org.queries import employee_rows, unit_choices
from services.org.simpeg_import import ImportFileError, preview_file

KIND_LABEL = {"PNS": "PNS", "PPPK": "PPPK", "PTT": "PTT", "NON_ASN": "Non-ASN"}


def leave_summary(ctx: AppContext, employee_id: int, year: int | None = None) -> str:
    """One line: the cuti tahunan balance of the year (today's year by default), or why there is none."""
    year = year or ctx.clock.today().year
    with ctx.db.session() as s:
        bal = leave_balance(s, employee_id, year)
    if bal is None:
        return "cuti tahunan PTT/non-ASN tidak dihitung aplikasi (mengikuti kontrak kerja)"
    return bal.text() + (f" ({bal.note})" if bal.note else "")


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
        may_edit = ctx.user.has("operator")
        self.add_button = QPushButton("Tambah pegawai…")
        self.add_button.clicked.connect(self.add_employee)
        self.edit_button = QPushButton("Ubah…")
        self.edit_button.setToolTip("Ubah data, atasan langsung dan PIN mesin pegawai terpilih")
        self.edit_button.clicked.connect(self.edit_selected)
        self.deactivate_button = QPushButton("Nonaktifkan…")
        self.deactivate_button.setToolTip("Pensiun, mutasi atau berhenti: presensinya tidak dihitung lagi")
        self.deactivate_button.clicked.connect(self.deactivate_selected)
        # actions on the selected employee sit on a second row, under the search (fits a 1366 px laptop)
        second = QHBoxLayout()
        second.addWidget(QLabel("Pegawai terpilih:"))
        for b in (self.add_button, self.edit_button, self.deactivate_button):
            b.setEnabled(may_edit)
        second.addWidget(self.edit_button)
        second.addWidget(self.deactivate_button)
        top.addWidget(self.add_button)
        self.photo_button = QPushButton("Foto referensi…")
        self.photo_button.setToolTip("Tambahkan foto wajah pegawai terpilih sebagai pembanding swafoto")
        self.photo_button.clicked.connect(self.choose_reference_photo)
        self.photo_button.setEnabled(ctx.user.has("operator"))
        second.addWidget(self.photo_button)
        self.supervisor_button = QPushButton("Atasan langsung…")
        self.supervisor_button.setToolTip("Tetapkan atasan langsung pegawai terpilih (pemeriksa surat disiplin, "
                                          "verifikator swafoto)")
        self.supervisor_button.clicked.connect(self.edit_supervisor)
        self.supervisor_button.setEnabled(ctx.user.has("operator"))
        second.addWidget(self.supervisor_button)
        second.addStretch()
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
                ("Status", lambda r: last_day_text(r[9] or None)),
            ],
            background=lambda r, c: "#eeeeee" if r[9] else None,
        )
        # short columns size to their contents; Nama/Unit/Jabatan share the rest (full text on hover)
        self.table = make_table(self.model, stretch=1, contents=(0, 2, 5, 7, 8), alternate=True)
        self.table.activated.connect(lambda _i: self.edit_selected() if may_edit else None)
        header = self.table.horizontalHeader()
        for col in (3, 4, 6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addLayout(top)
        lay.addLayout(second)
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

    def add_employee(self) -> EmployeeDialog:
        dlg = EmployeeDialog(self.ctx, None, self)
        dlg.open()
        return dlg

    def edit_selected(self) -> EmployeeDialog | None:
        from services.org.employees import detail

        chosen = self.selected_employee()
        if chosen is None:
            QMessageBox.information(self, "Pilih pegawai", "Pilih satu pegawai di tabel terlebih dahulu.")
            return None
        with self.ctx.db.session() as s:
            existing = detail(s, self.ctx.opd_id, chosen[0])
        dlg = EmployeeDialog(self.ctx, existing, self)
        dlg.open()
        return dlg

    def deactivate_selected(self) -> DeactivateDialog | None:
        chosen = self.selected_employee()
        if chosen is None:
            QMessageBox.information(self, "Pilih pegawai", "Pilih satu pegawai di tabel terlebih dahulu.")
            return None
        dlg = DeactivateDialog(self.ctx, chosen[0], chosen[1], self)
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
