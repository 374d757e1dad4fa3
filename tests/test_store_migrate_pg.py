"""SQLite → PostgreSQL: `presensi-opd db-migrate --to postgresql://…` on the 300-employee demo OPD.

Every table arrives with the same rows, the audit chain verifies on the copy (rows are copied verbatim,
so it holds whatever the chain's scheme), the sequences continue after the copied ids, and the month
recomputed on PostgreSQL equals the month computed on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from services.auth.audit import chain_head, verify_chain
from services.auth.users import authenticate
from services.cli import main
from services.clock import FrozenClock
from services.demo.build import build_demo
from services.demo.sample_org import DEFAULT_PASSWORD
from services.reconcile.engine import recompute_month
from services.store.db import Database, open_database
from services.store.models import AuditEvent, DayRecord, Opd
from services.store.transfer import count_rows
from tests import stores
from tests.cli_login import login_args

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
NOW = FrozenClock("2026-11-20 10:00")


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "presensi.sqlite"
    build_demo(path, 300, 1, clock=NOW, with_central=False)
    return path


@pytest.fixture
def empty_pg(pg_admin_url: str) -> Iterator[str]:
    name = f"presensi_migr_{stores.os.getpid()}"
    stores.drop_database(name)
    stores._admin_exec(f'CREATE DATABASE "{name}"')
    try:
        yield stores.db_url(name)
    finally:
        stores.drop_database(name)


def _days(db: Database) -> list[tuple[object, ...]]:
    with db.session() as s:
        return [tuple(r) for r in s.execute(select(DayRecord.employee_id, DayRecord.date, DayRecord.status,
                                                   DayRecord.check_in, DayRecord.check_out, DayRecord.late_minutes,
                                                   DayRecord.tl_tier, DayRecord.apel, DayRecord.flags,
                                                   DayRecord.corrected)
                                            .order_by(DayRecord.employee_id, DayRecord.date))]


def test_demo_opd_moves_to_postgresql_whole(demo_sqlite: Path, empty_pg: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(demo_sqlite), "db-migrate", "--to", empty_pg, *login_args("admin", tmp_path)], clock=NOW) == 0
    out = capsys.readouterr().out
    assert "rantai audit utuh" in out and "BERBEDA" not in out
    src = open_database(demo_sqlite, clock=NOW)
    dst = open_database(empty_pg, clock=NOW, files_root=tmp_path)
    try:
        source, target = count_rows(src), count_rows(dst)
        assert source == target
        assert source["employee"] == 300 and source["punch"] > 1000 and source["audit_event"] > 10
        with src.session() as a, dst.session() as b:
            assert verify_chain(b) is None and chain_head(a) == chain_head(b)
            opd_id = b.execute(select(Opd.id)).scalar_one()
        stored = _days(src)
        assert _days(dst) == stored  # copied rows compare equal through both drivers
        # the month recomputed by the PostgreSQL engine path equals what SQLite computed
        month = max(d for _, d, *_ in stored)
        with dst.transaction() as s:
            s.execute(DayRecord.__table__.delete())
        recompute_month(dst, opd_id, month.year, month.month, today=NOW.today())
        again = _days(dst)
        assert again == [r for r in stored if (r[1].year, r[1].month) == (month.year, month.month)]
        # the copy is a working OPD store: new rows get fresh ids after the copied ones, log-ins are audited
        with dst.transaction() as s:
            authenticate(s, "admin", DEFAULT_PASSWORD)
        with dst.session() as s:
            assert verify_chain(s) is None
            assert s.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalars().first() \
                == source["audit_event"] + 1
    finally:
        src.dispose()
        dst.dispose()
    # a second migration into the now filled database is refused, nothing changes
    assert main(["--db", str(demo_sqlite), "db-migrate", "--to", empty_pg, *login_args("admin", tmp_path)], clock=NOW) == 1
    assert "tidak kosong" in capsys.readouterr().err
