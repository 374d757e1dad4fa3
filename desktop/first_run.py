"""First-run dialog: set up the OPD and its first administrator on an empty database."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import dialog_buttons, page_header
from services.auth.users import AuthError
from services.org.settings import TIMEZONES, OpdProfile
from services.org.setup import SetupError, initial_setup
from services.policy.model import PolicyError, list_presets, load_policy
from services.store.db import Database


class FirstRunDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.opd_id: int | None = None
        self.setWindowTitle("Penyiapan awal — Presensi OPD")
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        page_header("Selamat datang", "Database ini masih kosong. Isi profil OPD dan akun administrator pertama; "
                    "data pegawai dapat diimpor dari SIMPEG setelah masuk.", lay)
        form = QFormLayout()
        self.code = QLineEdit(placeholderText="mis. DISKOMINFO")
        self.name = QLineEdit(placeholderText="mis. Dinas Komunikasi dan Informatika")
        self.region = QLineEdit(placeholderText="mis. PEMERINTAH KABUPATEN ...")
        self.address = QLineEdit()
        self.city = QLineEdit()
        self.tz = QComboBox()
        for tz, label in TIMEZONES.items():
            self.tz.addItem(label, tz)
        self.policy = QComboBox()
        for p in list_presets():
            try:
                self.policy.addItem(load_policy(p).name, p)
            except PolicyError:
                continue
        self.lat = QDoubleSpinBox(decimals=6, minimum=-90, maximum=90)
        self.lon = QDoubleSpinBox(decimals=6, minimum=-180, maximum=180)
        self.admin_user = QLineEdit("admin")
        self.admin_name = QLineEdit(placeholderText="nama lengkap")
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="minimal 6 karakter")
        self.password2 = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="ulangi kata sandi")
        for label, w in (("Kode OPD", self.code), ("Nama OPD", self.name), ("Pemerintah daerah", self.region),
                         ("Alamat", self.address), ("Kota", self.city), ("Zona waktu", self.tz),
                         ("Kebijakan TPP/presensi", self.policy), ("Lintang kantor", self.lat),
                         ("Bujur kantor", self.lon), ("Pengguna admin", self.admin_user),
                         ("Nama admin", self.admin_name), ("Kata sandi", self.password), ("Ulangi sandi", self.password2)):
            form.addRow(label, w)
        lay.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        self.buttons = dialog_buttons(self, "Siapkan OPD", on_ok=self.submit)
        lay.addWidget(self.buttons)

    def submit(self) -> None:
        if self.password.text() != self.password2.text():
            self.error.setText("Kedua kata sandi tidak sama.")
            return
        profile = OpdProfile(self.code.text(), self.name.text(), self.region.text(), self.address.text(),
                             self.city.text(), self.tz.currentData(), self.policy.currentData())
        office = ("Kantor Utama", self.lat.value(), self.lon.value(), 0.0) if (self.lat.value() or self.lon.value()) else None
        try:
            with self.db.transaction() as s:
                self.opd_id = initial_setup(s, profile, self.admin_user.text(), self.admin_name.text(),
                                            self.password.text(), office)
        except (SetupError, AuthError, PolicyError) as exc:
            self.error.setText(str(exc))
            return
        self.accept()
