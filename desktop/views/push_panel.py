"""Perangkat → "Mesin push (ADMS)": run the receiver, accept or reject serials, ask a device for its info."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.row_table import RowTableModel
from desktop.push_host import host_for
from desktop.views.device_dialog import TZ_CHOICES
from desktop.widgets import button, dialog_buttons, make_table
from services.devices.punches import tz_label
from services.devices.push_admin import (
    PushDeviceRow,
    PushSettings,
    accept_serial,
    get_settings,
    lan_addresses,
    push_device_rows,
    queue_command,
    reject_serial,
    save_settings,
)
from services.devices.registry import describe_drift
from services.errors import UserError
from services.timefmt import tanggal_jam


def _when(v) -> str:  # type: ignore[no-untyped-def]
    return tanggal_jam(v) if v else "-"


class AcceptDialog(QDialog):
    """Name and zone of a serial being accepted; says plainly what accepting does."""

    def __init__(self, row: PushDeviceRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Terima mesin {row.serial}")
        self.name = QLineEdit(row.name or "")
        self.name.setPlaceholderText("mis. Mesin Lobi Utama")
        self.zone = QComboBox()
        for value, label in TZ_CHOICES:
            self.zone.addItem(label, value)
        self.zone.setCurrentIndex(max(0, self.zone.findData(row.timezone)))
        form = QFormLayout()
        form.addRow("Nomor seri:", QLabel(row.serial))
        form.addRow("Menghubungi dari:", QLabel(row.remote_addr or "-"))
        form.addRow("Nama mesin:", self.name)
        form.addRow("Zona waktu mesin:", self.zone)
        note = QLabel("Setelah diterima, rekaman yang dikirim mesin ini disimpan sebagai data kehadiran. "
                      "Rekaman yang tertahan selama menunggu akan dikirim ulang oleh mesin.")
        note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(dialog_buttons(self, "Terima mesin"))


class PushPanel(QWidget):
    pending_changed = Signal(int)  # serials waiting for a decision (the Perangkat screen shows it on the tab)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.host = host_for(ctx)
        self.bind = QComboBox()
        self.bind.setEditable(True)
        self.bind.setMinimumWidth(160)
        self.bind.setToolTip("Alamat komputer ini di jaringan kantor; isi alamat yang sama di menu Cloud Server/ADMS mesin.")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.autostart = QCheckBox("Jalankan saat aplikasi dibuka")
        self.btn_run = button("Jalankan penerima", self.toggle_server, primary=True)
        self.state_label = QLabel()
        self.state_label.setObjectName("subtitle")
        top = QHBoxLayout()
        for w in (QLabel("Alamat:"), self.bind, QLabel("Port:"), self.port, self.autostart):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.btn_run)

        columns: list[tuple[str, Callable[[Any], Any]]] = [
            ("Nomor seri", lambda r: r.serial),
            ("Status", lambda r: r.status_text),
            ("Nama", lambda r: r.name or "-"),
            ("Zona", lambda r: tz_label(r.timezone)),
            ("Dari", lambda r: r.remote_addr or "-"),
            ("Terakhir", lambda r: _when(r.last_seen_at)),
            ("Rekaman", lambda r: r.records_stored),
            ("Jam mesin", lambda r: describe_drift(r.drift_seconds)),
            ("Keterangan", lambda r: r.last_status),
        ]
        self.model = RowTableModel(columns, background=self._colour)
        self.table = make_table(self.model, alternate=True)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.btn_accept = button("Terima…", self.accept_selected, tooltip="Hanya administrator.")
        self.btn_reject = button("Tolak…", self.reject_selected, tooltip="Hanya administrator.")
        self.btn_info = button("Minta info mesin", self.ask_info,
                               tooltip="Mesin menjawab pada tanya-perintah berikutnya (firmware, jumlah pengguna/rekaman).")
        actions = QHBoxLayout()
        actions.addWidget(self.hint, 1)
        for b in (self.btn_info, self.btn_reject, self.btn_accept):
            actions.addWidget(b)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.state_label)
        lay.addWidget(self.table, 1)
        lay.addLayout(actions)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.host.changed.connect(self.refresh)
        ctx.events.changed.connect(lambda ch: self.refresh() if (ch.devices or ch.settings) else None)
        self._load_settings()
        self.refresh()

    @staticmethod
    def _colour(row: Any, _column: int) -> str | None:
        return "#fff1c2" if row.status == "pending" else None  # pending serials need a decision

    # ----------------------------------------------------------------- state
    def _load_settings(self) -> None:
        with self.ctx.db.session() as s:
            settings = get_settings(s)
        self.bind.clear()
        for addr in dict.fromkeys([settings.bind, *lan_addresses()]):
            self.bind.addItem(addr)
        self.bind.setCurrentText(settings.bind)
        self.port.setValue(settings.port)
        self.autostart.setChecked(settings.autostart)

    def settings(self) -> PushSettings:
        return PushSettings(self.bind.currentText().strip(), int(self.port.value()), self.autostart.isChecked())

    def selected(self) -> PushDeviceRow | None:
        idx = self.table.selectionModel().selectedRows()
        return self.model.row(idx[0].row()) if idx else None

    def refresh(self) -> None:
        chosen = self.selected()
        with self.ctx.db.session() as s:
            rows = push_device_rows(s)
        self.model.set_rows(rows)
        for i, r in enumerate(rows):
            if chosen is not None and r.serial == chosen.serial:
                self.table.selectRow(i)
        pending = sum(1 for r in rows if r.status == "pending")
        self.hint.setText(f"{pending} mesin menunggu persetujuan: pilih lalu klik 'Terima…' bila mesin itu milik kantor ini."
                          if pending else "Tidak ada mesin yang menunggu persetujuan.")
        self.pending_changed.emit(pending)
        server = self.host.server
        if self.host.running and server is not None:
            snap = server.stats.snapshot()
            self.state_label.setText(f"Berjalan di {server.url} — {snap['stored']} rekaman baru sejak dijalankan. "
                                     f"{snap['last_event']}")
        else:
            self.state_label.setText("Penerima tidak berjalan. Mesin push menyimpan datanya sendiri sampai penerima "
                                     "dijalankan lagi; tidak ada yang hilang.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        admin = self.ctx.user.has("admin")
        row = self.selected()
        self.btn_run.setText("Hentikan penerima" if self.host.running else "Jalankan penerima")
        for w in (self.btn_run, self.bind, self.port, self.autostart):
            w.setEnabled(admin)
        for w in (self.bind, self.port):
            w.setEnabled(admin and not self.host.running)
        self.btn_accept.setEnabled(admin and row is not None and row.status != "accepted")
        self.btn_reject.setEnabled(admin and row is not None and row.status != "rejected")
        self.btn_info.setEnabled(row is not None and row.status == "accepted" and self.ctx.user.has("operator"))

    def _refused(self, title: str, exc: UserError) -> None:
        present_refusal(self, exc, title)

    # --------------------------------------------------------------- actions
    def toggle_server(self) -> None:
        if self.host.running:
            self.host.stop()
            return
        try:
            self.ctx.notify(save_settings(self.ctx.db, self.settings(), self.ctx.user))
            self.host.start(self.settings())
        except UserError as exc:
            self._refused("Penerima push tidak dapat dijalankan", exc)
        self.refresh()

    def accept_selected(self, name: str | None = None, timezone: str | None = None) -> None:
        row = self.selected()
        if row is None:
            return
        if name is None:
            dlg = AcceptDialog(row, self)
            if not dlg.exec():
                return
            name, timezone = dlg.name.text(), str(dlg.zone.currentData())
        try:
            changes = accept_serial(self.ctx.db, row.serial, self.ctx.user, name=name, timezone=timezone)
        except UserError as exc:
            self._refused("Mesin tidak dapat diterima", exc)
            return
        self.ctx.status(f"Mesin {row.serial} diterima.")
        self.ctx.notify(changes)

    def reject_selected(self, reason: str | None = None) -> None:
        row = self.selected()
        if row is None:
            return
        if reason is None:
            text, ok = QInputDialog.getText(self, f"Tolak mesin {row.serial}",
                                            "Kiriman mesin ini tidak akan disimpan (tetap tersimpan di mesin).\n"
                                            "Alasan (boleh kosong):")
            if not ok:
                return
            reason = text
        try:
            changes = reject_serial(self.ctx.db, row.serial, self.ctx.user, reason)
        except UserError as exc:
            self._refused("Mesin tidak dapat ditolak", exc)
            return
        self.ctx.notify(changes)

    def ask_info(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            q = queue_command(self.ctx.db, row.serial, "INFO", self.ctx.user)
        except UserError as exc:
            self._refused("Perintah tidak dapat diantrekan", exc)
            return
        self.ctx.status(f"Perintah INFO #{q.command_id} menunggu diambil mesin {row.serial}.")
        self.ctx.notify(q.changes)
