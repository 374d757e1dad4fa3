"""`presensi-opd backup --out F` / `restore F` on the store the suite runs on (SQLite or PostgreSQL), the
last-backup stamp and the admin's reminder when it is older than the OPD's limit (7 days by default)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.cli import main
from services.clock import FrozenClock
from services.store import backup as backups
from services.store.db import Database
from services.store.models import Employee, Setting
from tests.cli_login import login_args


def _employees(db: Database) -> int:
    with db.session() as s:
        return int(s.execute(select(func.count()).select_from(Employee)).scalar_one())


def test_backup_then_restore_brings_the_data_back(db: Database, org, tmp_path: Path, clock: FrozenClock,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / ("cadangan.dump" if db.is_postgres else "cadangan.sqlite")
    assert main(["--db", db.location, "backup", "--out", str(out), *login_args("admin", tmp_path)], clock=clock) == 0
    assert out.is_file() and out.stat().st_size > 1000 and "Cadangan" in capsys.readouterr().out
    with db.session() as s:
        assert backups.last_backup(s) == clock.now()
    before = _employees(db)
    with db.transaction() as s:  # a mistake after the backup
        s.execute(Employee.__table__.update().values(name="SALAH"))
    assert main(["--db", db.location, "restore", str(out), "--yes", *login_args("admin", tmp_path)], clock=clock) == 0
    with db.session() as s:
        names = {n for (n,) in s.execute(select(Employee.name))}
    assert "SALAH" not in names and _employees(db) == before


def test_restore_refuses_a_file_of_the_other_kind(db: Database, org, tmp_path: Path, clock: FrozenClock,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    wrong = tmp_path / "bukan.bin"
    wrong.write_bytes(b"SQLite format 3\x00" if db.is_postgres else b"PGDMP\x01\x0e")
    assert main(["--db", db.location, "restore", str(wrong), "--yes", *login_args("admin", tmp_path)], clock=clock) == 1
    assert "bukan cadangan" in capsys.readouterr().err
    assert main(["--db", db.location, "restore", str(tmp_path / "tidak-ada"), "--yes", *login_args("admin", tmp_path)], clock=clock) == 1


def test_reminder_after_seven_days_by_the_office_clock(db: Database, clock: FrozenClock) -> None:
    with db.session() as s:
        assert "belum pernah" in (backups.backup_reminder(s, clock.now()) or "")
    db.backup("manual", target=db.path.parent / ("b.dump" if db.is_postgres else "b.sqlite"))
    with db.session() as s:
        assert backups.backup_reminder(s, clock.now()) is None
        assert backups.backup_reminder(s, clock.now() + dt.timedelta(days=7)) is None
        late = backups.backup_reminder(s, clock.now() + dt.timedelta(days=8))
    assert late is not None and "8 hari" in late and "batas 7 hari" in late
    with db.transaction() as s:  # the OPD's own limit
        s.add(Setting(key=backups.MAX_AGE_KEY, value="3"))
    with db.session() as s:
        assert "batas 3 hari" in (backups.backup_reminder(s, clock.now() + dt.timedelta(days=4)) or "")


@pytest.mark.postgres
def test_postgres_backup_without_pg_dump_says_what_to_install(pg_admin_url: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               clock: FrozenClock) -> None:
    from tests import stores

    template = stores.create_template()
    try:
        db = Database(stores.db_url(template), clock, files_root=tmp_path)
        monkeypatch.setenv("PATH", str(tmp_path))  # no PostgreSQL client tools on this "PC"
        with pytest.raises(backups.BackupToolMissing, match="pg_dump.*tidak ditemukan"):
            db.backup("manual", target=tmp_path / "x.dump")
        assert not (tmp_path / "x.dump").exists()
        db.dispose()
    finally:
        stores.drop_database(template)
