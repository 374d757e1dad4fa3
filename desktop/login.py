"""Login dialog (argon2-checked against the local users table)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from services.auth.users import AuthError, CurrentUser, login
from services.store.db import Database


class LoginDialog(QDialog):
    def __init__(self, db: Database, opd_name: str, parent: QWidget | None = None, hint: str = "") -> None:
        super().__init__(parent)
        self.db = db
        self.user: CurrentUser | None = None
        self.setWindowTitle("Masuk — Presensi OPD")
        self.setMinimumWidth(400)
        title = QLabel("Presensi OPD")
        title.setObjectName("title")
        sub = QLabel(opd_name)
        sub.setObjectName("subtitle")
        self.username = QLineEdit(placeholderText="nama pengguna")
        self.password = QLineEdit(placeholderText="kata sandi", echoMode=QLineEdit.EchoMode.Password)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.button = QPushButton("Masuk")
        self.button.setObjectName("primary")
        self.button.setDefault(True)
        self.button.clicked.connect(self.try_login)
        form = QFormLayout()
        form.addRow("Pengguna", self.username)
        form.addRow("Kata sandi", self.password)
        lay = QVBoxLayout(self)
        lay.addWidget(title, alignment=Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(sub, alignment=Qt.AlignmentFlag.AlignHCenter)
        lay.addSpacing(8)
        lay.addLayout(form)
        lay.addWidget(self.error)
        if hint:
            h = QLabel(hint)
            h.setObjectName("subtitle")
            h.setWordWrap(True)
            lay.addWidget(h)
        lay.addWidget(self.button)

    def try_login(self) -> None:
        error: AuthError | None = None
        try:  # the same throttled, audited login as the CLI; failures are committed too
            self.user = login(self.db, self.username.text().strip(), self.password.text())
        except AuthError as exc:
            error = exc
        if error is not None:
            self.error.setText(str(error))
            self.password.selectAll()
            self.password.setFocus()
            return
        self.accept()
