"""The head sent to the central database with each submission catches a local truncation the OPD's PC hides."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from services.central.anchors import central_anchors
from services.central.client import connect
from services.central.outbox import configure_central, enqueue_submission, flush_outbox
from services.cli import main
from services.clock import FrozenClock
from services.reports.monthly import generate_monthly_report
from services.signing.service import sign_report
from services.signing.settings import SETTING_TRUST, set_setting
from services.store.db import Database
from tests.central_fixtures import certs_around, make_central
from tests.cli_login import login_args
from tests.report_fixtures import lock_period, recap_rows, user

pytestmark = pytest.mark.postgres


def test_truncation_below_the_centrally_anchored_head_is_caught(pg_admin_url: str, db: Database, org,  # type: ignore[no-untyped-def]
                                                                 tmp_path: Path, capsys) -> None:
    db.clock = FrozenClock("2026-11-05 08:00")
    certs = certs_around("2026-11-05 08:00", signer_name="Kepala Dinas Uji")
    with make_central(pg_admin_url, {"a": ("DISKOMINFO", "Dinas Komunikasi dan Informatika")}, prefix="anchor") as c:
        url, password = c.login("a")
        configure_central(db, url, user(db, "admin"), password)  # the password goes to the (test) keyring
        lock_period(db, org.opd_id, 2026, 10)
        info = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db, 4))
        p12, ca = certs.write(tmp_path)
        set_setting(db, SETTING_TRUST, str(ca), "admin")
        sign_report(db, info.report_id, user(db, "kepala"), p12, certs.passphrase)
        enqueue_submission(db, info.report_id, user(db, "operator"))
        assert flush_outbox(db).sent == 1
        with connect(url, password) as conn:
            [anchor] = [a for a in central_anchors(conn, "DISKOMINFO") if a.event_id]
        verify = ["--db", db.location, "audit-verify", *login_args("admin", tmp_path)]
        assert main(verify) == 0
        out = capsys.readouterr().out
        assert "Server pusat: 1 jangkar" in out and "Log audit utuh" in out

        # the PC's thief removes everything from the submitted head on, and every local copy of the anchors
        con = sqlite3.connect(db.path)
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute("DROP TRIGGER audit_event_no_delete")
        con.execute("DELETE FROM audit_event WHERE id >= ?", (anchor.event_id,))
        con.execute("DELETE FROM submission_bundle")
        con.execute("UPDATE report SET audit_head_id=NULL, audit_head_hash=NULL")
        con.commit()
        con.close()
        assert main([*verify, "--no-central"]) == 0  # the PC alone cannot tell any more
        capsys.readouterr()
        assert main(verify) == 1  # the central database can
        out = capsys.readouterr().out
        assert f"kejadian #{anchor.event_id}" in out and "server pusat (2026-10 revisi 1)" in out
