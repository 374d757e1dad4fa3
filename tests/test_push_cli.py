"""CLI: `emulator --push URL` as a real subprocess against the receiver; push-list / push-accept / push-command."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import select

from services.cli import main as cli_main
from services.demo.sample_org import SampleOrg
from services.devices.push_server import PushConfig, PushServer
from services.store.db import Database
from services.store.models import PushCommand
from tests.childenv import child_env
from tests.cli_login import login_args, sync_account_args
from tests.push_helpers import punch_count
from tests.test_push_kill import _command


def _ctrl_c_enabled() -> None:
    """A suite started in the background (`cmd &` without job control) ignores SIGINT, and children inherit
    that: give the emulator the default disposition, so its Python turns Ctrl+C into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_emulator_push_mode_from_the_command_line(db: Database, org: SampleOrg, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with PushServer(db, PushConfig(port=0, delay_s=1, error_delay_s=1, pending_delay_s=1)) as srv:
        proc = subprocess.Popen(_command() + ["emulator", "--push", f"http://127.0.0.1:{srv.port}", "--serial",
                                              "CLIEMU0000001", "--users", "5", "--records", "60", "--push-batch", "25",
                                              "--push-interval", "0.1", "--push-retry-max", "0.3"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                preexec_fn=_ctrl_c_enabled)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and cli_main(["--db", db.location, "push-list", *login_args("operator", tmp_path)]) == 0 \
                    and "CLIEMU0000001 [menunggu persetujuan]" not in capsys.readouterr().out:
                time.sleep(0.1)
            assert punch_count(db) == 0
            assert cli_main(["--db", db.location, "push-accept", "CLIEMU0000001", "--name", "Mesin CLI", *login_args("operator", tmp_path)]) == 1  # not an admin
            assert "administrator" in capsys.readouterr().err.lower()
            assert cli_main(["--db", db.location, "push-accept", "CLIEMU0000001", "--name", "Mesin CLI",
                             "--timezone", "Asia/Makassar", *login_args("admin", tmp_path)]) == 0
            while time.monotonic() < deadline and punch_count(db, "CLIEMU0000001") < 60:
                time.sleep(0.1)
            assert punch_count(db, "CLIEMU0000001") == 60
            assert cli_main(["--db", db.location, "push-command", "CLIEMU0000001", "INFO", *login_args("operator", tmp_path)]) == 0
            while time.monotonic() < deadline:
                with db.session() as s:
                    if s.execute(select(PushCommand.status)).scalar_one() == "done":
                        break
                time.sleep(0.1)
            capsys.readouterr()
            assert cli_main(["--db", db.location, "push-list", *login_args("operator", tmp_path)]) == 0
            listing = capsys.readouterr().out
            assert "CLIEMU0000001 [diterima] Mesin CLI Asia/Makassar" in listing and "60 rekaman" in listing
        finally:
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=30)  # stop() waits up to 10 s for a request in flight
        assert proc.returncode == 0, out
        assert "Emulator push seri CLIEMU0000001" in out and "terkirim 60 rekaman, belum 0" in out


def test_push_server_refuses_a_public_bind_address(db: Database, org: SampleOrg, tmp_path: Path) -> None:
    proc = subprocess.run(_command() + ["--db", db.location, "push-server", "--bind", "36.86.63.182", "--port", "0",
                                        *sync_account_args(db, tmp_path)],
                          capture_output=True, text=True, timeout=60, env=child_env())
    assert proc.returncode == 1 and "alamat publik" in proc.stderr
