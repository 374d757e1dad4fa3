"""Small widgets shared by Rekonsiliasi, Jadwal & Hari Libur and Surat (period picker, date fields) and
the correction dialog of Rekonsiliasi."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.row_table import RowTableModel
from desktop.widgets import make_table
from services.calendar.names import BULAN
from services.changes import Changes
from services.errors import UserError
from services.letters.kinds import STATUS_LABELS
from services.reconcile.corrections import (
    CORRECTABLE_STATUS,
    FIELDS,
    add_correction,
    corrections_for_day,
    undo_correction,
)
from services.reconcile.grid import FLAG_LABELS
from services.store.models import DayRecord, Employee
from services.timefmt import jam, tanggal_jam


def save_buttons(save_text: str = "Simpan") -> QDialogButtonBox:
    """Save/Cancel with Indonesian labels (no Qt translation is loaded, so Qt would say "Save"/"Cancel")."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Save).setText(save_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Batal")
    return buttons


def confirm(parent: QWidget, title: str, text: str, yes_text: str) -> bool:
    """Question box whose buttons say what happens ("Hapus" / "Batal") instead of Qt's English Yes/No."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton("Batal", QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return box.clickedButton() is yes


def ask_text(parent: QWidget, title: str, label: str, ok_text: str = "Simpan", multiline: bool = False) -> str | None:
    """One line (or a few) of text from the user, Indonesian buttons; None when cancelled."""
    dlg = QInputDialog(parent)
    dlg.setWindowTitle(title)
    dlg.setLabelText(label)
    dlg.setOkButtonText(ok_text)
    dlg.setCancelButtonText("Batal")
    if multiline:
        dlg.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
    dlg.resize(460, dlg.sizeHint().height())
    return dlg.textValue() if dlg.exec() == QDialog.DialogCode.Accepted else None


def ask_item(parent: QWidget, title: str, label: str, items: list[str]) -> str | None:
    """Pick one of ``items`` (Indonesian buttons); None when cancelled."""
    dlg = QInputDialog(parent)
    dlg.setWindowTitle(title)
    dlg.setLabelText(label)
    dlg.setComboBoxItems(items)
    dlg.setComboBoxEditable(False)
    dlg.setOkButtonText("Pilih")
    dlg.setCancelButtonText("Batal")
    return dlg.textValue() if dlg.exec() == QDialog.DialogCode.Accepted else None


def filter_row(first: QWidget, label: str, combo: QComboBox) -> QHBoxLayout:
    """The top row of a screen: a picker, then "<label> [combo]", then room for the screen's buttons."""
    row = QHBoxLayout()
    row.addWidget(first)
    row.addSpacing(12)
    row.addWidget(QLabel(label))
    row.addWidget(combo)
    row.addStretch(1)
    return row


class PeriodPicker(QWidget):
    """Month + year selector emitting changed(year, month)."""

    changed = Signal(int, int)

    def __init__(self, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.month = QComboBox()
        self.month.addItems(BULAN)
        self.month.setCurrentIndex(today.month - 1)
        self.year = QSpinBox()
        self.year.setRange(2020, 2100)
        self.year.setValue(today.year)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Periode"))
        lay.addWidget(self.month)
        lay.addWidget(self.year)
        self.month.currentIndexChanged.connect(lambda _i: self.changed.emit(*self.value()))
        self.year.valueChanged.connect(lambda _v: self.changed.emit(*self.value()))

    def value(self) -> tuple[int, int]:
        return self.year.value(), self.month.currentIndex() + 1

    def set_value(self, year: int, month: int) -> None:
        self.year.setValue(year)
        self.month.setCurrentIndex(month - 1)


def correction_value_text(field: str, value: str) -> str:
    if value == "":
        return "kembali ke hasil perhitungan"
    return STATUS_LABELS.get(value, value) if field == "status" else value.replace(":", ".")  # 07.40


class CorrectionDialog(QDialog):
    """Correct one employee-day: status or check-in/out time, with a mandatory reason."""

    def __init__(self, ctx: AppContext, employee_id: int, day: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.employee_id, self.day = ctx, employee_id, day
        self.setWindowTitle("Koreksi kehadiran")
        self.setMinimumWidth(460)
        with ctx.db.session() as s:
            emp = s.get(Employee, employee_id)
            rec = s.get(DayRecord, (employee_id, day))
            history = corrections_for_day(s, employee_id, day)
        # what this form shows as in force per field: saving refuses when another PC corrected it meanwhile
        self.active_seen = {h.field: h.id for h in history if h.active}
        name = f"{emp.name} ({emp.nip})" if emp else f"#{employee_id}"
        now = "belum dihitung"
        if rec is not None:
            cin, cout = jam(rec.check_in), jam(rec.check_out)
            now = f"{STATUS_LABELS.get(rec.status, rec.status)} · masuk {cin} · pulang {cout}"
            problems = [FLAG_LABELS.get(f, f) for f in (rec.flags or "").split(",") if f]
            if problems:
                now += "\n⚠ " + "; ".join(problems)
        self.field = QComboBox()
        for key, label in FIELDS.items():
            self.field.addItem(label, key)
        self.status = QComboBox()
        for code in CORRECTABLE_STATUS:
            self.status.addItem(f"{code} — {STATUS_LABELS.get(code, code)}", code)
        self.time = QTimeEdit()
        self.time.setDisplayFormat("HH.mm")  # shown as everywhere else (services/timefmt.py); stored HH:MM
        self.time.setTime(QTime(7, 30))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Wajib: alasan koreksi, mis. 'Mesin presensi rusak, hadir menurut daftar hadir manual'")
        self.reason.setMaximumHeight(80)
        # every correction of this cell, newest first; an active one can be undone by a reversing correction
        self.history_model = RowTableModel([
            ("Waktu", lambda h: tanggal_jam(h.created_at)),
            ("Oleh", lambda h: h.username),
            ("Kolom", lambda h: FIELDS.get(h.field, h.field)),
            ("Nilai", lambda h: correction_value_text(h.field, h.value)),
            ("Berlaku", lambda h: "ya" if h.active else "tidak"),
            ("Alasan", lambda h: h.reason),
        ], background=lambda h, c: None if h.active else "#eeeeee")
        self.history_model.set_rows(list(reversed(history)))
        self.history = make_table(self.history_model, stretch=5, contents=(0, 1, 2, 3, 4))
        self.history.setMinimumHeight(110)
        self.undo_btn = QPushButton("Batalkan koreksi terpilih…")
        self.undo_btn.setToolTip("Dibatalkan dengan koreksi pembalik beralasan; riwayatnya tetap tersimpan")
        self.undo_btn.clicked.connect(self._undo_selected)
        form = QFormLayout()
        form.addRow("Pegawai", QLabel(name))
        form.addRow("Tanggal", QLabel(day.strftime("%d-%m-%Y")))
        form.addRow("Saat ini", QLabel(now))
        form.addRow("Yang dikoreksi", self.field)
        form.addRow("Status baru", self.status)
        form.addRow("Jam", self.time)
        form.addRow("Alasan", self.reason)
        if history:
            form.addRow("Riwayat koreksi", self.history)
            form.addRow("", self.undo_btn)
        buttons = save_buttons("Simpan koreksi")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setLayout(form)
        self.field.currentIndexChanged.connect(self._sync)
        self._sync()
        # start from the most likely fix for the day's problem
        flags = set((rec.flags or "").split(",")) if rec is not None else set()
        if rec is not None and rec.status == "TK":
            self.status.setCurrentIndex(CORRECTABLE_STATUS.index("H"))
        elif "no_checkin" in flags:
            self.field.setCurrentIndex(self.field.findData("check_in"))
        elif "no_checkout" in flags:
            self.field.setCurrentIndex(self.field.findData("check_out"))
            self.time.setTime(QTime(16, 0))

    def _sync(self) -> None:
        is_status = self.field.currentData() == "status"
        self.status.setEnabled(is_status)
        self.time.setEnabled(not is_status)

    def value(self) -> str:
        if self.field.currentData() == "status":
            return str(self.status.currentData())
        return self.time.dateTime().toString("HH:mm")  # the widget's value (QDateTimeEdit), not a clock

    def _undo_selected(self, reason: str | None = None) -> bool:
        rows = self.history.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, "Pilih koreksi", "Pilih satu koreksi yang masih berlaku di riwayat.")
            return False
        h = self.history_model.row(rows[0].row())
        if reason is None:
            reason = ask_text(self, "Batalkan koreksi", f"Alasan membatalkan koreksi {FIELDS.get(h.field, h.field)} = "
                              f"{correction_value_text(h.field, h.value)} (tercatat di jejak audit):",
                              ok_text="Batalkan koreksi")
            if reason is None:
                return False
        try:
            with self.ctx.db.transaction() as s:
                undo_correction(s, self.ctx.user, h.id, reason)
        except UserError as exc:
            present_refusal(self, exc, "Koreksi tidak dibatalkan.")
            return False
        self.ctx.notify(Changes(records=True))
        self.accept()
        return True

    def _save(self) -> None:
        try:
            with self.ctx.db.transaction() as s:
                field = str(self.field.currentData())
                add_correction(s, self.ctx.user, self.employee_id, self.day, field, self.value(),
                               self.reason.toPlainText(), expected_active=self.active_seen.get(field))
        except UserError as exc:
            present_refusal(self, exc, "Koreksi ditolak.")
            return
        self.ctx.notify(Changes(records=True))
        self.accept()
