"""First-run dialog: set up the OPD and its first administrator on an empty database.

"Penyimpanan data" chooses where the OPD's data lives: this PC's SQLite file (one Umpeg PC) or a
shared PostgreSQL database (several PCs, "beberapa PC (PostgreSQL)"): the user's own database
login, its password kept in the OS keyring, TLS when sslmode/sslrootcert are set. A PostgreSQL
database another PC has already set up is simply joined.

The office coordinates are checked as they are typed (services.org.setup.validate_office: not 0,0,
inside Indonesia, a sensible radius) and shown on a small offline map with the geofence radius.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.mapview import MapView
from desktop.widgets import dialog_buttons, page_header
from services.auth.users import AuthError
from services.errors import UserError
from services.mobile.mapdata import MapData, MapOffice
from services.org.settings import TIMEZONES, OpdProfile
from services.org.setup import SetupError, initial_setup, validate_office
from services.policy.model import PolicyError, list_presets, load_policy
from services.store.db import Database
from services.store.profile import SSL_MODES, StoreProfile, connect_shared

STORE_CHOICES = (("sqlite", "Satu PC (SQLite, data di PC ini)"), ("postgresql", "Beberapa PC (PostgreSQL)"))


class FirstRunDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.opd_id: int | None = None
        self.setWindowTitle("Penyiapan awal — Presensi OPD")
        self.setMinimumWidth(760)
        lay = QVBoxLayout(self)
        page_header("Selamat datang", "Database ini masih kosong. Isi profil OPD dan akun administrator pertama; "
                    "data pegawai dapat diimpor dari SIMPEG setelah masuk.", lay)
        lay.addWidget(self._store_box())
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
        self.radius = QDoubleSpinBox(decimals=0, minimum=0, maximum=5000, suffix=" m")
        self.radius.setToolTip("Jarak terjauh dari titik kantor untuk presensi mobile (0 = bawaan kebijakan daerah)")
        self.admin_user = QLineEdit("admin")
        self.admin_name = QLineEdit(placeholderText="nama lengkap")
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="minimal 6 karakter")
        self.password2 = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="ulangi kata sandi")
        for label, w in (("Kode OPD", self.code), ("Nama OPD", self.name), ("Pemerintah daerah", self.region),
                         ("Alamat", self.address), ("Kota", self.city), ("Zona waktu", self.tz),
                         ("Kebijakan TPP/presensi", self.policy), ("Lintang kantor", self.lat),
                         ("Bujur kantor", self.lon), ("Radius kantor", self.radius), ("Pengguna admin", self.admin_user),
                         ("Nama admin", self.admin_name), ("Kata sandi", self.password), ("Ulangi sandi", self.password2)):
            form.addRow(label, w)
        self.map = MapView()
        self.map.setMinimumSize(280, 240)
        self.office_check = QLabel("")
        self.office_check.setWordWrap(True)
        self.office_check.setMaximumWidth(320)
        map_col = QVBoxLayout()
        map_col.addWidget(QLabel("<b>Lokasi kantor</b> (peta luring, tanpa internet)"))
        map_col.addWidget(self.map, 1)
        map_col.addWidget(self.office_check)
        row = QHBoxLayout()
        row.addLayout(form, 3)
        row.addLayout(map_col, 2)
        lay.addLayout(row)
        for w in (self.lat, self.lon, self.radius):
            w.valueChanged.connect(lambda _v: self.update_office())
        self.policy.currentIndexChanged.connect(lambda _i: self._policy_radius())
        self._policy_radius()
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        self.buttons = dialog_buttons(self, "Siapkan OPD", on_ok=self.submit)
        lay.addWidget(self.buttons)

    def _store_box(self) -> QWidget:
        box = QGroupBox("Penyimpanan data")
        form = QFormLayout(box)
        self.store = QComboBox()
        for key, label in STORE_CHOICES:
            self.store.addItem(label, key)
        self.pg_url = QLineEdit(placeholderText="postgresql://umpeg1@192.168.1.10:5432/presensi_opd")
        self.pg_password = QLineEdit(echoMode=QLineEdit.EchoMode.Password,
                                     placeholderText="sandi login database Anda (disimpan di keyring)")
        self.pg_sslmode = QComboBox()
        self.pg_sslmode.addItem("(bawaan server)", "")
        for mode in SSL_MODES:
            self.pg_sslmode.addItem(mode, mode)
        self.pg_sslrootcert = QLineEdit(placeholderText="berkas CA server (untuk verify-ca / verify-full)")
        self.pg_files = QLineEdit(placeholderText="folder bersama untuk foto & PDF, mis. \\\\server\\presensi")
        self.pg_connect = QPushButton("Sambungkan")
        self.pg_connect.clicked.connect(self.connect_postgres)
        self.pg_status = QLabel("")
        self.pg_status.setWordWrap(True)
        form.addRow("Jenis", self.store)
        self._pg_rows = [("Alamat database", self.pg_url), ("Kata sandi", self.pg_password),
                         ("TLS (sslmode)", self.pg_sslmode), ("Sertifikat CA", self.pg_sslrootcert),
                         ("Folder berkas", self.pg_files), ("", self.pg_connect), ("", self.pg_status)]
        for label, w in self._pg_rows:
            form.addRow(label, w)
        self._form_of_store = form
        self.store.currentIndexChanged.connect(lambda _i: self._show_store())
        self._show_store()
        return box

    def _show_store(self) -> None:
        shared = self.store.currentData() == "postgresql"
        for _label, w in self._pg_rows:
            self._form_of_store.setRowVisible(w, shared)

    def connect_postgres(self) -> None:
        """Connect this PC to the shared database; an OPD set up there already is joined at once."""
        profile = StoreProfile(self.pg_url.text().strip(), self.pg_sslmode.currentData(),
                               self.pg_sslrootcert.text().strip(), self.pg_files.text().strip())
        try:
            db, ready = connect_shared(profile, self.pg_password.text(), clock=self.db.clock)
        except UserError as exc:
            self.pg_status.setText(str(exc))
            self.pg_status.setStyleSheet("color: #b3261e;")
            return
        self.db = db
        self.pg_status.setStyleSheet("color: #1e7b34;")
        if ready:
            self.pg_status.setText(f"Tersambung ke {db.location}; OPD di sana sudah disiapkan PC lain.")
            self.accept()
            return
        self.pg_status.setText(f"Tersambung ke {db.location} (database kosong, sudah dimigrasi). "
                               "Isi profil OPD dan admin pertama di bawah.")

    def _policy_radius(self) -> None:
        """The chosen region's radius, and its time zone when the preset states one (Kaltara: WITA)."""
        try:
            policy = load_policy(self.policy.currentData())
        except (PolicyError, TypeError):
            policy = None
        if policy is not None:
            self.radius.setValue(policy.mobile.geofence_radius_m)
            if policy.schedule.timezone and self.tz.findData(policy.schedule.timezone) >= 0:
                self.tz.setCurrentIndex(self.tz.findData(policy.schedule.timezone))
        self.update_office()

    def office_problem(self) -> str:
        """Why the entered office position cannot be right ("" when it can)."""
        try:
            policy = load_policy(self.policy.currentData())
        except (PolicyError, TypeError):
            policy = None
        try:
            validate_office(self.lat.value(), self.lon.value(), self.radius.value(), policy)
        except SetupError as exc:
            return str(exc)
        return ""

    def update_office(self) -> None:
        problem = self.office_problem()
        self.office_check.setObjectName("error" if problem else "ok")
        self.office_check.setStyleSheet(f"color: {'#b3261e' if problem else '#1e7b34'};")
        self.office_check.setText(problem or f"Titik kantor dan radius {self.radius.value():g} m seperti pada peta.")
        offices = () if problem else (MapOffice("Kantor Utama", self.lat.value(), self.lon.value(),
                                                self.radius.value() or 100.0),)
        self.map.set_data(MapData(offices, ()))

    def submit(self) -> None:
        if self.store.currentData() == "postgresql" and not self.db.is_postgres:
            self.error.setText("Sambungkan dulu ke database PostgreSQL (tombol Sambungkan), atau pilih Satu PC.")
            return
        if self.password.text() != self.password2.text():
            self.error.setText("Kedua kata sandi tidak sama.")
            return
        profile = OpdProfile(self.code.text(), self.name.text(), self.region.text(), self.address.text(),
                             self.city.text(), self.tz.currentData(), self.policy.currentData())
        office = ("Kantor Utama", self.lat.value(), self.lon.value(), self.radius.value())
        try:
            with self.db.transaction() as s:
                self.opd_id = initial_setup(s, profile, self.admin_user.text(), self.admin_name.text(),
                                            self.password.text(), office)
        except (SetupError, AuthError, PolicyError) as exc:
            self.error.setText(str(exc))
            return
        self.accept()
