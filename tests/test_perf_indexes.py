"""Migration 0009_perf_indexes: the month-wide reads use the new indexes, and the dashboard's review count
(which names the partial index's condition) gives the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from services.org.queries import dashboard_facts
from services.store.models import Base, DayRecord, Employee, Opd, Punch

TODAY = dt.date(2026, 11, 23)


def _rows(employee_ids: list[int]) -> list[dict]:
    rows = []
    for k, emp in enumerate(employee_ids):
        for day in range(1, 24):
            d = dt.date(2026, 11, day)
            status = "TK" if (k + day) % 7 == 0 else "LIBUR" if d.weekday() >= 5 else "H"
            flags = "no_checkout" if (k + day) % 5 == 0 else "outside_geofence" if (k + day) % 11 == 0 else \
                "cuti_bersama" if (k + day) % 13 == 0 else ""
            rows.append({"employee_id": emp, "date": d, "status": status, "working_day": status != "LIBUR",
                         "flags": flags, "corrected": (k + day) % 17 == 0})
    return rows


def _plan(session: Session, sql: str, params: dict) -> str:
    return " ".join(str(r[-1]) for r in session.execute(text("EXPLAIN QUERY PLAN " + sql), params))


@pytest.mark.sqlite_only  # reads SQLite's EXPLAIN QUERY PLAN
def test_month_reads_use_the_new_indexes(db, org) -> None:
    with db.session() as s:
        plan = _plan(s, "SELECT employee_id, group_concat(ts, '|') FROM punch WHERE employee_id IS NOT NULL "
                        "AND ts >= :a AND ts < :b GROUP BY employee_id", {"a": "2026-11-01", "b": "2026-12-02"})
        assert "ix_punch_ts_employee" in plan
        plan = _plan(s, "SELECT count(*) FROM punch WHERE ts >= :a AND ts < :b", {"a": "2026-11-23", "b": "2026-11-24"})
        assert "ix_punch_ts_employee" in plan
        from services.store.models import OUTSIDE_GEOFENCE

        plan = _plan(s, f"SELECT p.employee_id, p.ts FROM punch p WHERE p.employee_id IS NOT NULL AND p.ts >= :a "
                        f"AND p.ts < :b AND {OUTSIDE_GEOFENCE}", {"a": "2026-11-01", "b": "2026-12-02"})
        assert "ix_punch_outside_geofence" in plan
    with db.transaction() as s:
        s.execute(insert(DayRecord), _rows(org.employee_ids))
    with db.session() as s:
        from services.store.models import REVIEW_SQLITE

        plan = _plan(s, f"SELECT count(*) FROM day_record WHERE {REVIEW_SQLITE} AND date >= :a AND date <= :b",
                     {"a": "2026-11-01", "b": "2026-11-23"})
        assert "ix_day_record_review" in plan


def _expected_review(rows: list[dict]) -> int:
    review = ("no_checkin", "no_checkout", "outside_geofence", "selfie_rejected", "manipulation")
    return sum(1 for r in rows if not r["corrected"] and (r["status"] == "TK" or any(f in r["flags"] for f in review)))


def test_dashboard_review_count_sqlite(db, org) -> None:
    rows = _rows(org.employee_ids)
    with db.transaction() as s:
        s.execute(insert(DayRecord), rows)
        s.add(Punch(source="device", source_serial="SN", pin="1", ts=dt.datetime(2026, 11, 23, 7, 1),
                    employee_id=org.employee_ids[0]))
    with db.session() as s:
        f = dashboard_facts(s, org.opd_id, TODAY)
    assert f.to_review == _expected_review(rows) > 0
    assert (f.punches_today, f.present_today) == (1, 1)


@pytest.mark.postgres
def test_dashboard_review_count_postgresql(pg_admin_url: str) -> None:
    name = f"presensi_idx_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(pg_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}")
    try:
        Base.metadata.create_all(engine)  # the models carry the same partial index (postgresql_where)
        with Session(engine) as s:
            s.add(Opd(id=1, code="X", name="Dinas X"))
            s.flush()
            s.execute(insert(Employee), [{"id": i, "opd_id": 1, "nip": f"N{i}", "name": f"P {i}", "kind": "PNS"}
                                         for i in range(1, 13)])
            rows = _rows(list(range(1, 13)))
            s.execute(insert(DayRecord), rows)
            s.flush()
            indexes = {r[0] for r in s.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'day_record'"))}
            assert "ix_day_record_review" in indexes
            assert dashboard_facts(s, 1, TODAY).to_review == _expected_review(rows) > 0
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
