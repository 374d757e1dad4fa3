"""Pegawai dialogs: add / edit one employee (with atasan langsung and device PINs), deactivate one.

The rules (who may, valid NIP, no circular supervisors, a PIN belongs to one employee) are in
services/org/employees.py and services/devices/pins.py; one save is one transaction.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.views.reconcile_dialogs import save_buttons
from desktop.widgets import date_edit, pydate, qdate
from services.devices.pins import set_employee_pins
from services.errors import UserError
from services.org.employees import (
    KINDS,
    EmployeeData,
    EmployeeDetail,
    add_employee,
    deactivate_employee,
    set_supervisor,
    supervised_by,
    supervisor_choices,
    update_employee,
)
from services.org.queries import unit_choices


class EmployeeDialog(QDialog):
    """New employee (``existing`` None) or edit: identity, unit, jabatan, TPP, atasan langsung, PINs."""

    def __init__(self, ctx: AppContext, existing: EmployeeDetail | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.existing = ctx, existing
        self.saved_id: int | None = None
        self.setWindowTitle(f"Ubah pegawai — {existing.data.name}" if existing else "Tambah pegawai")
        self.setMinimumWidth(560)
        self.nip = QLineEdit(placeholderText="18 digit untuk PNS / PPPK")
        self.name = QLineEdit()
        self.kind = QComboBox()
        for code, label in KINDS.items():
            self.kind.addItem(label, code)
        self.unit = QComboBox()
        self.unit.addItem("(tanpa unit kerja)", None)
        self.supervisor = QComboBox()
        self.supervisor.addItem("(belum ada atasan langsung)", None)
        with ctx.db.session() as s:
            for uid, name in unit_choices(s, ctx.opd_id):
                self.unit.addItem(name, uid)
            for eid, label in supervisor_choices(s, ctx.opd_id, existing.id if existing else None, ctx.clock.today()):
                self.supervisor.addItem(label, eid)
        self.jabatan = QLineEdit()
        self.golongan = QLineEdit(placeholderText="mis. III/b")
        self.kelas = QSpinBox(minimum=0, maximum=17)
        self.tpp = QSpinBox(minimum=0, maximum=100_000_000, singleStep=50_000)
        self.tpp.setGroupSeparatorShown(True)
        self.has_start = QCheckBox("Mulai aktif tanggal")
        self.start = date_edit(ctx.clock.today())
        self.start.setEnabled(False)
        self.has_start.toggled.connect(self.start.setEnabled)
        self.pins = QLineEdit(placeholderText="mis. 1023, 20231 (pisahkan dengan koma)")
        self.pins.setToolTip("PIN / user ID pegawai di mesin sidik jari; rekaman mesin dengan PIN ini menjadi miliknya")
        form = QFormLayout(self)
        form.addRow("NIP / NI PPPK", self.nip)
        form.addRow("Nama", self.name)
        form.addRow("Jenis pegawai", self.kind)
        form.addRow("Unit kerja", self.unit)
        form.addRow("Jabatan", self.jabatan)
        form.addRow("Golongan", self.golongan)
        form.addRow("Kelas jabatan", self.kelas)
        form.addRow("TPP dasar (Rp/bulan)", self.tpp)
        form.addRow(self.has_start, self.start)
        form.addRow("Atasan langsung", self.supervisor)
        form.addRow("PIN mesin", self.pins)
        if existing is not None:
            self._fill(existing)
            with ctx.db.session() as s:
                team = supervised_by(s, existing.id)
            if team:
                note = QLabel(f"Atasan langsung dari {len(team)} pegawai: " + ", ".join(n for _i, n in team[:6])
                              + (" …" if len(team) > 6 else ""))
                note.setObjectName("subtitle")
                note.setWordWrap(True)
                form.addRow("", note)
        buttons = save_buttons()
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _fill(self, e: EmployeeDetail) -> None:
        d = e.data
        self.nip.setText(d.nip)
        self.name.setText(d.name)
        self.kind.setCurrentIndex(max(0, self.kind.findData(d.kind)))
        self.unit.setCurrentIndex(max(0, self.unit.findData(d.unit_id)))
        self.jabatan.setText(d.jabatan)
        self.golongan.setText(d.golongan)
        self.kelas.setValue(d.kelas_jabatan)
        self.tpp.setValue(d.tpp_base)
        if d.active_from is not None:
            self.has_start.setChecked(True)
            self.start.setDate(qdate(d.active_from))
        self.supervisor.setCurrentIndex(max(0, self.supervisor.findData(e.supervisor_id)))
        self.pins.setText(", ".join(e.pins))

    def data(self) -> EmployeeData:
        return EmployeeData(self.nip.text(), self.name.text(), str(self.kind.currentData()), self.unit.currentData(),
                            self.jabatan.text(), self.golongan.text(), self.kelas.value(), self.tpp.value(),
                            pydate(self.start.date()) if self.has_start.isChecked() else None)

    def save(self) -> bool:
        ctx, user = self.ctx, self.ctx.user
        pins = [p for p in self.pins.text().replace(";", ",").split(",") if p.strip()]
        try:
            with ctx.db.transaction() as s:  # employee, supervisor and PINs: all or nothing
                if self.existing is None:
                    emp_id = add_employee(s, user, ctx.opd_id, self.data())
                else:
                    emp_id = self.existing.id
                    update_employee(s, user, ctx.opd_id, emp_id, self.data())
                set_supervisor(s, user, ctx.opd_id, emp_id, self.supervisor.currentData())
                attributed = set_employee_pins(s, user, emp_id, pins)
        except UserError as exc:
            present_refusal(self, exc, "Data pegawai belum tersimpan.")
            return False
        from services.changes import Changes

        self.saved_id = emp_id
        ctx.notify(Changes(employees=True, records=True, punches=bool(attributed)))
        extra = f"; {attributed} rekaman mesin kini tercatat atas namanya" if attributed else ""
        ctx.status(f"Data pegawai {self.name.text().strip()} disimpan{extra}.")
        self.accept()
        return True


class DeactivateDialog(QDialog):
    """The last active day and why (pensiun, mutasi, berhenti); the employee's records stay."""

    def __init__(self, ctx: AppContext, employee_id: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.employee_id = ctx, employee_id
        self.setWindowTitle(f"Nonaktifkan {name}")
        self.last_day = date_edit(ctx.clock.today())
        self.reason = QLineEdit(placeholderText="mis. pensiun per 1 Desember 2026 (SK ...)")
        info = QLabel(f"Setelah hari terakhir, {name} tidak lagi dihitung presensinya. Data dan laporan lama tetap "
                      "ada; pegawai dapat diaktifkan lagi.")
        info.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(info)
        form.addRow("Hari aktif terakhir", self.last_day)
        form.addRow("Alasan", self.reason)
        buttons = save_buttons("Nonaktifkan")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> bool:
        try:
            with self.ctx.db.transaction() as s:
                changes = deactivate_employee(s, self.ctx.user, self.ctx.opd_id, self.employee_id,
                                              pydate(self.last_day.date()), self.reason.text())
                team = supervised_by(s, self.employee_id)
        except UserError as exc:
            present_refusal(self, exc, "Pegawai tidak dinonaktifkan.")
            return False
        self.ctx.notify(changes)
        self.ctx.status("Pegawai dinonaktifkan." + (f" {len(team)} pegawai yang dibawahinya perlu atasan langsung "
                                                     "baru." if team else ""))
        self.accept()
        return True


def last_day_text(active_to: dt.date | None) -> str:
    return "Aktif" if active_to is None else f"Nonaktif sejak {active_to + dt.timedelta(days=1):%d-%m-%Y}"
