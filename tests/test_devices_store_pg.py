"""The bulk punch store on PostgreSQL (the multi-PC OPD store): the same Core statements, chosen by dialect."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from services.clock import FrozenClock
from services.demo.sample_org import create_sample_org
from services.devices.emulator_state import DeviceState
from services.devices.fastparse import decode_log
from services.devices.plausible import device_bounds
from services.devices.punches import insert_punches, store_decoded, store_punches
from services.store.models import Base, ImportBatch, Punch, PunchQuarantine

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_session(pg_admin_url: str) -> Iterator[sessionmaker[Session]]:
    name = f"presensi_devices_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    clock = FrozenClock("2026-11-25 08:00")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"),
                           execution_options={"office_clock": lambda: clock})
    try:
        Base.metadata.create_all(engine)
        yield sessionmaker(engine, expire_on_commit=False)
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_bulk_insert_and_quarantine_on_postgresql(pg_session: sessionmaker[Session]) -> None:
    clock = FrozenClock("2026-11-25 08:00")
    state = DeviceState(serial="PG-SN-1", clock=clock)
    state.generate(12, 3000, seed=9)
    state.add_invalid_date_record("3")
    blob = state.log_blob()
    log = decode_log(blob, 40, {}, device_bounds(clock, "Asia/Jakarta"))
    with pg_session.begin() as s:
        create_sample_org(s, n_employees=12, with_users=False)
        batch = ImportBatch(kind="device", source="PG-SN-1")
        s.add(batch)
        s.flush()
        out = store_decoded(s, source="device", serial="PG-SN-1", tz="Asia/Jakarta", batch_id=batch.id, log=log)
    assert (out.new, out.duplicate, out.quarantined) == (3000, 0, 1)
    assert out.newest is not None and out.newest.year == 2026
    with pg_session.begin() as s:  # the same log again: all duplicates, quarantine unchanged
        again = store_decoded(s, source="device", serial="PG-SN-1", tz="Asia/Jakarta", batch_id=None, log=log)
        text_rows = insert_punches(s, source="usb", serial="PG-SN-1", tz="Asia/Jakarta", batch_id=batch.id,
                                   rows=[("1", "2026-03-02 07:00:00.000000", 0, 1)])
        pushed = store_punches(s, source="push", serial="PUSH-1", tz="Asia/Jakarta", batch_id=None, clock=clock,
                               punches=[("2", dt.datetime(2026, 11, 25, 7, 0), 0, 1), ("2", dt.datetime(2099, 1, 1), 0, 1)])
    assert (again.new, again.duplicate, again.quarantined, again.quarantined_again) == (0, 3000, 0, 1)
    assert text_rows == 1 and (pushed.new, pushed.quarantined) == (1, 1)
    with pg_session() as s:
        assert s.execute(select(func.count()).select_from(Punch)).scalar_one() == 3002
        assert s.execute(select(func.count()).select_from(Punch).where(Punch.employee_id.is_not(None))).scalar_one() > 2500
        assert {r for (r,) in s.execute(select(PunchQuarantine.reason))} == {"invalid_date", "far_future"}
