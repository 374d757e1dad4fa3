"""Refuse an SQLite database on a network share.

SQLite's locking relies on the file system; on SMB/CIFS, NFS or SSHFS it is unreliable, so two
PCs (or one PC and a flaky share) can corrupt the file or lose committed work. An office that
works on several PCs uses the PostgreSQL OPD store instead.

Detection: on Windows a UNC path (``\\\\server\\share\\...``) or a mapped drive letter whose drive type
is remote; on Linux/macOS the file system type of the longest mount point containing the path,
from /proc/mounts (injectable: tests pass their own mounts table).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

from services.errors import UserError

NETWORK_FS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smbfs", "smb3", "sshfs", "fuse.sshfs", "9p", "afs", "ceph", "glusterfs",
    "fuse.glusterfs", "davfs", "fuse.davfs2", "fuse.rclone", "fuse.s3fs", "lustre", "ncpfs", "coda",
})


class NetworkDatabaseError(UserError):
    pass


def _message(path: str, where: str) -> str:
    return (f"Database {path} berada di {where}. Berkas SQLite tidak aman dipakai dari folder jaringan: penguncian "
            "berkas di jaringan tidak andal, sehingga data dapat rusak atau hilang bila dua komputer (atau "
            "sambungan yang putus) menulis bersamaan. Simpan database di disk lokal komputer ini; bila beberapa "
            "komputer perlu bekerja bersama, pakai pilihan multi-PC: penyimpanan OPD di PostgreSQL "
            "(lihat docs/SECURITY.md dan panduan instalasi).")


def _unescape(field: str) -> str:
    # /proc/mounts escapes space, tab, newline and backslash as octal
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, file system type) from /proc/mounts text."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out.append((_unescape(parts[1]), parts[2]))
    return out


def read_mounts() -> str:
    """The mounts table (/proc/mounts; empty where there is none). Tests replace this module attribute."""
    try:
        return Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def filesystem_type(path: Path, mounts_text: str) -> str | None:
    """Type of the file system holding ``path`` (the longest mount point that contains it)."""
    target = os.path.realpath(path)
    best, kind = "", None
    for point, fstype in parse_mounts(mounts_text):
        prefix = point.rstrip("/") + "/"
        if (target == point or target.startswith(prefix) or point == "/") and len(point) >= len(best):
            best, kind = point, fstype
    return kind


def _windows_remote_drive(path: str) -> bool:
    if sys.platform != "win32":
        return False
    import ctypes

    drive = PureWindowsPath(path).drive
    if not drive or drive.startswith("\\\\"):
        return False
    return int(ctypes.windll.kernel32.GetDriveTypeW(drive + "\\")) == 4  # DRIVE_REMOTE


def network_location(path: Path | str, *, windows: bool | None = None,
                     mounts: Callable[[], str] | None = None) -> str | None:
    """A description of the network share holding ``path``; None when it is on a local disk."""
    text = str(path)
    is_windows = sys.platform == "win32" if windows is None else windows
    if text.startswith(("\\\\", "//")) and (is_windows or text.startswith("\\\\")):
        share = "\\".join(PureWindowsPath(text).parts[:1])
        return f"folder jaringan {share} (alamat UNC)"
    if is_windows:
        return "drive jaringan" if _windows_remote_drive(text) else None
    kind = filesystem_type(Path(text), (mounts or read_mounts)())
    if kind is not None and (kind in NETWORK_FS or kind.startswith(("nfs", "fuse.sshfs", "smb"))):
        return f"sistem berkas jaringan ({kind})"
    return None


def check_database_location(path: Path | str, *, windows: bool | None = None,
                            mounts: Callable[[], str] | None = None) -> None:
    """Raise NetworkDatabaseError (Indonesian, pointing to the multi-PC option) for a share."""
    from services.store.db import is_pg_url

    if is_pg_url(path):
        return  # the PostgreSQL OPD store is the multi-PC option: a server address, no file to lock
    where = network_location(path, windows=windows, mounts=mounts)
    if where is not None:
        raise NetworkDatabaseError(_message(str(path), where))
