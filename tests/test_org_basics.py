from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.auth import audit
from services.auth.users import AuthError, authenticate
from services.demo.sample_org import DEFAULT_PASSWORD
from services.org.nip import NipError, parse_nip
from services.store.models import AuditEvent, Employee


def test_sample_org_has_valid_nips(db, org):
    with db.session() as s:
        emps = s.execute(select(Employee)).scalars().all()
        assert len(emps) == 12
        for e in emps:
            info = parse_nip(e.nip, e.kind)
            assert info.gender == e.gender


@pytest.mark.parametrize(
    "nip,kind,fragment",
    [
        ("19850312201003100", "PNS", "18 digit"),
        ("198502302010031001", "PNS", "tanggal lahir"),
        ("198503122010131001", "PNS", "bulan TMT"),
        ("198503122010033001", "PNS", "jenis kelamin"),
        ("198503122010031000", "PNS", "nomor urut"),
        ("199001022018212005", "PPPK", "PPPK pertama"),
    ],
)
def test_bad_nip_messages(nip, kind, fragment):
    with pytest.raises(NipError, match=fragment):
        parse_nip(nip, kind)


@pytest.mark.sqlite_only  # drops the SQLite trigger by its SQLite name (PostgreSQL has its own guard, audit_guard)
def test_login_and_audit_chain(db, org):
    with db.transaction() as s:
        user = authenticate(s, "kepala", DEFAULT_PASSWORD)
        assert user.has("signer") and "admin" not in user.roles
        with pytest.raises(AuthError):
            authenticate(s, "kepala", "salah")
    with db.transaction() as s:
        assert audit.verify_chain(s) is None
        n = s.execute(select(func.count(AuditEvent.id))).scalar()
        assert n >= 5
        ev = s.execute(select(AuditEvent).order_by(AuditEvent.id).offset(2).limit(1)).scalar_one()
        s.connection().exec_driver_sql("DROP TRIGGER audit_event_no_update")  # an attacker with a SQLite tool
        ev.detail = '{"tampered": true}'
    with db.session() as s:
        assert audit.verify_chain(s) == ev.id


def test_dashboard_counts_days_to_review_and_last_month_deadline(db, org):
    import datetime as dt

    from services.org.queries import dashboard_facts
    from services.store.models import DayRecord, Period

    today = dt.date(2026, 11, 23)
    e1, e2, e3 = org.employee_ids[:3]
    with db.transaction() as s:
        s.add_all([
            DayRecord(employee_id=e1, date=dt.date(2026, 11, 2), status="TK"),
            DayRecord(employee_id=e2, date=dt.date(2026, 11, 3), status="H", flags="no_checkout"),
            DayRecord(employee_id=e3, date=dt.date(2026, 11, 3), status="H", flags="no_checkout", corrected=True),
            DayRecord(employee_id=e3, date=dt.date(2026, 11, 4), status="H"),
            DayRecord(employee_id=e1, date=dt.date(2026, 10, 30), status="TK"),  # last month: not counted
            Period(opd_id=org.opd_id, year=2026, month=10, status="submitted"),
        ])
    with db.session() as s:
        f = dashboard_facts(s, org.opd_id, today)
    assert f.to_review == 2
    assert (f.last_month, f.last_month_status, f.report_deadline) == ((2026, 10), "submitted", dt.date(2026, 11, 10))
