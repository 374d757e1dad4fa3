"""Several Umpeg PCs on one PostgreSQL OPD database: real OS processes editing the same month at once.

Each child (tests/multi_pc_worker.py) is a separate Python process with its own engine, as two PCs are.
No write may be lost: an edit made from a stale view is refused with ConflictError, a month locked by
one PC is refused by the other from the lock's commit on, and the audit chain stays one chain.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.auth.audit import verify_chain
from services.calendar.schedules import seed_standard_schedules
from services.clock import FrozenClock
from services.demo.sample_org import create_sample_org
from services.letters.register import create_letter
from services.reconcile.engine import recompute_month
from services.store.db import Database, open_database
from services.store.models import AuditEvent, Correction, Letter
from tests import stores
from tests.childenv import ROOT, child_env
from tests.multi_pc_worker import DAY

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(pg_admin_url: str, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    template = stores.create_template()
    name = stores.fresh_pg_database(template)
    stores.drop_database(template)
    url = stores.db_url(name)
    db = open_database(url, clock=FrozenClock("2026-02-10 09:00"), files_root=tmp_path)
    # Several PCs share no keyring: the audit key is set up wrapped under each user's password (no keyring
    # here either), so a log-in on any PC opens it (services.auth.audit_key).
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        with db.transaction() as s:
            org = create_sample_org(s, n_employees=6)
            seed_standard_schedules(s)
        recompute_month(db, org.opd_id, 2026, 1)  # a month is locked only once it is computed to its end
    finally:
        keyring.set_keyring(previous)
    try:
        yield db, url
    finally:
        db.dispose()
        stores.drop_database(name)


def _run_pcs(url: str, tmp_path: Path, jobs: list[tuple[str, str, int]]) -> list[dict[str, object]]:
    start = tmp_path / "start"
    procs = [subprocess.Popen([sys.executable, "-m", "tests.multi_pc_worker", url, mode, name, str(rounds), str(start)],
                              cwd=ROOT, env=child_env(PRESENSI_OPD_FILES_DIR=str(tmp_path),
                                                      PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for mode, name, rounds in jobs]
    start.touch()  # both "PCs" begin together
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def test_two_pcs_correcting_the_same_day_never_lose_a_write(shared: tuple[Database, str], tmp_path: Path) -> None:
    db, url = shared
    a, b = _run_pcs(url, tmp_path, [("correct", "PC-A", 25), ("correct", "PC-B", 25)])
    assert a["ok"] + a["conflict"] == 25 and b["ok"] + b["conflict"] == 25
    with db.session() as s:
        rows = list(s.execute(select(Correction.id, Correction.active, Correction.reason).order_by(Correction.id)))
        audited = s.execute(select(func.count()).select_from(AuditEvent)
                            .where(AuditEvent.action == "correction.add")).scalar_one()
        assert verify_chain(s) is None  # one chain, no fork, whatever order the two PCs appended in
    # every save that was reported as saved is stored and audited; every refused one left nothing
    assert len(rows) == a["ok"] + b["ok"] == audited
    assert [r.active for r in rows].count(True) == 1 and rows[-1].active  # the last saved one is in force
    assert {r.reason.split()[0] for r in rows} <= {"PC-A", "PC-B"}


def test_two_pcs_editing_one_letter_refuse_the_stale_edit(shared: tuple[Database, str], tmp_path: Path) -> None:
    db, url = shared
    with db.transaction() as s:
        emp_ids = [e for (e,) in s.execute(select(Letter.id))] or None  # no letters yet
        assert emp_ids is None
        from services.store.models import Employee

        ids = [e for (e,) in s.execute(select(Employee.id).order_by(Employee.id).limit(2))]
        create_letter(s, "operator", "DL", "800/1/2026", DAY, DAY, DAY, ids)
    a, b = _run_pcs(url, tmp_path, [("letter", "PC-A", 20), ("letter", "PC-B", 20)])
    with db.session() as s:
        version = s.execute(select(Letter.version)).scalar_one()
        updates = s.execute(select(func.count()).select_from(AuditEvent)
                            .where(AuditEvent.action == "letter.update")).scalar_one()
        assert verify_chain(s) is None
    assert a["ok"] + a["conflict"] == 20 and b["ok"] + b["conflict"] == 20
    assert version == 1 + a["ok"] + b["ok"] == 1 + updates  # each saved edit moved the version exactly once


def test_a_month_locked_on_one_pc_is_refused_on_the_other_at_once(shared: tuple[Database, str],
                                                                  tmp_path: Path) -> None:
    db, url = shared
    # PC-A corrects until it has been refused three times; PC-B locks the month once PC-A saved some
    editor, _locker = _run_pcs(url, tmp_path, [("correct", "PC-A-until-locked", 2000), ("lock", "PC-B", 100)])
    assert editor["locked"] == 3 and editor["ok"] >= 3  # edits before the lock saved, those after refused
    with db.session() as s:
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(
            AuditEvent.action.in_(["correction.add", "period.lock"])).order_by(AuditEvent.id))]
        assert verify_chain(s) is None
    # in commit order: no correction of the month was saved after the lock committed
    assert actions.count("period.lock") == 1 and "correction.add" not in actions[actions.index("period.lock"):]
    assert actions.count("correction.add") == editor["ok"]
