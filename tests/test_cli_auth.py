"""The CLI authenticates: every sub-command declares what it needs and the core logs the user in first."""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.auth.users import SYNC_ACCOUNT, SYNC_ROLE
from services.central.outbox import SETTING_URL
from services.cli import build_parser, main
from services.cli_support import PUBLIC
from services.store.db import Database
from services.store.models import AuditEvent, ImportBatch, Punch, Setting, User
from tests.cli_login import login_args, password_file, sync_account_args
from tests.report_fixtures import lock_period

ATTLOG = b"        1\t2026-03-02 07:24:00\t7\t0\t1\t0\r\n"
# the central commands and db-init log in to PostgreSQL itself (db-init creates the OPD's first admin, so
# no local user exists yet); the others touch no personal data
PURE_TOOLS = {"gui", "demo", "emulator", "selfie-compare", "verify", "central-init", "central-status",
              "central-review", "bpkad-export", "db-init"}


def _leaf_parsers(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                inner = _leaf_parsers(sub, f"{prefix}{name} ")
                found.update(inner or {f"{prefix}{name}": sub})
    return found


def test_every_command_declares_what_it_needs() -> None:
    leaves = _leaf_parsers(build_parser("*"))  # every command module registered, not the light placeholders
    assert len(leaves) > 40
    undeclared = [name for name, p in leaves.items() if p.get_default("needs") is None]
    assert undeclared == []
    public = {name for name, p in leaves.items() if p.get_default("needs") == PUBLIC}
    assert public <= PURE_TOOLS  # everything else reads personal data or changes something (or decides per call)


def test_a_command_that_declares_nothing_is_refused(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import services.cli as cli

    real = cli.build_parser

    def with_undeclared(command: str | None = None) -> argparse.ArgumentParser:
        parser = real(command)
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub.add_parser("tanpa-deklarasi").set_defaults(func=lambda _a: 0)
        return parser

    monkeypatch.setattr(cli, "build_parser", with_undeclared)
    assert main(["tanpa-deklarasi"]) == 1
    assert "belum menyatakan hak akses" in capsys.readouterr().err


def _batches(db: Database) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(ImportBatch)).scalar_one()


def test_import_refuses_a_user_who_did_not_log_in(db: Database, org, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "1_attlog.dat"
    f.write_bytes(ATTLOG)
    dbarg = ["--db", db.location]
    # a name only (pytest's stdin is no terminal): refused, nothing imported, nothing recorded under that name
    assert main([*dbarg, "import-usb", str(f), "--user", "operator"]) == 1
    assert "--password-file" in capsys.readouterr().err
    # a user that does not exist
    assert main([*dbarg, "import-usb", str(f), *login_args("siapa-saja", tmp_path)]) == 1
    assert "kata sandi salah" in capsys.readouterr().err
    # the right user with a wrong password
    assert main([*dbarg, "import-usb", str(f), *login_args("operator", tmp_path, password="salah-sandi")]) == 1
    assert _batches(db) == 0
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(Punch)).scalar_one() == 0
        actions = s.execute(select(AuditEvent.username, AuditEvent.action)).all()
    assert ("siapa-saja", "login.failed") in actions and ("operator", "login.failed") in actions
    assert not any(a.startswith("usb") or a.startswith("import") for _u, a in actions)
    # logged in: imported, and audited under the proven name
    assert main([*dbarg, "import-usb", str(f), *login_args("operator", tmp_path)]) == 0
    assert _batches(db) == 1
    with db.session() as s:
        assert ("operator", "login") in s.execute(select(AuditEvent.username, AuditEvent.action)).all()


def test_password_file_must_be_a_regular_file_only_its_owner_reads(db: Database, org, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    pw = password_file(tmp_path)
    dbarg = ["--db", db.location, "device-list", "--user", "operator", "--password-file"]
    os.chmod(pw, 0o640)
    assert main([*dbarg, str(pw)]) == 1
    err = capsys.readouterr().err
    assert "dapat dibaca akun lain" in err and "chmod 600" in err
    os.chmod(pw, 0o600)
    link = tmp_path / "tautan.txt"
    link.symlink_to(pw)
    assert main([*dbarg, str(link)]) == 1
    assert "bukan berkas biasa" in capsys.readouterr().err
    assert main([*dbarg, str(tmp_path)]) == 1
    assert main([*dbarg, str(pw)]) == 0


def test_roles_are_enforced_per_command(db: Database, org, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    dbarg = ["--db", db.location]
    assert main([*dbarg, "device-add", "--name", "Lobi", "--ip", "127.0.0.1", *login_args("operator", tmp_path)]) == 1
    assert "Administrator" in capsys.readouterr().err
    assert main([*dbarg, "selfie-verdict", "1", "setujui", *login_args("operator", tmp_path)]) == 1
    assert "Atasan / Verifikator" in capsys.readouterr().err
    assert main([*dbarg, "user-unlock", "operator", *login_args("kepala", tmp_path)]) == 1
    # the login may also come before the sub-command
    assert main([*dbarg, *login_args("admin", tmp_path), "device-list"]) == 0


def test_submit_never_swaps_users_nor_repoints_the_outbox(db: Database, org, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    dbarg = ["--db", db.location]
    url = "postgresql://opd_lain@192.0.2.1:9/bkpsdm"
    assert main([*dbarg, "submit", "--url", url, "--list", *login_args("operator", tmp_path)]) == 1
    assert "Administrator" in capsys.readouterr().err
    with db.session() as s:
        assert s.get(Setting, SETTING_URL) is None
        assert not s.execute(select(AuditEvent).where(AuditEvent.action == "central.configure")).first()
    # the admin may; audited under the admin's own name with the previous address
    assert main([*dbarg, "submit", "--url", url, "--list", *login_args("admin", tmp_path)]) == 0
    url2 = "postgresql://opd_x@192.0.2.2:9/bkpsdm"
    assert main([*dbarg, "submit", "--url", url2, "--list", *login_args("admin", tmp_path)]) == 0
    assert f"Alamat sebelumnya: {url}" in capsys.readouterr().out
    with db.session() as s:
        events = s.execute(select(AuditEvent.username, AuditEvent.detail)
                           .where(AuditEvent.action == "central.configure").order_by(AuditEvent.id)).all()
    assert [u for u, _d in events] == ["admin", "admin"] and f'"previous_url": "{url}"' in events[1][1]


def test_signing_needs_the_signers_login_and_the_passphrase(db: Database, org, tmp_path: Path, capsys,  # type: ignore[no-untyped-def]
                                                            monkeypatch) -> None:
    lock_period(db, org.opd_id, 2026, 10)
    dbarg = ["--db", db.location]
    period = ["--year", "2026", "--month", "10"]
    assert main([*dbarg, "report", *period, *login_args("operator", tmp_path)]) == 0
    # installing a certificate for someone else needs an admin
    certs = ["make-test-cert", "--out", str(tmp_path / "sert"), "--install", "kepala"]
    assert main([*dbarg, *certs, *login_args("operator", tmp_path)]) == 1
    assert main([*dbarg, *certs, *login_args("kepala", tmp_path)]) == 0

    def sign(login: list[str], passphrase: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(passphrase + "\n"))
        return main([*dbarg, "sign", *period, "--passphrase-stdin", *login])

    assert sign(["--user", "kepala"], "rahasia-uji") == 1  # the certificate passphrase alone is not enough
    assert sign(login_args("kepala", tmp_path, password="bukan-sandinya"), "rahasia-uji") == 1
    assert sign(login_args("operator", tmp_path), "rahasia-uji") == 1  # not a signer
    assert "Kepala OPD" in capsys.readouterr().err
    assert sign(login_args("kepala", tmp_path), "salah") == 1  # the right login, a wrong passphrase
    assert sign(login_args("kepala", tmp_path), "rahasia-uji") == 0
    assert "berhasil ditandatangani" in capsys.readouterr().out


@pytest.mark.sqlite_only  # installs the OS timer for a SQLite file path
def test_scheduled_sync_account_may_only_pull(db: Database, org, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import services.devices.schedule as schedule

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(schedule.shutil, "which", lambda _name: None)  # no systemctl: the unit files are written
    dbarg = ["--db", db.location]
    assert main([*dbarg, "schedule-sync", "--every", "30", *login_args("operator", tmp_path)]) == 1
    assert main([*dbarg, "schedule-sync", "--every", "30", *login_args("admin", tmp_path)]) == 1  # not activated
    out = capsys.readouterr().out
    pw = db.path.with_name("sinkron.password")
    assert f"{pw}" in out and (pw.stat().st_mode & 0o777) == 0o600
    service = (tmp_path / "config" / "systemd" / "user" / "presensi-opd-sync.service").read_text()
    assert f"sync --scheduled --user {SYNC_ACCOUNT} --password-file {pw}" in service
    with db.session() as s:
        account = s.execute(select(User).where(User.username == SYNC_ACCOUNT)).scalar_one()
    assert account.roles == SYNC_ROLE
    sync_login = ["--user", SYNC_ACCOUNT, "--password-file", str(pw)]
    assert main([*dbarg, "sync", "--scheduled", *sync_login]) == 1  # logged in; no device registered yet
    assert "Belum ada perangkat aktif" in capsys.readouterr().out
    f = tmp_path / "1_attlog.dat"
    f.write_bytes(ATTLOG)
    for other in (["import-usb", str(f)], ["sync", "--clear-log"], ["device-list"], ["tpp"]):
        assert main([*dbarg, *other, *sync_login]) == 1, other
        assert "Akun sinkron" not in capsys.readouterr().out
    # provisioning again gives the account a fresh password: the old file no longer works
    (tmp_path / "lain").mkdir()
    fresh = sync_account_args(db, tmp_path / "lain")
    assert main([*dbarg, "sync", *fresh]) == 1 and "Belum ada perangkat" in capsys.readouterr().out
    assert main([*dbarg, "sync", *sync_login]) == 1
    assert "kata sandi salah" in capsys.readouterr().err


def test_pure_tools_need_no_login(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["make-test-cert", "--out", str(tmp_path / "uji")]) == 0
    assert ".p12" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0


@pytest.mark.sqlite_only  # `demo` builds an SQLite file; the refusal is about overwriting a real one
def test_demo_never_replaces_a_real_database(db: Database, org, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", db.location, "demo", "--no-gui", "--no-central", "--employees", "5"]) == 1
    assert "bukan database demo" in capsys.readouterr().err
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(User)).scalar_one() >= 4


def test_demo_refuses_a_postgresql_address(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # a URL taken as a path would become folders here
    assert main(["--db", "postgresql://postgres@127.0.0.1:5432/postgres", "demo", "--no-gui", "--no-central"]) == 1
    assert "hanya membuat berkas SQLite" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
