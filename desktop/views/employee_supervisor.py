"""Dialog: set the atasan langsung of one employee (notices and selfie checks follow this chain)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QVBoxLayout, QWidget

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.widgets import dialog_buttons
from services.errors import UserError
from services.org.supervisor import set_supervisor, supervisor_choices
from services.store.models import Employee


class SupervisorDialog(QDialog):
    def __init__(self, ctx: AppContext, employee_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.employee_id = ctx, employee_id
        with ctx.db.session() as s:
            emp = s.get(Employee, employee_id)
            name = emp.name if emp else f"#{employee_id}"
            current = emp.supervisor_id if emp else None
            choices = supervisor_choices(s, ctx.opd_id, employee_id)
        self.setWindowTitle(f"Atasan langsung — {name}")
        self.setMinimumWidth(520)
        self.choice = QComboBox()
        self.choice.setEditable(True)  # type to find a name among hundreds
        self.choice.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.choice.addItem("(belum ada atasan langsung)", None)
        for eid, label in choices:
            self.choice.addItem(label, eid)
        self.choice.setCurrentIndex(max(0, self.choice.findData(current)))
        note = QLabel("Atasan langsung memeriksa pelanggaran disiplin (surat panggilan, BAP) dan memverifikasi "
                      "swafoto. Pemeriksa tidak boleh bergolongan atau berkelas jabatan lebih rendah.")
        note.setWordWrap(True)
        note.setObjectName("subtitle")
        form = QFormLayout()
        form.addRow("Atasan langsung", self.choice)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(dialog_buttons(self, "Simpan", on_ok=self.save))

    def save(self) -> bool:
        try:
            with self.ctx.db.transaction() as s:
                changes = set_supervisor(s, self.ctx.user, self.employee_id, self.choice.currentData())
        except UserError as exc:
            present_refusal(self, exc, "Atasan langsung tidak diubah.")
            return False
        self.ctx.notify(changes)
        self.ctx.status("Atasan langsung disimpan")
        self.accept()
        return True
