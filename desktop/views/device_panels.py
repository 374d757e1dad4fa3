"""Tabs of the Perangkat screen besides the device list: unmapped PINs, quarantine, device users, diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.row_table import RowTableModel
from desktop.widgets import make_table
from services.changes import Changes
from services.devices.diagnostics import DeviceDiagnostics
from services.devices.pins import employee_choices, map_pin_by
from services.devices.quarantine import accept, dismiss, list_quarantine
from services.devices.registry import describe_drift
from services.devices.users import unmapped_with_names
from services.errors import UserError
from services.store.writer import write_transaction
from services.timefmt import tanggal_jam


def _when(v: Any) -> str:
    return tanggal_jam(v) if v else "belum pernah"


class PinPanel(QWidget):
    """PINs with punches but no employee: the device's name for each, suggested employees, mapping."""

    def __init__(self, ctx: AppContext, say: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.say = ctx, say
        self.model = RowTableModel([
            ("PIN mesin", lambda r: r.pin),
            ("Nama di mesin", lambda r: r.device_name or "-"),
            ("Saran pegawai", lambda r: "; ".join(f"{g.label} ({int(g.score * 100)}%: {g.why})"
                                                  for g in r.suggestions) or "-"),
            ("Rekaman", lambda r: r.punches),
            ("Pertama", lambda r: tanggal_jam(r.first_ts)),
            ("Terakhir", lambda r: tanggal_jam(r.last_ts)),
            ("Sumber", lambda r: r.serials),
        ])
        self.table = make_table(self.model, alternate=True, fixed={2: 420})
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._preselect())
        self.employee = QComboBox()
        self.employee.setEditable(True)
        self.employee.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.employee.setMinimumWidth(360)
        self.btn_map = QPushButton("Petakan ke pegawai")
        self.btn_map.clicked.connect(self.map_selected)
        self.hint = QLabel("")
        self.hint.setObjectName("subtitle")
        self.hint.setWordWrap(True)
        # the suggestions of the selected PIN, each one button: checking the name and mapping is one click
        self.suggestion_row = QHBoxLayout()
        self.suggestion_label = QLabel("Saran:")
        self.suggestion_row.addWidget(self.suggestion_label)
        self.suggestion_buttons: list[QPushButton] = []
        self._suggested: list[tuple[str, int, str]] = []  # (pin, employee id, label) behind each button
        for i in range(3):
            b = QPushButton("")
            b.setVisible(False)
            b.clicked.connect(lambda _=False, n=i: self.map_pin_to(*self._suggested[n]))
            self.suggestion_buttons.append(b)
            self.suggestion_row.addWidget(b)
        self.suggestion_row.addStretch()
        self._may_edit = False
        row = QHBoxLayout()
        row.addWidget(QLabel("Pegawai:"))
        row.addWidget(self.employee, 1)
        row.addWidget(self.btn_map)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addWidget(self.table, 1)
        lay.addLayout(self.suggestion_row)
        lay.addLayout(row)
        self._show_suggestions()

    def refresh(self, may_edit: bool) -> None:
        self._may_edit = may_edit
        with self.ctx.db.session() as s:
            rows = unmapped_with_names(s, self.ctx.opd_id)
            employees = employee_choices(s, self.ctx.opd_id)
        self.model.set_rows(rows)
        self.hint.setText(
            f"{len(rows)} PIN dari mesin belum dikenali. Pilih PIN — pegawai yang paling cocok (menurut NIP atau nama "
            "di mesin) langsung terpilih — periksa, lalu klik 'Petakan ke pegawai'; semua rekaman PIN itu tercatat "
            "atas nama pegawai tersebut." if rows else "Semua PIN dari mesin sudah terpetakan ke pegawai.")
        current = self.employee.currentData()
        self.employee.clear()
        for emp_id, label in employees:
            self.employee.addItem(label, emp_id)
        if current is not None:
            self.employee.setCurrentIndex(max(0, self.employee.findData(current)))
        self.btn_map.setEnabled(bool(rows) and may_edit)
        self._show_suggestions()

    def selected(self) -> Any:
        idx = self.table.selectionModel().selectedRows()
        return self.model.row(idx[0].row()) if idx else None

    def _preselect(self) -> None:
        row = self.selected()
        if row is not None and row.suggestions:
            self.employee.setCurrentIndex(max(0, self.employee.findData(row.suggestions[0].employee_id)))
        self._show_suggestions()

    def _show_suggestions(self) -> None:
        row = self.selected()
        suggestions = row.suggestions if row is not None else ()
        pin = row.pin if row is not None else ""
        self.suggestion_label.setText(
            f"Saran untuk PIN {row.pin} ({row.device_name or 'tanpa nama di mesin'}), klik untuk memetakan:"
            if suggestions else ("Tidak ada pegawai yang mirip; pilih pegawai di bawah." if row is not None
                                 else "Pilih satu PIN untuk melihat saran pegawai."))
        self._suggested = [(pin, g.employee_id, g.label) for g in suggestions]
        for i, b in enumerate(self.suggestion_buttons):
            b.setVisible(i < len(suggestions))
            if i < len(suggestions):
                g = suggestions[i]
                b.setText(f"{g.label.split(' — ')[0]} ({int(g.score * 100)}%)")
                b.setToolTip(f"{g.label}: {g.why}")
                b.setEnabled(self._may_edit)

    def map_selected(self) -> None:
        row = self.selected()
        if row is None:
            self.say("Pilih dulu PIN pada tabel 'PIN belum terpetakan'.")
            return
        emp_id = self.employee.currentData()
        if emp_id is None:
            return
        self.map_pin_to(row.pin, emp_id, self.employee.currentText())

    def map_pin_to(self, pin: str, employee_id: int, label: str) -> bool:
        try:
            with write_transaction(self.ctx.db) as s:
                n = map_pin_by(s, self.ctx.user, pin, employee_id)
        except UserError as exc:
            present_refusal(self, exc, "PIN tidak dapat dipetakan.")
            return False
        self.say(f"PIN {pin} dipetakan ke {label}; {n} rekaman diperbarui.")
        self.ctx.notify(Changes(employees=True, punches=True))
        return True


class QuarantinePanel(QWidget):
    """Records kept aside (implausible time, impossible date, bad PIN): accept or dismiss, with a reason."""

    def __init__(self, ctx: AppContext, say: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.say = ctx, say
        self.model = RowTableModel([
            ("Sumber", lambda r: f"{r.source} {r.serial}"),
            ("PIN", lambda r: r.pin),
            ("Waktu terbaca", lambda r: r.ts_text),
            ("Alasan", lambda r: r.detail),
            ("Keputusan", lambda r: "dapat diterima atau ditolak" if r.reviewable else "hanya dapat ditolak"),
        ])
        self.table = make_table(self.model, alternate=True, single=False, fixed={3: 460})
        self.hint = QLabel("")
        self.hint.setObjectName("subtitle")
        self.hint.setWordWrap(True)
        self.btn_accept = QPushButton("Terima sebagai rekaman…")
        self.btn_dismiss = QPushButton("Tolak…")
        self.btn_accept.clicked.connect(lambda: self._decide(True))
        self.btn_dismiss.clicked.connect(lambda: self._decide(False))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.btn_dismiss)
        row.addWidget(self.btn_accept)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)

    def refresh(self, may_edit: bool) -> int:
        with self.ctx.db.session() as s:
            rows = list_quarantine(s)
        self.model.set_rows(rows)
        self.hint.setText(
            f"{len(rows)} rekaman tidak dihitung karena waktunya tidak masuk akal atau PIN-nya tidak valid. Periksa "
            "jam mesin; terima rekaman yang ternyata benar, tolak yang salah. Keputusan tercatat di log audit."
            if rows else "Tidak ada rekaman yang dikarantina.")
        for b in (self.btn_accept, self.btn_dismiss):
            b.setEnabled(bool(rows) and may_edit)
        return len(rows)

    def _decide(self, take: bool) -> None:
        rows = [self.model.row(i.row()) for i in self.table.selectionModel().selectedRows()]
        if not rows:
            self.say("Pilih dulu rekaman pada tabel karantina.")
            return
        verb = "diterima sebagai rekaman kehadiran" if take else "ditolak"
        note, ok = QInputDialog.getText(self, "Alasan keputusan", f"{len(rows)} rekaman akan {verb}. Alasan:")
        if not ok:
            return
        try:
            with write_transaction(self.ctx.db) as s:
                ids = [r.id for r in rows]
                if take:
                    n = accept(s, ids, self.ctx.user.username, self.ctx.db.clock.now(), note)
                    self.say(f"{len(ids)} rekaman diterima; {n} rekaman kehadiran ditambahkan.")
                else:
                    dismiss(s, ids, self.ctx.user.username, self.ctx.db.clock.now(), note)
                    self.say(f"{len(ids)} rekaman ditolak.")
        except UserError as exc:
            present_refusal(self, exc, "Rekaman karantina tidak dapat diputuskan.")
            return
        self.ctx.notify(Changes(punches=True))


class DiagnosticsPanel(QWidget):
    """What each device says about itself right now (filled by the Diagnosa operation)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RowTableModel([
            ("Mesin", lambda d: d.name),
            ("Terhubung", lambda d: "ya" if d.reachable else "TIDAK"),
            ("No. seri", lambda d: d.serial or "-"),
            ("Firmware / platform", lambda d: f"{d.firmware} / {d.platform}" if d.reachable else "-"),
            ("Rekaman di mesin", lambda d: "-" if d.records is None else d.records),
            ("Baru sejak tarik", lambda d: "-" if d.new_since_last_pull is None else d.new_since_last_pull),
            ("Jam mesin", lambda d: describe_drift(d.drift_seconds)),
            ("Berhasil terakhir", lambda d: _when(d.last_success_at)),
            ("Galat", lambda d: d.error or d.last_error or "-"),
        ], background=lambda d, c: "#fde2e1" if c == 1 and not d.reachable else None)
        self.table = make_table(self.model, alternate=True)
        self.hint = QLabel("Klik 'Diagnosa semua mesin' untuk menanyai setiap mesin sekarang.")
        self.hint.setObjectName("subtitle")
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addWidget(self.table, 1)

    def show_results(self, results: list[DeviceDiagnostics], when: str) -> None:
        self.model.set_rows(results)
        bad = sum(1 for r in results if not r.reachable)
        self.hint.setText(f"Diagnosa {when}: {len(results) - bad} dari {len(results)} mesin terhubung.")
