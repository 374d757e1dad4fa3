"""The PP 94 year summary computed in one SQL aggregate gives what the day-by-day rule gives.

Reference = the day lines of every employee through ``longest_tk_run`` and plain sums (the path the
summary took before issue 14), on a random year with TK runs across weekends and holidays, TK on days
off, missing days, late minutes on weekend work; on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from services.policy.discipline import (
    _day_records_of,
    _year_facts,
    discipline_for_employee,
    discipline_summary,
    longest_tk_run,
)
from services.policy.model import load_policy
from services.policy.tpp import load_day_lines
from services.store.models import Base, DayRecord, Employee, Opd

YEAR = 2026
POLICY = load_policy("kotawaringin_timur")


def _random_year(employee_ids: list[int], seed: int = 4, years: tuple[int, ...] = (YEAR,)) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for k, emp in enumerate(employee_ids):
        habit = rnd.random()
        d = dt.date(min(years), 1, 1)
        while d.year <= max(years):
            x = rnd.random()
            if x < 0.02:  # no record that day at all
                d += dt.timedelta(days=1)
                continue
            if d.weekday() >= 5 or x < 0.05:
                status, working = ("TK", False) if x > 0.98 else ("H", False) if x > 0.96 else ("LIBUR", False)
            elif k % 4 == 1 and ((d.month, d.day) >= (12, 15) or (d.month, d.day) <= (1, 12)):
                status, working = "TK", True  # runs across the year ends
            elif habit > 0.7 and rnd.random() < 0.3:
                status, working = "TK", True  # habitual absentee: runs of TK
            else:
                status = rnd.choice(["H"] * 20 + ["TK", "CT", "DL", "S", "I"])
                working = True
            rows.append({"employee_id": emp, "date": d, "status": status, "working_day": working,
                         "late_minutes": rnd.choice([0, 0, 5, 40]) if status == "H" else rnd.choice([0, 7]),
                         "early_minutes": rnd.choice([0, 0, 12]), "tl_tier": 0, "psw_tier": 0, "flags": ""})
            d += dt.timedelta(days=1)
    return rows


def _reference(session: Session, ids: list[int], end: dt.date, run_end: dt.date | None = None) -> dict[int, tuple]:
    """Every employee's lines (a year before to ``run_end``) through the rule's own day-by-day functions."""
    start = dt.date(YEAR, 1, 1)
    lines = load_day_lines(session, ids, start - dt.timedelta(days=366), run_end or end)
    out = {}
    for e in ids:
        ls = lines.get(e, [])
        year = [ln for ln in ls if start <= ln.date <= end]
        tk = sum(1 for ln in year if ln.status == "TK" and ln.working_day)
        late = sum(ln.late_minutes for ln in year if ln.status == "H")
        early = sum(ln.early_minutes for ln in year if ln.status == "H")
        out[e] = (tk, late, early, *longest_tk_run(ls, within=(start, end)))
    return out


def test_year_summary_matches_the_day_by_day_rule(db, org) -> None:
    ids = org.employee_ids
    with db.transaction() as s:
        s.execute(insert(DayRecord), _random_year(ids, years=(YEAR - 1, YEAR, YEAR + 1)))
    with db.session() as s:
        for as_of in (None, dt.date(YEAR, 6, 17), dt.date(YEAR + 1, 2, 3)):
            end = min(as_of or dt.date(YEAR, 12, 31), dt.date(YEAR, 12, 31))
            ref = _reference(s, ids, end, as_of or dt.date(YEAR + 1, 12, 31))
            rows = discipline_summary(s, org.opd_id, YEAR, POLICY, as_of=as_of)
            assert {r.employee_id for r in rows} == set(ids)
            assert max(v[3] for v in ref.values()) >= 3  # the data has real runs
            if as_of is None:  # ... and runs across the year's ends
                assert any((v[4] and v[4].year < YEAR) or (v[5] and v[5].year > YEAR) for v in ref.values())
            for r in rows:
                assert (r.tk_days, r.late_minutes, r.early_minutes, r.longest_run, r.run_start, r.run_end) == \
                    ref[r.employee_id], r.name
            one = discipline_for_employee(s, org.opd_id, ids[3], YEAR, POLICY, as_of=as_of)
            assert one == next(r for r in rows if r.employee_id == ids[3])


@pytest.fixture
def pg_session(pg_admin_url: str) -> Iterator[Session]:
    name = f"presensi_disc_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        Base.metadata.create_all(engine)
        with sessionmaker(engine)() as s:
            yield s
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_year_facts_on_postgresql(pg_session: Session) -> None:
    s = pg_session
    s.add(Opd(id=1, code="X", name="Dinas X"))
    s.flush()
    s.execute(insert(Employee), [{"id": i, "opd_id": 1, "nip": f"N{i}", "name": f"P {i}", "kind": "PNS"}
                                 for i in range(1, 31)])
    s.execute(insert(DayRecord), _random_year(list(range(1, 31)), seed=9))
    s.flush()
    facts = _year_facts(s, _day_records_of(1, None), dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
    ref = _reference(s, list(range(1, 31)), dt.date(YEAR, 12, 31))  # one year only: no run goes beyond it
    assert {e: (f.tk, f.late, f.early, f.run, f.run_start, f.run_end) for e, f in facts.items()} == ref
