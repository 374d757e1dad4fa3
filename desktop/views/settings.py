"""Pengaturan: OPD profile + regional policy, users and roles, secret store status, audit check, backup."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.views.policy_sources import PolicySourcesDialog, unverified_summary
from desktop.widgets import button, page_header
from services.auth import audit
from services.changes import Changes
from services.errors import UserError
from services.org.settings import TIMEZONES, OpdProfile, get_profile, save_profile
from services.policy.model import PolicyError, list_presets, load_policy
from services.secrets import keyring_status


class SettingsView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        is_admin = ctx.user.has("admin")
        title, subtitle = page_header("Pengaturan", "Profil OPD, kebijakan daerah, pengguna, server pusat dan "
                                      "cadangan data. Hanya Administrator yang dapat mengubah.")

        self.f_name, self.f_region, self.f_address, self.f_city = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.f_tz = QComboBox()
        for tz, label in TIMEZONES.items():
            self.f_tz.addItem(label, tz)
        self.f_policy = QComboBox()
        for p in list_presets():
            try:
                self.f_policy.addItem(load_policy(p).name, p)
            except PolicyError:
                continue
        self.policy_note = QLabel("")
        self.policy_note.setObjectName("subtitle")
        self.policy_note.setWordWrap(True)
        self.f_policy.currentIndexChanged.connect(self._show_policy)
        save = button("Simpan profil", self.save_profile, primary=True, enabled=is_admin)
        profile_box = QGroupBox("Profil OPD dan kebijakan daerah")
        form = QFormLayout(profile_box)
        form.addRow("Nama OPD", self.f_name)
        form.addRow("Pemerintah daerah", self.f_region)
        form.addRow("Alamat", self.f_address)
        form.addRow("Kota", self.f_city)
        form.addRow("Zona waktu", self.f_tz)
        form.addRow("Kebijakan TPP/presensi", self.f_policy)
        form.addRow("", self.policy_note)
        self.sources_button = button("Sumber nilai kebijakan…", self.show_sources,
                                     tooltip="Naskah asal tiap nilai; yang belum bersumber ditandai")
        profile_buttons = QHBoxLayout()  # one row: the left column must stay within a 768 px laptop
        profile_buttons.addWidget(save)
        profile_buttons.addWidget(self.sources_button)
        profile_buttons.addStretch(1)
        form.addRow("", profile_buttons)

        from desktop.views.accounts import AccountsPanel

        self.accounts = AccountsPanel(ctx)
        users_box = QGroupBox("Pengguna dan peran")
        ul = QVBoxLayout(users_box)
        ul.addWidget(self.accounts)

        ok, message = keyring_status()
        self.keyring_label = QLabel(message)
        self.keyring_label.setObjectName("ok" if ok else "error")
        self.keyring_label.setWordWrap(True)
        self.audit_label = QLabel("")
        check_audit = button("Periksa keutuhan log audit", self.check_audit,
                             tooltip="Memastikan tidak ada catatan audit yang diubah atau dihapus")
        view_audit = button("Lihat log audit…", self.show_audit, tooltip="Siapa mengubah apa dan kapan")
        view_audit.setEnabled(ctx.user.has("admin") or ctx.user.has("signer"))
        backup = button("Buat cadangan data", self.backup, tooltip="Salinan database disimpan di folder cadangan")
        sec_box = QGroupBox("Keamanan dan cadangan")
        sl = QVBoxLayout(sec_box)
        sl.addWidget(self.keyring_label)
        row = QHBoxLayout()
        row.addWidget(check_audit)
        row.addWidget(view_audit)
        row.addWidget(backup)
        row.addStretch()
        sl.addLayout(row)
        sl.addWidget(self.audit_label)

        self.central_url = QLineEdit(placeholderText="postgresql://opd_kode@server-bkpsdm:5432/presensi_pusat")
        self.central_password = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="disimpan di keyring")
        self.central_ca = QLineEdit(placeholderText="berkas PEM (produksi: TLS verify-full)")
        save_central = button("Simpan server pusat", self.save_central, enabled=is_admin)
        central_box = QGroupBox("Server pusat BKPSDM (pengiriman laporan)")
        cf = QFormLayout(central_box)
        cf.addRow("Alamat", self.central_url)
        secret_row = QHBoxLayout()  # one row: the settings page must still fit a 1366x768 laptop
        secret_row.addWidget(self.central_password, 1)
        secret_row.addWidget(QLabel("CA server"))
        secret_row.addWidget(self.central_ca, 2)
        cf.addRow("Kata sandi", secret_row)
        from desktop.views.signing_settings import open_signing_settings

        cf.addRow("", save_central)
        cf.addRow("", button("Tanda tangan elektronik (BSrE, TSA, akar tepercaya)…",
                             lambda: open_signing_settings(ctx, self)))

        cols = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(profile_box)
        left.addWidget(central_box)
        left.addWidget(sec_box)
        left.addStretch()
        cols.addLayout(left, 1)
        cols.addWidget(users_box, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addLayout(cols, 1)

    def _show_policy(self) -> None:
        name = self.f_policy.currentData()
        if not name:
            return
        try:
            p = load_policy(name)
        except PolicyError as exc:
            self.policy_note.setText(f"Kebijakan tidak valid: {exc}")
            return
        a = p.attendance
        tiers = ", ".join(f"{t.code} {t.pct:g}%" for t in a.tl_tiers)
        self.policy_note.setText(
            f"{tiers}; TK {a.absent_pct:g}%/hari; apel {a.apel_miss_pct:g}%; batas {a.cap_pct:g}%; "
            f"dari {p.tpp.base_label()}; geofence {p.mobile.geofence_radius_m:g} m; "
            f"1 hari = {p.discipline.hours_per_day:g} jam\n{unverified_summary(p)}"
        )
        self.policy_note.setStyleSheet("" if not p.unverified() else "color: #8a4b00;")

    def show_sources(self) -> PolicySourcesDialog | None:
        name = self.f_policy.currentData()
        if not name:
            return None
        try:
            policy = load_policy(name)
        except PolicyError as exc:
            present_refusal(self, exc, "Kebijakan tidak dapat dibaca.")
            return None
        dialog = PolicySourcesDialog(policy, self)
        dialog.open()
        self.sources_dialog = dialog
        return dialog

    def refresh(self) -> None:
        with self.ctx.db.session() as s:
            p = get_profile(s, self.ctx.opd_id)
        self.f_name.setText(p.name)
        self.f_region.setText(p.region_name)
        self.f_address.setText(p.address)
        self.f_city.setText(p.city)
        self.f_tz.setCurrentIndex(max(0, self.f_tz.findData(p.timezone)))
        self.f_policy.setCurrentIndex(max(0, self.f_policy.findData(p.policy_preset)))
        self._code = p.code
        self.accounts.refresh()
        from services.central.outbox import central_url

        self.central_url.setText(central_url(self.ctx.db) or "")
        self._show_policy()

    def save_central(self) -> None:
        from services.central.outbox import configure_central

        try:
            message = configure_central(self.ctx.db, self.central_url.text().strip(), self.ctx.user,
                                        self.central_password.text() or None,
                                        ca_file=self.central_ca.text().strip() or None)
        except UserError as exc:
            present_refusal(self, exc, "Server pusat tidak disimpan.")
            return
        self.central_password.clear()
        self.central_ca.clear()
        from services.central.outbox import central_url

        self.central_url.setText(central_url(self.ctx.db) or "")  # now with sslmode / sslrootcert when a CA was given
        self.ctx.status(message)

    def save_profile(self) -> None:
        profile = OpdProfile(
            self._code, self.f_name.text().strip(), self.f_region.text().strip(), self.f_address.text().strip(),
            self.f_city.text().strip(), self.f_tz.currentData(), self.f_policy.currentData(),
        )
        try:
            with self.ctx.db.transaction() as s:
                save_profile(s, self.ctx.opd_id, profile, self.ctx.user)
        except UserError as exc:
            present_refusal(self, exc, "Profil OPD tidak disimpan.")
            return
        self.ctx.notify(Changes(settings=True))
        self.ctx.status("Profil OPD disimpan.")

    def check_audit(self) -> None:
        with self.ctx.db.session() as s:  # the key, the links, and the heads printed in reports / sent to BKPSDM
            report = audit.check_chain(s, audit.local_anchors(s))
        if report.ok:
            self.audit_label.setText(report.text())
            self.audit_label.setObjectName("ok")
        else:
            self.audit_label.setText(f"PERINGATAN: rantai log audit rusak mulai catatan #{report.first_bad}: "
                                     f"{report.problem}.")
            self.audit_label.setObjectName("error")
        self.audit_label.setStyleSheet("")  # re-polish for the new object name

    def show_audit(self) -> None:
        from desktop.audit_dialog import AuditLogDialog

        AuditLogDialog(self.ctx.db, self).exec()

    def backup(self) -> None:
        try:
            path = self.ctx.db.backup("manual")
        except UserError as exc:  # e.g. pg_dump not installed on this PC
            present_refusal(self, exc, "Cadangan tidak dibuat")
            return
        self.ctx.events.changed.emit(Changes(settings=True))
        QMessageBox.information(self, "Cadangan dibuat", f"Cadangan database disimpan di:\n{path}")
