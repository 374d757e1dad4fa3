"""The sign action of Laporan Bulanan: choose the backend, type the passphrase (or TOTP), confirm, sign.

Three ways: a .p12 certificate on this PC, the region's BSrE esign server, or another
application (BeSign, Panter, Srikandi: export the frozen PDF, import the signed one).
The passphrase is asked every time and lives only in the dialog and the running job.
Checking the certificate and signing run off the UI thread (ctx.runner); between the
two the signer confirms: "Laporan bulan X akan ditandatangani oleh Y dengan Z; tidak
dapat dibatalkan". A report whose last esign call timed out opens the check dialog.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import confirm_irreversible, dialog_buttons
from services import secrets
from services.changes import Changes
from services.errors import UserError
from services.signing.backends import Credential, EsignServerBackend, LocalP12Backend
from services.signing.esign_client import EsignConfig, Secret
from services.signing.service import (
    confirmation_text,
    pending_attempt,
    remembered_passphrase,
    resolve_unknown_attempt,
    sign_report_with,
)
from services.signing.settings import SETTING_ESIGN_ID, SETTING_P12, esign_password, get_setting, load_settings

BACKENDS = (("p12", "Sertifikat .p12 di komputer ini"), ("esign", "Server esign BSrE daerah"),
            ("elsewhere", "Aplikasi lain (BeSign / Panter / Srikandi): ekspor lalu impor"))


def ask_confirmation(parent: QWidget, text: str) -> bool:
    """Yes/No before the irreversible step (tests replace this function)."""
    return confirm_irreversible(parent, "Konfirmasi tanda tangan", text, "Tanda tangani")


@dataclass(frozen=True)
class SignChoice:
    backend: str
    p12_path: Path | None = None
    remember: bool = False
    identity: str = ""  # NIK or e-mail for the esign server
    credential: Credential = Credential()

    def __repr__(self) -> str:
        return f"SignChoice({self.backend}, ***)"


class SignDialog(QDialog):
    """Backend + certificate/identity + passphrase (or TOTP)."""

    def __init__(self, cert_path: str, parent: QWidget | None = None, *, esign_url: str = "",
                 esign_identity: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Tanda tangan elektronik")
        self.group = QButtonGroup(self)
        radios = QVBoxLayout()
        for i, (_key, label) in enumerate(BACKENDS):
            r = QRadioButton(label)
            self.group.addButton(r, i)
            radios.addWidget(r)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._p12_page(cert_path))
        self.pages.addWidget(self._esign_page(esign_url, esign_identity))
        self.pages.addWidget(self._elsewhere_page())
        self.group.idToggled.connect(lambda i, on: self.pages.setCurrentIndex(i) if on else None)
        self.group.button(1 if esign_url and not cert_path else 0).setChecked(True)
        intro = QLabel("Dokumen ditandatangani secara elektronik (PAdES). Nama, NIP dan jabatan Anda tampil pada "
                       "kotak tanda tangan di halaman terakhir. Kata sandi hanya dipakai untuk tanda tangan ini.")
        intro.setWordWrap(True)
        self.buttons = dialog_buttons(self, "Lanjut…")
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(radios)
        lay.addWidget(self.pages)
        lay.addWidget(self.buttons)
        self.resize(560, 360)

    # ------------------------------------------------------------------ pages
    def _p12_page(self, cert_path: str) -> QWidget:
        page = QWidget()
        self.cert = QLineEdit(cert_path)
        browse = QPushButton("Pilih…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.cert, 1)
        row.addWidget(browse)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Ingat kata sandi .p12 di keyring sistem")
        usable, message = secrets.keyring_status()
        self.remember.setEnabled(usable)
        self.hint = QLabel("")
        self.hint.setObjectName("subtitle")
        self.hint.setWordWrap(True)
        note = QLabel(message)
        note.setObjectName("subtitle" if usable else "error")
        note.setWordWrap(True)
        form = QFormLayout(page)
        form.addRow("Sertifikat (.p12)", row)
        form.addRow("Kata sandi", self.passphrase)
        form.addRow("", self.remember)
        form.addRow("", self.hint)
        form.addRow("", note)
        self.cert.textChanged.connect(self._update_hint)
        self._update_hint()
        return page

    def _esign_page(self, url: str, identity: str) -> QWidget:
        page = QWidget()
        self.identity = QLineEdit(identity, placeholderText="NIK 16 angka (atau email terdaftar, API v2)")
        self.use_totp = QCheckBox("Pakai kode TOTP dari aplikasi BeSign, bukan passphrase")
        self.secret = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="passphrase sertifikat BSrE")
        self.use_totp.toggled.connect(lambda on: self.secret.setPlaceholderText(
            "kode TOTP 6 angka dari BeSign" if on else "passphrase sertifikat BSrE"))
        server = QLabel(f"Server: {url}" if url else "Alamat server esign belum diatur (Pengaturan, oleh Administrator).")
        server.setObjectName("subtitle" if url else "error")
        form = QFormLayout(page)
        form.addRow("NIK / email", self.identity)
        form.addRow("", self.use_totp)
        form.addRow("Passphrase / TOTP", self.secret)
        form.addRow("", server)
        return page

    def _elsewhere_page(self) -> QWidget:
        page = QWidget()
        text = QLabel("1. Ekspor PDF laporan yang dibekukan.\n2. Tandatangani berkas itu TANPA mengubahnya di BeSign, "
                      "Panter atau Srikandi.\n3. Impor PDF bertanda tangan: diterima bila isinya sama persis dengan "
                      "laporan dan tanda tangannya sah.")
        text.setWordWrap(True)
        self.export_button = QPushButton("Ekspor PDF untuk ditandatangani…")
        self.import_button = QPushButton("Impor PDF bertanda tangan…")
        lay = QVBoxLayout(page)
        lay.addWidget(text)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        row.addStretch()
        lay.addLayout(row)
        return page

    def _browse(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, "Pilih sertifikat", self.cert.text(), "PKCS#12 (*.p12 *.pfx)")
        if path:
            self.cert.setText(path)

    def _update_hint(self) -> None:
        path = self.cert.text().strip()
        if path and Path(path).is_file() and remembered_passphrase(Path(path)) is not None:
            self.hint.setText("Kata sandi sertifikat ini tersimpan di keyring — kosongkan kolom untuk memakainya.")
        else:
            self.hint.setText("")

    # ------------------------------------------------------------------ result
    def backend_key(self) -> str:
        return BACKENDS[max(self.group.checkedId(), 0)][0]

    def values(self) -> tuple[Path, str | None, bool]:
        """The .p12 page (as the older dialog returned it)."""
        text = self.passphrase.text()
        return Path(self.cert.text().strip()), (text if text else None), self.remember.isChecked()

    def choice(self) -> SignChoice:
        key = self.backend_key()
        if key == "p12":
            path, passphrase, remember = self.values()
            if passphrase is None:
                passphrase = remembered_passphrase(path) if path.is_file() else None
            return SignChoice("p12", path, remember,
                              credential=Credential(passphrase=Secret(passphrase) if passphrase else None))
        if key == "esign":
            secret = Secret(self.secret.text())
            cred = Credential(totp=secret) if self.use_totp.isChecked() else Credential(passphrase=secret)
            return SignChoice("esign", identity=self.identity.text().strip(), credential=cred)
        return SignChoice("elsewhere")


class UnknownStateDialog(QDialog):
    """The last esign call got no answer: import the signed PDF, or record that it was not signed."""

    def __init__(self, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Status tanda tangan tidak diketahui")
        info = QLabel(message + "\n\nPeriksa di server esign / admin TTE daerah. Bila dokumen sudah ditandatangani, "
                      "impor PDF-nya. Bila belum, tuliskan hasil pemeriksaan Anda lalu tanda tangani lagi.")
        info.setWordWrap(True)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Hasil pemeriksaan (mis. 'dicek di riwayat server esign: belum ditandatangani')")
        self.import_button = QPushButton("Impor PDF bertanda tangan…")
        lay = QVBoxLayout(self)
        lay.addWidget(info)
        lay.addWidget(self.import_button)
        lay.addWidget(self.note)
        lay.addWidget(dialog_buttons(self, "Sudah saya periksa: belum ditandatangani"))
        self.resize(560, 320)


class SignFlow:
    """Drives one signing from the Laporan Bulanan screen (``view`` offers _run and _show_message)."""

    def __init__(self, view: Any, report_id: int) -> None:
        self.view = view
        self.ctx = view.ctx
        self.report_id = report_id

    def start(self) -> None:
        db, user = self.ctx.db, self.ctx.user
        pending = pending_attempt(db, self.report_id)
        if pending is not None:
            self._unknown(pending.message or "Upaya tanda tangan sebelumnya tidak mendapat jawaban.")
            return
        cfg = load_settings(db)
        dialog = SignDialog(get_setting(db, SETTING_P12 + user.username) or "", self.view, esign_url=cfg.esign_url,
                            esign_identity=get_setting(db, SETTING_ESIGN_ID + user.username) or "")
        dialog.export_button.clicked.connect(lambda: self.export(dialog))
        dialog.import_button.clicked.connect(lambda: self.import_file(dialog))
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.backend_key() == "elsewhere":
            return
        self.run(dialog.choice())

    def backend(self, choice: SignChoice) -> LocalP12Backend | EsignServerBackend:
        cfg = load_settings(self.ctx.db)
        if choice.backend == "p12":
            assert choice.p12_path is not None
            return LocalP12Backend(choice.p12_path, cfg.tsa_url)
        ident = choice.identity
        config = EsignConfig(cfg.esign_url, cfg.esign_user, esign_password(cfg.esign_url) or "", cfg.esign_api,
                             cfg.esign_timeout)
        return EsignServerBackend(config, nik="" if "@" in ident else ident, email=ident if "@" in ident else "")

    def run(self, choice: SignChoice) -> None:
        """Check the certificate (background), confirm, sign (background)."""
        try:
            backend = self.backend(choice)
        except UserError as exc:  # a bad NIK / URL is shown, not crashed on
            self.view._show_message(str(exc), error=True)
            return
        db, user = self.ctx.db, self.ctx.user
        trust = load_settings(db).trust_paths()

        def prepare(*, progress, cancel):  # type: ignore[no-untyped-def]
            progress(0, 1, "Memeriksa sertifikat")
            return backend.prepare(choice.credential, trust, db.clock.utcnow())

        def confirmed(description: str) -> None:
            text = confirmation_text(db, self.report_id, user, f"sertifikat {description}"
                                     if choice.backend == "p12" else description)
            if not ask_confirmation(self.view, text):
                self.view._show_message("Tidak ditandatangani.", error=False)
                return
            self.view._run("Menandatangani laporan", self._sign, backend, choice, on_done=self._signed)

        self.view._run("Memeriksa sertifikat", prepare, on_done=confirmed)

    def _sign(self, backend: LocalP12Backend | EsignServerBackend, choice: SignChoice, *, progress, cancel):  # type: ignore[no-untyped-def]
        from services.signing.settings import set_setting

        db, user = self.ctx.db, self.ctx.user
        res = sign_report_with(db, self.report_id, user, backend, choice.credential, progress=progress, cancel=cancel)
        if choice.backend == "p12" and choice.p12_path is not None:
            set_setting(db, SETTING_P12 + user.username, str(choice.p12_path.resolve()), user.username)
            if choice.remember and choice.credential.passphrase:
                try:
                    secrets.set_secret("certificate", str(choice.p12_path.resolve()),
                                       choice.credential.passphrase.reveal())
                except secrets.SecretStoreUnavailable:
                    pass
        elif choice.backend == "esign":
            set_setting(db, SETTING_ESIGN_ID + user.username, choice.identity, user.username)
        return res

    def _signed(self, res: Any) -> None:
        extra = (" " + " ".join(res.notes)) if res.notes else ""
        self.view._show_message(f"{res.message}{extra}")

    # ------------------------------------------------------------------ sign elsewhere / unknown
    def export(self, parent: QWidget) -> None:
        from services.signing.elsewhere import export_for_signing

        path, _f = QFileDialog.getSaveFileName(parent, "Simpan PDF untuk ditandatangani", "laporan_untuk_ttd.pdf",
                                               "PDF (*.pdf)")
        if path:
            out = export_for_signing(self.ctx.db, self.report_id, self.ctx.user, Path(path))
            self.view._show_message(f"PDF diekspor: {out}. Tandatangani tanpa mengubahnya, lalu impor hasilnya.")

    def import_file(self, parent: QDialog, path: str | None = None) -> None:
        from services.signing.elsewhere import import_signed

        if path is None:
            path, _f = QFileDialog.getOpenFileName(parent, "Pilih PDF bertanda tangan", "", "PDF (*.pdf)")
        if not path:
            return
        parent.reject()
        self.view._run("Memeriksa PDF bertanda tangan", lambda *, progress, cancel: import_signed(
            self.ctx.db, self.report_id, self.ctx.user, Path(path)), on_done=self._signed)

    def _unknown(self, message: str) -> None:
        dialog = UnknownStateDialog(message, self.view)
        dialog.import_button.clicked.connect(lambda: self.import_file(dialog))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            resolve_unknown_attempt(self.ctx.db, self.report_id, self.ctx.user, dialog.note.toPlainText())
        except UserError as exc:  # a too short note, a missing role
            self.view._show_message(str(exc), error=True)
            return
        self.ctx.notify(Changes(reports=True))
        self.view.refresh()
        self.view._show_message("Hasil pemeriksaan dicatat; laporan dapat ditandatangani lagi.")
