"""Setting a PC up on a shared PostgreSQL OPD database: `presensi-opd db-init --url …` and the first-run wizard's
"beberapa PC (PostgreSQL)" choice. The password goes to keyring, never to the profile; TLS settings are kept."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from services.auth.users import login
from services.cli import main
from services.clock import FrozenClock
from services.store.db import SECRET_KIND, Database, pg_url, secret_name
from services.store.models import Opd
from services.store.profile import load_profile, profile_path, resolve_location
from tests import stores
from tests.cli_login import login_args

pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_pg(pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PRESENSI_DATA_DIR", str(tmp_path / "data"))  # this "PC"'s own profile folder
    monkeypatch.setenv("PRESENSI_OPD_FILES_DIR", str(tmp_path / "files"))
    name = f"presensi_init_{stores.os.getpid()}"
    stores.drop_database(name)
    stores._admin_exec(f'CREATE DATABASE "{name}"')
    try:
        yield stores.db_url(name)
    finally:
        stores.drop_database(name)


def test_db_init_creates_the_opd_and_this_pcs_profile(empty_pg: str, tmp_path: Path, clock: FrozenClock,
                                                      monkeypatch: pytest.MonkeyPatch, memory_keyring,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("sandi-db-umpeg\nAdminKuat#1\n"))
    assert main(["db-init", "--url", empty_pg, "--password-stdin", "--admin-password-stdin", "--opd-code", "dpmptsp",
                 "--opd-name", "Dinas Penanaman Modal", "--sslmode", "prefer"], clock=clock) == 0
    assert "admin 'admin' dibuat" in capsys.readouterr().out
    profile = load_profile()
    assert profile is not None and profile.url == empty_pg and profile.sslmode == "prefer"
    assert "sandi-db-umpeg" not in profile_path().read_text(encoding="utf-8")  # the password is in keyring only
    assert memory_keyring.backend.store[("presensi-opd", f"{SECRET_KIND}:{secret_name(pg_url(empty_pg))}")] \
        == "sandi-db-umpeg"
    assert resolve_location(None) == empty_pg  # commands without --db now open the shared database
    db = Database(empty_pg, clock)
    try:
        with db.session() as s:
            assert s.execute(select(Opd.code)).scalar_one() == "DPMPTSP"
        assert login(db, "admin", "AdminKuat#1").has("admin")
    finally:
        db.dispose()
    # a second PC running db-init on the same database is refused: it joins instead
    monkeypatch.setattr("sys.stdin", io.StringIO("AdminLain#2\n"))
    assert main(["db-init", "--url", empty_pg, "--admin-password-stdin", "--opd-code", "X", "--opd-name", "X"],
                clock=clock) == 1
    assert "sudah berisi OPD" in capsys.readouterr().err


def test_db_init_refuses_a_password_in_the_url_and_a_bad_sslmode(empty_pg: str, clock: FrozenClock,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("AdminKuat#1\n"))
    with_password = empty_pg.replace("postgres@", "postgres:rahasia@")
    assert main(["db-init", "--url", with_password, "--admin-password-stdin", "--opd-code", "A", "--opd-name", "A"],
                clock=clock) == 1
    assert "Jangan menulis kata sandi" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("AdminKuat#1\n"))
    assert main(["db-init", "--url", "http://server/db", "--admin-password-stdin", "--opd-code", "A",
                 "--opd-name", "A"], clock=clock) == 1
    assert "postgresql://" in capsys.readouterr().err
    assert not profile_path().exists()


def test_unreachable_server_is_a_clear_refusal(tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PRESENSI_DATA_DIR", str(tmp_path))
    assert main(["--db", "postgresql://umpeg@127.0.0.1:1/presensi", "audit-verify", *login_args("admin", tmp_path)],
                clock=clock) != 0
    err = capsys.readouterr().err
    assert "tidak dapat dihubungi" in err and "Traceback" not in err


@pytest.mark.sqlite_only  # the wizard starts on this PC's SQLite default and connects to PostgreSQL itself
def test_first_run_wizard_sets_up_the_opd_on_postgresql(qtbot, db: Database, empty_pg: str, memory_keyring) -> None:
    from desktop.first_run import FirstRunDialog

    dlg = FirstRunDialog(db)
    qtbot.addWidget(dlg)
    dlg.store.setCurrentIndex(dlg.store.findData("postgresql"))
    dlg.code.setText("BKD")
    dlg.name.setText("Badan Kepegawaian Daerah")
    dlg.lat.setValue(-2.5337)
    dlg.lon.setValue(112.9505)
    dlg.admin_name.setText("Admin BKD")
    dlg.password.setText("rahasia1")
    dlg.password2.setText("rahasia1")
    dlg.submit()  # not connected yet: refused, nothing written
    assert "Sambungkan dulu" in dlg.error.text()
    dlg.pg_url.setText(empty_pg)
    dlg.pg_password.setText("sandi-login-saya")
    dlg.pg_sslmode.setCurrentIndex(dlg.pg_sslmode.findData("prefer"))
    dlg.connect_postgres()
    assert dlg.db is not db and dlg.db.is_postgres and "Tersambung" in dlg.pg_status.text()
    dlg.submit()
    assert dlg.result() == FirstRunDialog.DialogCode.Accepted
    try:
        with dlg.db.session() as s:
            assert s.execute(select(Opd.code)).scalar_one() == "BKD"
        assert json.loads(profile_path().read_text(encoding="utf-8"))["sslmode"] == "prefer"
        assert ("presensi-opd", f"{SECRET_KIND}:{secret_name(pg_url(empty_pg))}") in memory_keyring.backend.store
        # a second PC's wizard on the same database joins the OPD at once
        second = FirstRunDialog(db)
        qtbot.addWidget(second)
        second.store.setCurrentIndex(second.store.findData("postgresql"))
        second.pg_url.setText(empty_pg)
        second.connect_postgres()
        assert second.result() == FirstRunDialog.DialogCode.Accepted and "sudah disiapkan" in second.pg_status.text()
        second.db.dispose()
    finally:
        dlg.db.dispose()
