"""Comm keys when no keyring stores them: typed in on a terminal, or read from an owner-only file.

File format (``--comm-key-file F``), one entry per line, ``#`` starts a comment:

    123456            the key of every device that needs one
    2=654321          device id 2
    Mesin Lobi=777    by device name
    EMU0000000001=42  by serial number

The file must be readable by its owner only (``chmod 600``): anything else is refused, because
the key would be readable by other accounts on the PC.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from services.devices.registry import stored_comm_key
from services.errors import BadInputError
from services.store.models import Device


def read_comm_key_file(path: Path) -> dict[str, int]:
    try:
        info = path.stat()
    except OSError as exc:
        raise BadInputError(f"Berkas comm key {path} tidak dapat dibaca: {exc.strerror or exc}.") from None
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise BadInputError(f"Berkas comm key {path} dapat dibaca akun lain (izin {stat.filemode(info.st_mode)}); "
                            f"jalankan `chmod 600 {path}` dulu.")
    if info.st_size > 64 * 1024:
        raise BadInputError(f"Berkas comm key {path} terlalu besar untuk berkas kunci.")
    keys: dict[str, int] = {}
    for no, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, value = line.rpartition("=")
        value = value.strip()
        if not value.isdigit() or int(value) > 999999:
            raise BadInputError(f"Berkas comm key {path} baris {no}: kunci harus angka 0–999999.")
        keys[name.strip() or "*"] = int(value)
    return keys


def needs_typed_key(device: Device) -> bool:
    """The device uses a comm key that no keyring holds (it must be typed in or read from a file)."""
    return bool(device.has_comm_key) and stored_comm_key(device.id, device.serial) is None


def key_for(device: Device, keys: dict[str, int]) -> int | None:
    for name in (str(device.id), device.name, device.serial or "", "*"):
        if name and name in keys:
            return keys[name]
    return None


def ask_on_terminal(device: Device) -> int | None:
    """Prompt on the terminal (hidden input); None when there is no terminal."""
    if not sys.stdin.isatty():
        return None
    import getpass

    text = getpass.getpass(f"Comm key mesin '{device.name}' (tidak disimpan): ").strip()
    if not text.isdigit() or int(text) > 999999:
        raise BadInputError("Comm key harus angka 0–999999.")
    return int(text)
