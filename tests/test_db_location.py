"""An SQLite database on a network share is refused (GUI and CLI), pointing to the PostgreSQL OPD store."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.cli import main, open_gui
from services.store import location
from services.store.location import NetworkDatabaseError, check_database_location, filesystem_type, network_location

MOUNTS = """\
/dev/sda2 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid 0 0
//fileserver/umpeg /mnt/umpeg cifs rw,vers=3.0 0 0
nas:/export/presensi /srv/nfs nfs4 rw,relatime 0 0
pegawai@host:/data /home/op/remote fuse.sshfs rw 0 0
/dev/sdb1 /mnt/umpeg/lokal ext4 rw 0 0
/dev/sdc1 /media/data\\040kantor ext4 rw 0 0
"""


def _mounts() -> str:
    return MOUNTS


@pytest.mark.parametrize(("path", "kind"), [
    ("/mnt/umpeg/presensi.sqlite", "cifs"),
    ("/srv/nfs/a/b/presensi.sqlite", "nfs4"),
    ("/home/op/remote/presensi.sqlite", "fuse.sshfs"),
    ("/mnt/umpeg/lokal/presensi.sqlite", "ext4"),  # a local disk mounted below the share: the longest mount wins
    ("/media/data kantor/presensi.sqlite", "ext4"),  # /proc/mounts escapes the space
    ("/home/op/presensi.sqlite", "ext4"),
])
def test_filesystem_type_from_the_mounts_table(path: str, kind: str) -> None:
    assert filesystem_type(Path(path), MOUNTS) == kind


def test_linux_network_filesystems_are_refused() -> None:
    for path in ("/mnt/umpeg/presensi.sqlite", "/srv/nfs/presensi.sqlite", "/home/op/remote/presensi.sqlite"):
        with pytest.raises(NetworkDatabaseError) as exc:
            check_database_location(path, windows=False, mounts=_mounts)
        text = str(exc.value)
        assert path in text and "jaringan" in text and "PostgreSQL" in text and "multi-PC" in text
    assert network_location("/mnt/umpeg/lokal/presensi.sqlite", windows=False, mounts=_mounts) is None
    assert network_location("/home/op/presensi.sqlite", windows=False, mounts=_mounts) is None


def test_windows_unc_paths_are_refused() -> None:
    for path in (r"\\server\share\Presensi\presensi.sqlite", "//server/share/presensi.sqlite",
                 r"\\?\UNC\server\share\presensi.sqlite"):
        with pytest.raises(NetworkDatabaseError, match="alamat UNC"):
            check_database_location(path, windows=True, mounts=_mounts)
    assert network_location(r"C:\Data Presensi\presensi.sqlite", windows=True, mounts=_mounts) is None


@pytest.mark.sqlite_only  # about SQLite files on network shares
def test_cli_and_gui_refuse_a_database_on_a_share(db, org, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    share = f"//fileserver/umpeg {tmp_path} cifs rw 0 0\n"
    monkeypatch.setattr(location, "read_mounts", lambda: MOUNTS + share)
    assert main(["--db", db.location, "device-list", "--user", "operator"]) == 1
    err = capsys.readouterr().err
    assert "Berkas SQLite tidak aman dipakai dari folder jaringan" in err and "PostgreSQL" in err
    launched: list[Path] = []
    with pytest.raises(NetworkDatabaseError):
        open_gui(db.path)
    assert main(["--db", db.location, "gui"], gui_launcher=lambda p, c: launched.append(p) or 0) == 1
    assert launched == []  # the app never opened it
    monkeypatch.setattr(location, "read_mounts", lambda: MOUNTS)
    assert main(["--db", db.location, "gui"], gui_launcher=lambda p, c: launched.append(p) or 0) == 0
    assert launched == [db.path]
