"""The audit log cannot be rewritten unseen: keyed chain, append-only triggers, anchors outside the database.

Each attack is done the way an attacker with the database file would do it: a raw sqlite3
connection, triggers dropped, hashes recomputed with everything the file holds.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.auth import audit, audit_key
from services.auth.audit import GENESIS, Anchor, check_chain, local_anchors, verify_chain
from services.auth.users import SYSTEM_USER, AuthError, login
from services.cli import main
from services.demo.sample_org import DEFAULT_PASSWORD, create_sample_org
from services.reports.monthly import generate_monthly_report
from services.store.db import Database, open_database
from services.store.models import AuditEvent, AuditKeyWrap, AuditPending, Base, User
from tests.cli_login import login_args
from tests.report_fixtures import lock_period, pdf_text, recap_rows, user


def _attacker(db: Database) -> sqlite3.Connection:
    """The file opened with a plain SQLite tool, the app's triggers dropped."""
    con = sqlite3.connect(db.path)
    con.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    return con


def _canonical(row: sqlite3.Row | tuple) -> str:  # type: ignore[type-arg]
    ts, username, action, entity, entity_id, detail = row
    return json.dumps([ts.replace(" ", "T"), username, action, entity, entity_id, detail], ensure_ascii=False,
                      separators=(",", ":"))


def _recompute_from(con: sqlite3.Connection, first_id: int) -> None:
    """Rewrite hashes of ``first_id`` and every later row: sha256, all that the file lets anyone compute."""
    prev = con.execute("SELECT hash FROM audit_event WHERE id < ? ORDER BY id DESC LIMIT 1", (first_id,)).fetchone()
    prev_hash = prev[0] if prev else GENESIS
    rows = con.execute("SELECT id, ts, username, action, entity, entity_id, detail FROM audit_event WHERE id >= ? "
                       "ORDER BY id", (first_id,)).fetchall()
    for rid, *fields in rows:
        new = hashlib.sha256((prev_hash + _canonical(tuple(fields))).encode()).hexdigest()
        con.execute("UPDATE audit_event SET prev_hash=?, hash=? WHERE id=?", (prev_hash, new, rid))
        prev_hash = new
    con.commit()


def _ids(db: Database) -> list[int]:
    with db.session() as s:
        return list(s.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())


def test_the_app_cannot_update_or_delete_audit_rows(db: Database, org) -> None:
    first = _ids(db)[0]
    with pytest.raises(IntegrityError, match="hanya boleh ditambah"), db.transaction() as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == first).values(detail="{}"))
    with pytest.raises(IntegrityError, match="hanya boleh ditambah"), db.transaction() as s:
        s.execute(text("DELETE FROM audit_event"))
    con = sqlite3.connect(db.path)  # a plain SQLite tool that leaves the triggers alone is refused too
    with pytest.raises(sqlite3.IntegrityError, match="hanya boleh ditambah"):
        con.execute("DELETE FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)")
    con.close()
    with db.session() as s:
        assert verify_chain(s) is None


def test_tables_created_from_the_models_get_the_triggers_too(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'baru.sqlite'}")
    Base.metadata.create_all(engine)
    with engine.begin() as c:
        c.execute(text("INSERT INTO audit_event (ts, username, action, entity, entity_id, detail, prev_hash, hash) "
                       "VALUES ('2026-01-01 00:00:00', 'u', 'a', 'e', '', '{}', :g, :h)"), {"g": GENESIS, "h": "1" * 64})
    with pytest.raises(IntegrityError), engine.begin() as c:
        c.execute(text("UPDATE audit_event SET username='x'"))
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_refuses_update_delete_and_truncate(pg_admin_url: str) -> None:
    name = f"presensi_audit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        Base.metadata.create_all(engine)  # the multi-PC OPD store
        with engine.begin() as c:
            c.execute(text("INSERT INTO audit_event (ts, username, action, entity, entity_id, detail, prev_hash, hash) "
                           "VALUES (now(), 'u', 'a', 'e', '', '{}', :g, :h)"), {"g": GENESIS, "h": "1" * 64})
        for sql in ("UPDATE audit_event SET username='x'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
            with pytest.raises(DBAPIError, match="hanya boleh ditambah"), engine.begin() as c:
                c.execute(text(sql))
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 1
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_editing_a_row_and_recomputing_later_hashes_is_caught_by_the_key(db: Database, org) -> None:
    ids = _ids(db)
    victim = ids[len(ids) // 2]
    con = _attacker(db)
    con.execute("UPDATE audit_event SET detail=? WHERE id=?", ('{"roles": ["operator"]}', victim))
    _recompute_from(con, victim)  # a consistent sha256 chain: what passed verify_chain before the key
    con.close()
    with db.session() as s:
        report = check_chain(s)
    assert report.first_bad == victim and "diubah" in report.problem


def test_appending_a_forged_event_is_caught_by_the_key(db: Database, org) -> None:
    con = _attacker(db)
    head = con.execute("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()[0]
    fields = ("2026-11-25 08:00:00", "kepala", "period.unlock", "period", "1", '{"reason": "-"}')
    forged = hashlib.sha256((head + _canonical(fields)).encode()).hexdigest()
    con.execute("INSERT INTO audit_event (ts, username, action, entity, entity_id, detail, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*fields, head, forged))
    forged_id = con.execute("SELECT max(id) FROM audit_event").fetchone()[0]
    con.commit()
    con.close()
    with db.session() as s:
        assert verify_chain(s) == forged_id
    # a key of the attacker's own making does not help either
    con = _attacker(db)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("DELETE FROM audit_event WHERE id=?", (forged_id,))
    import hmac

    mine = hmac.new(b"k" * 32, (head + _canonical(fields)).encode(), hashlib.sha256).hexdigest()
    con.execute("INSERT INTO audit_event (ts, username, action, entity, entity_id, detail, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*fields, head, mine))
    con.commit()
    con.close()
    with db.session() as s:
        assert verify_chain(s) == forged_id


def _report_with_anchor(db: Database, org) -> tuple[Path, tuple[int, str]]:  # type: ignore[no-untyped-def]
    lock_period(db, org.opd_id, 2026, 10)
    info = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db, 4))
    printed = re.search(r"Jejak audit: kejadian #(\d+), hash ([0-9a-f]{64})", pdf_text(info.pdf_path).replace("\n", ""))
    assert printed is not None
    return info.pdf_path, (int(printed[1]), printed[2])


def test_deleting_the_newest_rows_is_caught_by_the_anchor(db: Database, org, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _pdf, (head_id, head_hash) = _report_with_anchor(db, org)
    with db.session() as s:
        assert (head_id, head_hash) in [(a.event_id, a.hash) for a in local_anchors(s)]
        assert check_chain(s, local_anchors(s)).ok
    for _ in range(3):  # the office goes on working after the report
        with db.transaction() as s:
            audit.record(s, "operator", "correction.add", "day_record", "1")
    dbarg = ["--db", db.location, "audit-verify", "--no-central", *login_args("admin", tmp_path)]
    assert main(dbarg) == 0
    assert "Log audit utuh" in capsys.readouterr().out
    # the attacker deletes every event from the report's head on: what is left is a valid (shorter) chain
    con = _attacker(db)
    con.execute("DELETE FROM audit_event WHERE id >= ?", (head_id - 1,))
    con.commit()
    con.close()
    with db.session() as s:
        assert verify_chain(s) is None  # nothing inside the chain shows it...
        report = check_chain(s, local_anchors(s))  # ...the anchor does
    assert report.first_bad == head_id and "tidak ada lagi" in report.problem
    # audit-verify: non-zero, naming the first bad event (its login appends events after the truncation)
    assert main(dbarg) == 1
    out = capsys.readouterr().out
    assert f"kejadian #{head_id}" in out and "RUSAK" in out


def test_the_printed_head_catches_truncation_even_without_local_anchors(db: Database, org, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                          capsys) -> None:
    _pdf, (head_id, head_hash) = _report_with_anchor(db, org)
    con = _attacker(db)
    con.execute("DELETE FROM audit_event WHERE id >= ?", (head_id,))
    con.execute("UPDATE report SET audit_head_id=NULL, audit_head_hash=NULL")  # the local copy of the anchor too
    con.commit()
    con.close()
    base = ["--db", db.location, "audit-verify", "--no-central", *login_args("admin", tmp_path)]
    assert main(base) == 0  # the database alone no longer knows
    capsys.readouterr()
    assert main([*base, "--anchor", f"{head_id}:{head_hash}"]) == 1  # the number printed in the signed PDF
    assert f"kejadian #{head_id}" in capsys.readouterr().out
    assert main([*base, "--anchor", "12:bukan-hash"]) == 1
    assert "NOMOR:HASH" in capsys.readouterr().err


def test_an_anchor_that_differs_is_caught(db: Database, org) -> None:
    ids = _ids(db)
    with db.session() as s:
        good = s.get(AuditEvent, ids[-1])
        assert good is not None
        assert check_chain(s, [Anchor(good.id, good.hash, "uji")]).ok
        bad = check_chain(s, [Anchor(good.id, "0" * 64, "uji")])
    assert bad.first_bad == good.id and "berbeda" in bad.problem


def _no_keyring() -> None:
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    keyring.set_keyring(FailKeyring())  # the autouse memory_keyring fixture restores the previous backend


def test_without_a_keyring_the_key_is_opened_by_a_login(tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    _no_keyring()
    db = open_database(tmp_path / "tanpa-keyring.sqlite", clock=clock)
    try:
        with db.transaction() as s:
            create_sample_org(s, n_employees=3)
        with db.session() as s:
            wraps = s.execute(select(AuditKeyWrap)).scalars().all()
            iid = audit_key.installation_id(s)
            key = audit_key.current_key(s)
        assert len(wraps) == 4 and key is not None  # one wrap per user; the key itself is nowhere in the file
        assert key.key.hex() not in Path(db.path).read_bytes().hex()
        audit_key.forget_all()  # a new process: nothing opened yet
        with db.session() as s:
            assert audit_key.current_key(s) is None
            assert "tidak dapat dibuka" in check_chain(s).problem  # cannot vouch for what it cannot check
        with pytest.raises(audit_key.AuditKeyUnavailable), db.transaction() as s:
            audit.record(s, "operator", "x", "y")
        with pytest.raises(AuthError, match="salah"):
            login(db, "operator", "bukan-sandinya")  # counted (throttling) though it cannot be chained yet
        with db.session() as s:
            assert s.execute(select(User.failed_logins).where(User.username == "operator")).scalar_one() == 1
        login(db, "operator", DEFAULT_PASSWORD)  # the operator's wrap opens the installation's key
        with db.session() as s:
            opened = audit_key.current_key(s)
            assert opened is not None and opened.key == key.key and audit_key.installation_id(s) == iid
            assert verify_chain(s) is None
            late = s.execute(select(AuditEvent).where(AuditEvent.action == "login.failed")).scalar_one()
            assert "tertunda_sejak" in late.detail and not s.execute(select(AuditPending)).first()
        with db.transaction() as s:
            audit.record(s, "operator", "correction.add", "day_record", "1")
        with db.session() as s:
            assert verify_chain(s) is None
    finally:
        db.dispose()


def test_admin_is_warned_at_start_up_when_the_log_is_broken(qtbot, db: Database, org) -> None:  # type: ignore[no-untyped-def]
    from desktop.app import warn_admin_about_audit
    from desktop.notifications import ERROR, NotificationCenter
    from tests.gui_helpers import make_context

    class Window:
        notifications = NotificationCenter(lambda: db.clock.now())

    admin, operator = make_context(db, "admin"), make_context(db, "operator")
    assert warn_admin_about_audit(admin, Window()) is None  # type: ignore[arg-type]
    con = _attacker(db)
    con.execute("UPDATE audit_event SET username='operator' WHERE id=2")
    con.commit()
    con.close()
    window = Window()
    assert warn_admin_about_audit(operator, window) is None  # type: ignore[arg-type]
    text = warn_admin_about_audit(admin, window)  # type: ignore[arg-type]
    assert text is not None and "kejadian #2" in text
    notice = window.notifications.latest()
    assert notice is not None and notice.level == ERROR and "Log audit rusak" in notice.text


def test_each_event_is_keyed(db: Database, org) -> None:
    with db.session() as s:
        key = audit_key.current_key(s)
        first = s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().first()
    assert key is not None and first is not None and key.from_id <= first.id
    plain = hashlib.sha256((first.prev_hash + _canonical((first.ts.isoformat(sep=" "), first.username, first.action,
                                                           first.entity, first.entity_id, first.detail))).encode())
    assert first.hash != plain.hexdigest()  # not recomputable from the file alone
    assert SYSTEM_USER.has("admin")


def test_an_older_database_keeps_its_plain_rows_and_is_keyed_from_then_on(tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    """Rows written before 0007 (plain sha256) still verify; the key starts after them and seals them in."""
    db = open_database(tmp_path / "lama.sqlite", clock=clock)
    try:
        con = sqlite3.connect(db.path)
        prev = GENESIS
        for i in range(3):  # what the app wrote before the key existed
            fields = (f"2026-01-0{i + 1} 08:00:00", "operator", "import", "batch", str(i), "{}")
            digest = hashlib.sha256((prev + _canonical(fields)).encode()).hexdigest()
            con.execute("INSERT INTO audit_event (ts, username, action, entity, entity_id, detail, prev_hash, hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*fields, prev, digest))
            prev = digest
        con.commit()
        con.close()
        with db.transaction() as s:
            audit.record(s, "admin", "user.create", "user", "9")
        with db.session() as s:
            key = audit_key.current_key(s)
            assert key is not None and key.from_id == 4 and verify_chain(s) is None
        # rewriting the old part (consistently, with sha256) breaks the link into the keyed part
        con = _attacker(db)
        con.execute("UPDATE audit_event SET username='kepala' WHERE id=2")
        old = con.execute("SELECT id, ts, username, action, entity, entity_id, detail FROM audit_event WHERE id < 4 "
                          "ORDER BY id").fetchall()
        prev = GENESIS
        for rid, *fields in old:
            digest = hashlib.sha256((prev + _canonical(tuple(fields))).encode()).hexdigest()
            con.execute("UPDATE audit_event SET prev_hash=?, hash=? WHERE id=?", (prev, digest, rid))
            prev = digest
        con.commit()
        con.close()
        with db.session() as s:
            report = check_chain(s)
        assert report.first_bad == 4 and "tidak tersambung" in report.problem
    finally:
        db.dispose()
