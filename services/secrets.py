"""Secrets (device comm keys, certificate passphrases, central DB passwords) live only in keyring.

When the system has no usable keyring backend we say so and refuse: nothing is
ever written in plain text as a fallback.
"""

from __future__ import annotations

import keyring
from keyring.backends.fail import Keyring as FailKeyring
from keyring.errors import KeyringError, NoKeyringError

from services.errors import UserError

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
