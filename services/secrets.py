"""Secrets (device comm keys, certificate passphrases, central DB passwords) live only in keyring.

When the system has no usable keyring backend we say so and refuse: nothing is
ever written in plain text as a fallback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import keyring
from keyring.backends.fail import Keyring as FailKeyring
from keyring.errors import KeyringError, NoKeyringError

from services.errors import BadInputError, UserError

SERVICE = "presensi-opd"


BACKEND_NAMES = {
    "WinVaultKeyring": "Windows Credential Manager",
    "SecretServiceKeyring": "Secret Service (GNOME Keyring)",
    "DBusKeyring": "KWallet",
    "Keyring": "Keychain macOS",
}


class SecretStoreUnavailable(UserError):
    pass


def _key(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def keyring_status() -> tuple[bool, str]:
    """(usable, human message) for the Settings screen."""
    backend = keyring.get_keyring()
    cls = type(backend).__name__
    chained = getattr(backend, "backends", None)
    if isinstance(backend, FailKeyring) or (chained is not None and not chained):
        return False, (
            "Tidak ada penyimpanan rahasia (keyring) di sistem ini. Kata sandi/kunci tidak akan disimpan; "
            "aplikasi akan menanyakannya setiap kali diperlukan. Pasang/aktifkan Windows Credential Manager "
            "atau Secret Service (GNOME Keyring/KWallet)."
        )
    store = BACKEND_NAMES.get(cls, "keyring sistem")
    return True, f"Rahasia (kunci mesin, sandi sertifikat, sandi server pusat) disimpan aman di {store}."


def set_secret(kind: str, name: str, value: str) -> None:
    try:
        keyring.set_password(SERVICE, _key(kind, name), value)
    except (NoKeyringError, KeyringError, RuntimeError) as exc:
        raise SecretStoreUnavailable(
            "Keyring sistem tidak tersedia, rahasia tidak disimpan (tidak pernah disimpan sebagai teks biasa). "
            f"Detail: {exc}"
        ) from None


def get_secret(kind: str, name: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, _key(kind, name))
    except (NoKeyringError, KeyringError, RuntimeError):
        return None


def delete_secret(kind: str, name: str) -> None:
    try:
        keyring.delete_password(SERVICE, _key(kind, name))
    except (NoKeyringError, KeyringError, RuntimeError):
        pass


def read_owner_only_file(path: Path, what: str) -> str:
    """First line of a small secret file that only its owner may read (``--password-file``).

    Refused: not a regular file (a symlink, folder, pipe), readable or writable by the group or
    others, or (POSIX) owned by another account. On Windows the mode bits say nothing; the file
    belongs in the user's own profile folder, which other accounts cannot read.
    """
    try:
        info = path.lstat()
    except OSError as exc:
        raise BadInputError(f"Berkas {what} {path} tidak dapat dibaca: {exc.strerror or exc}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise BadInputError(f"Berkas {what} {path} bukan berkas biasa (tautan/folder ditolak).")
    if os.name == "posix":
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise BadInputError(f"Berkas {what} {path} dapat dibaca akun lain (izin {stat.filemode(info.st_mode)}); "
                                f"jalankan `chmod 600 {path}` dulu.")
        if info.st_uid != os.getuid():
            raise BadInputError(f"Berkas {what} {path} bukan milik akun yang menjalankan perintah ini.")
    if info.st_size > 4096:
        raise BadInputError(f"Berkas {what} {path} terlalu besar untuk berkas kata sandi.")
    lines = path.read_text(encoding="utf-8", errors="strict").splitlines()
    if not lines or not lines[0]:
        raise BadInputError(f"Berkas {what} {path} kosong.")
    return lines[0]


def write_owner_only_file(path: Path, text: str) -> Path:
    """Create/replace ``path`` readable by its owner only (mode 600 on POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    os.replace(tmp, path)
    return path
