"""Dialogs and small widgets of the reconciliation screens (correction, period picker, progress strip)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from desktop.context import AppContext
from services.letters.kinds import STATUS_LABELS
from services.reconcile.corrections import CORRECTABLE_STATUS, FIELDS, add_correction, corrections_for_day
from services.reconcile.grid import FLAG_LABELS
from services.reconcile.period import BULAN
from services.store.models import DayRecord, Employee


class PeriodPicker(QWidget):
    """Month + year selector emitting changed(year, month)."""

    changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None, today: dt.date | None = None) -> None:
        super().__init__(parent)
        today = today or dt.date.today()
        self.month = QComboBox()
        self.month.addItems(BULAN[1:])
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


class OpStrip(QWidget):
    """Progress bar + cancel button for one background operation; hidden when idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(320)
        self.cancel_btn = QPushButton("Batal")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_btn)
        self.op = None
        self.cancel_btn.clicked.connect(self._cancel)
        self.hide()

    def track(self, op, title: str) -> None:  # type: ignore[no-untyped-def]
        self.op = op
        self.label.setText(title)
        self.bar.setRange(0, 0)
        self.cancel_btn.setEnabled(True)
        self.show()
        op.progress.connect(self._progress)
        op.done.connect(self._done)

    def _progress(self, done: int, total: int, message: str) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        if message:
            self.label.setText(message)

    def _cancel(self) -> None:
        if self.op is not None:
            self.op.cancel()
            self.cancel_btn.setEnabled(False)
            self.label.setText("Membatalkan…")

    def _done(self) -> None:
        self.op = None
        self.hide()


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
        name = f"{emp.name} ({emp.nip})" if emp else f"#{employee_id}"
        now = "belum dihitung"
        if rec is not None:
            cin = rec.check_in.strftime("%H:%M") if rec.check_in else "-"
            cout = rec.check_out.strftime("%H:%M") if rec.check_out else "-"
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
        self.time.setDisplayFormat("HH:mm")
        self.time.setTime(QTime(7, 30))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Wajib: alasan koreksi, mis. 'Mesin presensi rusak, hadir menurut daftar hadir manual'")
        self.reason.setMaximumHeight(80)
        self.history = QListWidget()
        self.history.setMaximumHeight(90)
        for h in history:
            state = "aktif" if h.active else "dibatalkan"
            self.history.addItem(f"{h.created_at:%d-%m %H:%M} {h.username}: {FIELDS.get(h.field, h.field)} = {h.value} "
                                 f"({state}) — {h.reason}")
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Simpan koreksi")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Batal")
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
        return self.time.time().toString("HH:mm")

    def _save(self) -> None:
        try:
            with self.ctx.db.transaction() as s:
                add_correction(s, self.ctx.user, self.employee_id, self.day, str(self.field.currentData()),
                               self.value(), self.reason.toPlainText())
        except Exception as exc:  # noqa: BLE001 - shown to the user as is (Indonesian messages)
            QMessageBox.warning(self, "Koreksi ditolak", str(exc))
            return
        self.ctx.notify("records")
        self.accept()
