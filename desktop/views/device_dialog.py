"""Dialogs of the Perangkat screen: device form and connection-test report."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import dialog_buttons
from services.devices.registry import ConnectionReport, DeviceInput, DeviceRow
from services.secrets import keyring_status
from services.timefmt import tanggal_jam_detik

TZ_CHOICES = [("Asia/Jakarta", "WIB (UTC+7)"), ("Asia/Makassar", "WITA (UTC+8)"), ("Asia/Jayapura", "WIT (UTC+9)")]


class DeviceDialog(QDialog):
    """Add/edit one device. The comm key goes to the system keyring, never into the database."""

    def __init__(self, locations: list[tuple[int, str]], row: DeviceRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setWindowTitle("Ubah perangkat" if row else "Tambah perangkat")
        self.setMinimumWidth(460)
        form = QFormLayout()
        self.name = QLineEdit(row.name if row else "")
        self.name.setPlaceholderText("mis. Mesin Lobi Utama")
        self.ip = QLineEdit(row.ip if row else "")
        self.ip.setPlaceholderText("mis. 192.168.1.201")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(row.port if row else 4370)
        self.protocol = QComboBox()
        self.protocol.addItem("TCP (disarankan)", "tcp")
        self.protocol.addItem("UDP (mesin lama)", "udp")
        self.protocol.setCurrentIndex(1 if row and row.protocol == "udp" else 0)
        self.tz = QComboBox()
        for key, label in TZ_CHOICES:
            self.tz.addItem(label, key)
        self.tz.setCurrentIndex(max(0, [k for k, _ in TZ_CHOICES].index(row.timezone) if row and row.timezone in
                                    [k for k, _ in TZ_CHOICES] else 0))
        self.location = QComboBox()
        self.location.addItem("— tidak ditentukan —", None)
        for loc_id, name in locations:
            self.location.addItem(name, loc_id)
            if row and row.location_id == loc_id:
                self.location.setCurrentIndex(self.location.count() - 1)
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("kosongkan bila tidak diubah" if row and row.has_comm_key else "kosongkan bila mesin tanpa comm key")
        self.remove_key = QCheckBox("Hapus comm key (mesin tidak memakai kunci)")
        self.remove_key.setVisible(bool(row and row.has_comm_key))
        form.addRow("Nama", self.name)
        form.addRow("Alamat IP", self.ip)
        form.addRow("Port", self.port)
        form.addRow("Protokol", self.protocol)
        form.addRow("Zona waktu mesin", self.tz)
        form.addRow("Lokasi kantor", self.location)
        form.addRow("Comm key", self.key)
        form.addRow("", self.remove_key)
        ok, msg = keyring_status()
        note = QLabel(msg)
        note.setWordWrap(True)
        note.setObjectName("subtitle" if ok else "error")
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        buttons = dialog_buttons(self, "Simpan", ok_button=QDialogButtonBox.StandardButton.Save)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def value(self) -> DeviceInput:
        key: str | None = self.key.text().strip() or None
        if self.remove_key.isChecked():
            key = ""
        return DeviceInput(
            name=self.name.text(), ip=self.ip.text(), port=self.port.value(), protocol=self.protocol.currentData(),
            timezone=self.tz.currentData(), location_id=self.location.currentData(), comm_key=key,
        )

    def show_error(self, message: str) -> None:
        self.error.setText(message)


def report_html(r: ConnectionReport) -> str:
    drift_colour = "#b3261e" if r.drift_exceeded else "#1e7b34"
    advice = (f"<p style='color:{drift_colour}'><b>Selisih jam melebihi batas {r.threshold_s:g} detik.</b> "
              "Jam mesin dapat dikoreksi ke jam komputer ini bila Anda setuju.</p>" if r.drift_exceeded else
              f"<p style='color:{drift_colour}'>Jam mesin dalam batas wajar.</p>")
    return (
        "<table cellpadding='3'>"
        f"<tr><td>Nomor seri</td><td><b>{r.serial or '-'}</b></td></tr>"
        f"<tr><td>Firmware</td><td>{r.firmware}</td></tr>"
        f"<tr><td>Platform</td><td>{r.platform}</td></tr>"
        f"<tr><td>Nama mesin</td><td>{r.device_name}</td></tr>"
        f"<tr><td>Pengguna / rekaman</td><td>{r.users} / {r.records}</td></tr>"
        f"<tr><td>Jam mesin</td><td>{tanggal_jam_detik(r.device_time)}</td></tr>"
        f"<tr><td>Jam komputer</td><td>{tanggal_jam_detik(r.local_time)}</td></tr>"
        f"<tr><td>Selisih</td><td style='color:{drift_colour}'><b>{r.drift_text()}</b></td></tr>"
        "</table>" + advice
    )
