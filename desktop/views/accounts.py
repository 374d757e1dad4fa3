"""Accounts: the administrator's user list (add, roles, reset password, (de)activate) and one's own password.

Who may do what is decided in services/auth/accounts.py; these widgets only collect the input.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.row_table import RowTableModel
from desktop.views.reconcile_dialogs import save_buttons
from desktop.widgets import button, make_table
from services.auth.accounts import (
    MIN_PASSWORD,
    AccountRow,
    add_account,
    change_own_password,
    list_accounts,
    reset_password,
    set_account_active,
    set_account_roles,
)
from services.auth.users import ROLES, unlock_user
from services.errors import UserError
from services.org.employees import supervisor_choices
from services.timefmt import tanggal_jam


def _password() -> QLineEdit:
    return QLineEdit(echoMode=QLineEdit.EchoMode.Password)


class OwnPasswordDialog(QDialog):
    """Berkas → Ubah kata sandi saya: current password, new one twice."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Ubah kata sandi saya")
        self.current, self.new, self.again = _password(), _password(), _password()
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(QLabel(f"Akun: {ctx.user.username} ({ctx.user.full_name})"))
        form.addRow("Kata sandi saat ini", self.current)
        form.addRow(f"Kata sandi baru (min. {MIN_PASSWORD})", self.new)
        form.addRow("Ulangi kata sandi baru", self.again)
        form.addRow(self.error)
        buttons = save_buttons("Ubah kata sandi")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> bool:
        if self.new.text() != self.again.text():
            self.error.setText("Kedua isian kata sandi baru tidak sama.")
            return False
        failure: UserError | None = None
        with self.ctx.db.transaction() as s:  # committed either way: a wrong current password is audited
            try:
                change_own_password(s, self.ctx.user, self.current.text(), self.new.text())
            except UserError as exc:
                failure = exc
        if failure is not None:
            self.error.setText(str(failure))
            return False
        self.ctx.status("Kata sandi Anda diubah.")
        self.accept()
        return True


class AccountDialog(QDialog):
    """New account (``existing`` None: username, name, password) or change an account's roles / employee link."""

    def __init__(self, ctx: AppContext, existing: AccountRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.existing = ctx, existing
        self.setWindowTitle(f"Peran {existing.username}" if existing else "Pengguna baru")
        self.username = QLineEdit()
        self.full_name = QLineEdit()
        self.password = _password()
        self.roles = {r: QCheckBox(label) for r, label in ROLES.items()}
        self.employee = QComboBox()
        self.employee.addItem("(tidak ditautkan ke pegawai)", None)
        with ctx.db.session() as s:
            for eid, label in supervisor_choices(s, ctx.opd_id, None, ctx.clock.today()):
                self.employee.addItem(label, eid)
        self.employee.setToolTip("Atasan / Verifikator: pegawai siapa dia? Antrean swafotonya berisi pegawai yang "
                                 "atasan langsungnya dia.")
        form = QFormLayout(self)
        if existing is None:
            form.addRow("Nama pengguna", self.username)
            form.addRow("Nama lengkap", self.full_name)
            form.addRow(f"Kata sandi (min. {MIN_PASSWORD})", self.password)
        else:
            form.addRow(QLabel(f"{existing.username} — {existing.full_name}"))
            for r in existing.roles:
                if r in self.roles:
                    self.roles[r].setChecked(True)
            self.employee.setCurrentIndex(max(0, self.employee.findData(existing.employee_id)))
        for box in self.roles.values():
            form.addRow("", box)
        form.addRow("Data pegawai", self.employee)
        buttons = save_buttons("Buat pengguna" if existing is None else "Simpan peran")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen_roles(self) -> list[str]:
        return [r for r, box in self.roles.items() if box.isChecked()]

    def save(self) -> bool:
        try:
            with self.ctx.db.transaction() as s:
                if self.existing is None:
                    add_account(s, self.ctx.user, self.username.text(), self.full_name.text(), self.password.text(),
                                self.chosen_roles(), self.employee.currentData())
                else:
                    set_account_roles(s, self.ctx.user, self.existing.id, self.chosen_roles(),
                                      self.employee.currentData())
        except UserError as exc:
            present_refusal(self, exc, "Pengguna tidak disimpan.")
            return False
        self.accept()
        return True


class ResetPasswordDialog(QDialog):
    def __init__(self, ctx: AppContext, account: AccountRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.account = ctx, account
        self.setWindowTitle(f"Setel ulang kata sandi {account.username}")
        self.new, self.again = _password(), _password()
        form = QFormLayout(self)
        info = QLabel(f"Kata sandi baru untuk {account.full_name}. Sampaikan langsung kepada yang bersangkutan dan "
                      "minta ia menggantinya sendiri (Berkas → Ubah kata sandi saya).")
        info.setWordWrap(True)
        form.addRow(info)
        form.addRow(f"Kata sandi baru (min. {MIN_PASSWORD})", self.new)
        form.addRow("Ulangi", self.again)
        buttons = save_buttons("Setel ulang")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> bool:
        if self.new.text() != self.again.text():
            QMessageBox.warning(self, "Kata sandi tidak sama", "Kedua isian kata sandi baru tidak sama.")
            return False
        try:
            with self.ctx.db.transaction() as s:
                reset_password(s, self.ctx.user, self.account.id, self.new.text())
        except UserError as exc:
            present_refusal(self, exc, "Kata sandi tidak diubah.")
            return False
        self.ctx.status(f"Kata sandi {self.account.username} disetel ulang.")
        self.accept()
        return True


class AccountsPanel(QWidget):
    """Pengaturan → Pengguna dan peran (administrator only: the Pengaturan screen is the admin's)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = RowTableModel([
            ("Pengguna", lambda r: r.username),
            ("Nama", lambda r: r.full_name),
            ("Peran", lambda r: r.role_labels),
            ("Status", lambda r: "Aktif" if r.active else "Nonaktif"),
            ("Terkunci", lambda r: f"sampai {tanggal_jam(r.locked_until)}" if r.locked_until else "-"),
        ], background=lambda r, c: None if r.active else "#eeeeee")
        self.table = make_table(self.model, stretch=2)
        is_admin = ctx.user.has("admin")
        self.add_button = button("Tambah…", self.add, enabled=is_admin)
        self.roles_button = button("Peran…", self.edit_roles, enabled=is_admin)
        self.reset_button = button("Setel ulang sandi…", self.reset, enabled=is_admin)
        self.active_button = button("Nonaktifkan / aktifkan", self.toggle_active, enabled=is_admin)
        self.unlock_button = button("Buka kunci akun", self.unlock_selected, enabled=is_admin,
                                    tooltip="Akun terkunci sementara setelah beberapa kali salah kata sandi")
        row = QGridLayout()  # two rows of buttons: the panel shares the Pengaturan screen with three boxes
        for i, b in enumerate((self.add_button, self.roles_button, self.reset_button, self.active_button,
                               self.unlock_button)):
            row.addWidget(b, i // 3, i % 3)
        row.setColumnStretch(3, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)

    def refresh(self) -> None:
        if not self.ctx.user.has("admin"):
            self.model.set_rows([])
            return
        with self.ctx.db.session() as s:
            self.model.set_rows(list_accounts(s, self.ctx.user))

    def selected(self) -> AccountRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, "Pilih pengguna", "Pilih satu pengguna di tabel terlebih dahulu.")
            return None
        return self.model.row(rows[0].row())

    def add(self) -> None:
        if AccountDialog(self.ctx, None, self).exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def edit_roles(self) -> None:
        account = self.selected()
        if account is not None and AccountDialog(self.ctx, account, self).exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def reset(self) -> None:
        account = self.selected()
        if account is not None:
            ResetPasswordDialog(self.ctx, account, self).exec()

    def unlock_selected(self) -> None:
        """Lift the login lock of the selected account (audited in services.auth.users.unlock_user)."""
        account = self.selected()
        if account is None:
            return
        from services.store.writer import write_transaction

        try:
            with write_transaction(self.ctx.db) as s:
                unlock_user(s, account.username, self.ctx.user)
        except UserError as exc:
            present_refusal(self, exc, "Kunci akun tidak dibuka.")
            return
        self.refresh()

    def toggle_active(self) -> None:
        account = self.selected()
        if account is None:
            return
        try:
            with self.ctx.db.transaction() as s:
                set_account_active(s, self.ctx.user, account.id, not account.active)
        except UserError as exc:
            present_refusal(self, exc, "Status pengguna tidak diubah.")
            return
        self.ctx.status(f"{account.username} {'diaktifkan' if not account.active else 'dinonaktifkan'}.")
        self.refresh()
