"""Pengaturan → Tanda tangan elektronik: server esign BSrE, login klien, versi API, TSA, akar tepercaya, tingkat PAdES.

Only an administrator may save (the service checks the role); the esign client password goes to keyring.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.widgets import button
from services.changes import Changes
from services.errors import UserError
from services.signing.settings import TARGET_LEVELS, SigningSettings, esign_password, load_settings, save_settings

LEVEL_LABELS = {
    "B-B": "B-B — tanpa stempel waktu",
    "B-T": "B-T — dengan stempel waktu (RFC 3161)",
    "B-LT": "B-LT — stempel waktu + data validasi (CRL/OCSP) di dokumen",
    "B-LTA": "B-LTA — B-LT + stempel waktu arsip",
}


class SigningSettingsBox(QGroupBox):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Tanda tangan elektronik (BSrE / PAdES)", parent)
        self.ctx = ctx
        admin = ctx.user.has("admin")
        self.url = QLineEdit(placeholderText="http://esign.pemda.go.id (Esign Client Service daerah)")
        self.user = QLineEdit(placeholderText="pengguna klien esign instansi")
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="disimpan di keyring")
        self.api = QComboBox()
        self.api.addItem("API v2 (JSON, NIK/email, passphrase/TOTP)", "v2")
        self.api.addItem("API v1 (multipart, NIK + passphrase)", "v1")
        self.timeout = QSpinBox(minimum=5, maximum=900, suffix=" detik")
        self.tsa = QLineEdit(placeholderText="alamat TSA RFC 3161 (untuk sertifikat .p12 dan B-LTA)")
        self.trust = QLineEdit(placeholderText="berkas PEM akar BSrE / CA daerah; pisahkan dengan ;")
        browse = button("Pilih…", self._browse)
        trust_row = QHBoxLayout()
        trust_row.addWidget(self.trust, 1)
        trust_row.addWidget(browse)
        self.level = QComboBox()
        for lv in TARGET_LEVELS:
            self.level.addItem(LEVEL_LABELS[lv], lv)
        self.note = QLabel("")
        self.note.setObjectName("subtitle")
        self.note.setWordWrap(True)
        save = button("Simpan pengaturan tanda tangan", self.save, enabled=admin)
        form = QFormLayout(self)
        form.addRow("Server esign", self.url)
        form.addRow("Pengguna klien", self.user)
        form.addRow("Kata sandi klien", self.password)
        form.addRow("Versi API", self.api)
        form.addRow("Batas waktu", self.timeout)
        form.addRow("TSA", self.tsa)
        form.addRow("Akar tepercaya", trust_row)
        form.addRow("Target tingkat", self.level)
        form.addRow("", self.note)
        form.addRow("", save)
        for w in (self.url, self.user, self.password, self.api, self.timeout, self.tsa, self.trust, self.level,
                  browse):
            w.setEnabled(admin)

    def _browse(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, "Pilih sertifikat akar tepercaya", "", "Sertifikat (*.pem *.crt *.cer)")
        if path:
            current = [p for p in self.trust.text().split(";") if p.strip()]
            self.trust.setText(";".join([*current, path]))

    def refresh(self) -> None:
        cfg = load_settings(self.ctx.db)
        self.url.setText(cfg.esign_url)
        self.user.setText(cfg.esign_user)
        self.api.setCurrentIndex(max(0, self.api.findData(cfg.esign_api)))
        self.timeout.setValue(int(cfg.esign_timeout))
        self.tsa.setText(cfg.tsa_url)
        self.trust.setText(";".join(cfg.trust_roots))
        self.level.setCurrentIndex(max(0, self.level.findData(cfg.target_level)))
        stored = bool(cfg.esign_url and esign_password(cfg.esign_url))
        self.note.setText("Kata sandi klien esign tersimpan di keyring." if stored else
                          "Kata sandi klien esign belum tersimpan." if cfg.esign_url else "")

    def values(self) -> SigningSettings:
        return SigningSettings(
            esign_url=self.url.text().strip(), esign_user=self.user.text().strip(), esign_api=self.api.currentData(),
            esign_timeout=float(self.timeout.value()), tsa_url=self.tsa.text().strip(),
            trust_roots=tuple(p.strip() for p in self.trust.text().split(";") if p.strip()),
            target_level=self.level.currentData(),
        )

    def save(self) -> None:
        try:
            save_settings(self.ctx.db, self.ctx.user, self.values(), self.password.text() or None)
        except UserError as exc:
            QMessageBox.warning(self, exc.title, str(exc))
            return
        self.password.clear()
        self.refresh()
        self.ctx.status("Pengaturan tanda tangan elektronik disimpan.")
        self.ctx.notify(Changes(settings=True))


def open_signing_settings(ctx: AppContext, parent: QWidget) -> SigningSettingsDialog:
    dialog = SigningSettingsDialog(ctx, parent)
    dialog.show()
    return dialog


class SigningSettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pengaturan tanda tangan elektronik")
        self.box = SigningSettingsBox(ctx, self)
        self.box.refresh()
        close = button("Tutup", self.accept)
        lay = QVBoxLayout(self)
        lay.addWidget(self.box)
        lay.addWidget(close)
        self.resize(640, 420)
