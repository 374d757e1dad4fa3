"""Mobile records the policy does not accept: uploaded after the deadline (Kotim: the 10th of the next month)
and made by an app older than the minimum version from its effective date (Kotim: i-Personal, 1 April 2025).
Hand-computed boundaries through the real importer and the real engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.calendar.holidays import seed_holidays
from services.calendar.schedules import seed_standard_schedules
from services.letters.register import create_letter
from services.mobile.importer import import_bundle
from services.policy.model import Policy, load_policy, version_key
from services.reconcile.engine import recompute
from services.reconcile.grid import month_grid
from services.store.models import Employee, Opd, Punch
from tests.mobile_fixtures import COLUMNS, csv_text, row, write_zip
from tests.reconcile_helpers import d, punch, record

TODAY = dt.date(2026, 11, 25)
TPP_LINES = '''

# a region's own file states its deduction base (services/policy/model.py load_policy)
[tpp]
deduction_base = "tpp"
[sources.tpp]
deduction_base = "Uji: asumsi"
'''
KOTIM = load_policy("kotawaringin_timur")


def policy_file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "wilayah.toml"
    p.write_text(text + TPP_LINES, encoding="utf-8")
    return p


@pytest.fixture
def cal(db, org):
    with db.transaction() as s:
        seed_standard_schedules(s, date_from=d("2025-01-01"))
        seed_holidays(s, [2025, 2026])
    return org


def mobile_day(s, emp: int, day: str, uploaded: str | None, version: str | None = None) -> None:
    for t in ("07:20:00", "16:05:00"):
        p = punch(s, emp, f"{day} {t}", source="mobile")
        p.uploaded_at = None if uploaded is None else dt.datetime.fromisoformat(uploaded)
        p.app_version = version


def run(db, policy: Policy, year: int, month: int) -> None:
    with db.transaction() as s:
        recompute(s, year, month, policy, today=TODAY)


def test_upload_deadline_boundary_is_the_10th_of_the_next_month(db, cal):
    e = cal.employee_ids[0]
    with db.transaction() as s:
        mobile_day(s, e, "2026-01-06", "2026-02-10 23:59:59")  # last valid second
        mobile_day(s, e, "2026-01-07", "2026-02-11 00:00:00")  # one second late: not valid attendance
        mobile_day(s, e, "2026-01-08", "2026-01-08 16:06:00")  # uploaded at once
        mobile_day(s, e, "2026-01-12", "2026-03-01 08:00:00")  # late, but a letter (DL) covers the day
        create_letter(s, "operator", "DL", "090/12/2026", d("2026-01-09"), d("2026-01-12"), d("2026-01-12"), [e],
                      policy=KOTIM, today=TODAY)
    run(db, KOTIM, 2026, 1)
    with db.session() as s:
        assert record(s, e, "2026-01-06").status == "H"
        r = record(s, e, "2026-01-07")
        assert (r.status, r.check_in, "late_upload" in r.flags) == ("TK", None, True)
        assert record(s, e, "2026-01-08").status == "H"
        assert record(s, e, "2026-01-12").status == "DL"
        row_ = next(x for x in month_grid(s, cal.opd_id, 2026, 1).rows if x.employee_id == e)
        assert "melewati batas unggah" in row_.cells[6].tooltip  # type: ignore[union-attr]  # the grid says why


def test_december_records_have_until_10_january(db, cal):
    e = cal.employee_ids[0]
    with db.transaction() as s:
        mobile_day(s, e, "2025-12-30", "2026-01-10 23:59:59")
        mobile_day(s, e, "2025-12-31", "2026-01-11 00:00:01")
    run(db, KOTIM, 2025, 12)
    with db.session() as s:
        assert (record(s, e, "2025-12-30").status, record(s, e, "2025-12-31").status) == ("H", "TK")


def test_late_upload_consequence_is_policy_data(db, cal, tmp_path):
    lenient = load_policy(policy_file(tmp_path, 'base = "kotawaringin_timur"\n[mobile]\n'
                                                'late_upload_consequence = "sah"\nlate_upload_deadline_day = 5\n'))
    e = cal.employee_ids[0]
    with db.transaction() as s:
        mobile_day(s, e, "2026-01-07", "2026-02-11 00:00:00")
    run(db, lenient, 2026, 1)
    with db.session() as s:
        assert record(s, e, "2026-01-07").status == "H"
    strict5 = load_policy(policy_file(tmp_path, 'base = "kotawaringin_timur"\n[mobile]\nlate_upload_deadline_day = 5\n'))
    with db.transaction() as s:
        mobile_day(s, e, "2026-01-08", "2026-02-05 23:59:59")
        mobile_day(s, e, "2026-01-09", "2026-02-06 00:00:00")
    run(db, strict5, 2026, 1)
    with db.session() as s:
        assert [record(s, e, f"2026-01-0{n}").status for n in (7, 8, 9)] == ["TK", "H", "TK"]


def test_version_order_is_numeric():
    assert version_key("2.10") > version_key("2.9") and version_key("2.4.0") == version_key("2.4")
    assert version_key("v3.1.0-beta") == version_key("3.1")


def test_old_app_version_counts_as_no_record_from_the_effective_date(db, cal, tmp_path):
    pol = load_policy(policy_file(tmp_path, 'base = "kotawaringin_timur"\n[mobile]\nmin_app_version = "2.4.0"\n'))
    assert pol.mobile.min_app_version_from == d("2025-04-01")  # from the Kotim preset
    e = cal.employee_ids[0]
    with db.transaction() as s:
        # 31 Mar - 7 Apr 2025 are Idul Fitri holidays and cuti bersama: 8 Apr is the first working day from 1 April
        mobile_day(s, e, "2025-03-27", "2025-03-27 16:06:00", "2.3.9")  # before the date: still valid
        mobile_day(s, e, "2025-04-08", "2025-04-08 16:06:00", "2.3.9")  # from 1 April: no record
        mobile_day(s, e, "2025-04-09", "2025-04-09 16:06:00", "2.4.0")  # the minimum itself is enough
        mobile_day(s, e, "2025-04-10", "2025-04-10 16:06:00", "2.10.1")
        mobile_day(s, e, "2025-04-11", "2025-04-11 16:06:00", None)  # no version reported: not judged
        punch(s, e, "2025-04-14 07:20:00")  # fingerprint device: versions do not apply
        punch(s, e, "2025-04-14 16:05:00")
    run(db, pol, 2025, 3)
    run(db, pol, 2025, 4)
    with db.session() as s:
        assert record(s, e, "2025-03-27").status == "H"
        r = record(s, e, "2025-04-08")
        assert (r.status, "old_app_version" in r.flags) == ("TK", True)
        assert [record(s, e, f"2025-04-{n}").status for n in ("09", "10", "11", "14")] == ["H"] * 4
        row_ = next(x for x in month_grid(s, cal.opd_id, 2025, 4).rows if x.employee_id == e)
        assert "versi lama" in row_.cells[7].tooltip  # type: ignore[union-attr]
    run(db, KOTIM, 2025, 4)  # the preset names no version number yet: nothing is judged
    with db.session() as s:
        assert record(s, e, "2025-04-08").status == "H"


def test_bundle_carries_app_version_and_import_flags_it(db, cal, tmp_path):
    with db.transaction() as s:
        s.get(Opd, cal.opd_id).policy_preset = str(policy_file(
            tmp_path, 'base = "kotawaringin_timur"\n[mobile]\nmin_app_version = "2.4.0"\nselfie_required = false\n'))
        nip = s.get(Employee, cal.employee_ids[0]).nip
    rows = [{**row(nip, "2026-03-03 07:20:00", uploaded="2026-03-03 07:21:00"), "versi_aplikasi": "2.3.1"},
            {**row(nip, "2026-03-03 16:05:00", uploaded="2026-03-03 16:06:00"), "versi_aplikasi": "2.4.1"}]
    path = write_zip(tmp_path / "b.zip", {"presensi.csv": csv_text(rows, COLUMNS + ["versi_aplikasi"])})
    result = import_bundle(db, path, now=dt.datetime(2026, 3, 4, 8, 0))
    assert result.new == 2 and result.flags["old_app_version"] == 1
    with db.session() as s:
        stored = {p.app_version: p.flags for p in s.query(Punch).filter(Punch.source == "mobile")}
    assert set(stored) == {"2.3.1", "2.4.1"}
    assert "old_app_version" in stored["2.3.1"] and "old_app_version" not in stored["2.4.1"]
    bad = [{**row(nip, "2026-03-04 07:20:00"), "versi_aplikasi": "terbaru"}]
    path = write_zip(tmp_path / "c.zip", {"presensi.csv": csv_text(bad, COLUMNS + ["versi_aplikasi"])})
    with pytest.raises(Exception, match="baris 2.*versi"):
        import_bundle(db, path, now=dt.datetime(2026, 3, 4, 8, 0))
