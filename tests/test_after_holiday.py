"""Bolos usai libur panjang: TK on the first working day after >= N consecutive days off (2026 calendar, SKB)."""

from __future__ import annotations

import datetime as dt

import pytest

from services.calendar.holidays import seed_holidays
from services.calendar.schedules import seed_standard_schedules
from services.letters.register import create_letter
from services.policy.model import load_policy
from services.reconcile.after_holiday import absent_after_long_holiday
from services.reconcile.engine import recompute
from tests.cli_login import login_args
from tests.reconcile_helpers import d, punches

TODAY = dt.date(2026, 11, 25)
POLICY = load_policy("default")


@pytest.fixture
def cal(db, org):
    with db.transaction() as s:
        seed_standard_schedules(s, date_from=d("2026-01-01"))
        seed_holidays(s, [2026])
    return org


def compute(db, *months: int) -> None:
    with db.transaction() as s:
        for m in months:
            recompute(s, 2026, m, POLICY, today=TODAY)


def test_first_working_day_after_idul_fitri_and_cuti_bersama(db, cal):
    absent, present, on_leave = cal.employee_ids[:3]
    with db.transaction() as s:
        punches(s, present, "2026-03-25 07:20:00", "2026-03-25 16:05:00")
        punches(s, absent, "2026-03-09 07:20:00", "2026-03-09 16:05:00")  # Monday after an ordinary weekend
        create_letter(s, "operator", "CT", "800/5/2026", d("2026-03-10"), d("2026-03-25"), d("2026-03-25"), [on_leave],
                      policy=POLICY, today=TODAY)
    compute(db, 3)
    with db.session() as s:
        rows = absent_after_long_holiday(s, cal.opd_id, 2026, 3, 3)
    by_emp = {r.employee_id: r for r in rows}
    # 18 Mar cuti bersama, 19 Nyepi, 20 cuti bersama, 21-22 Idul Fitri (weekend), 23-24 cuti bersama: 7 days
    r = by_emp[absent]
    assert (r.date, r.off_from, r.off_to, r.off_days) == (d("2026-03-25"), d("2026-03-18"), d("2026-03-24"), 7)
    assert "Idul Fitri" in r.holidays and "Cuti bersama" in r.holidays
    assert present not in by_emp and on_leave not in by_emp  # present / covered by a letter
    assert {r.date for r in rows} == {d("2026-03-25")}  # an ordinary weekend (2 days) is not a long holiday
    assert len(rows) == len(cal.employee_ids) - 2


def test_threshold_is_policy_data_and_runs_cross_months(db, cal):
    compute(db, 1, 5, 6)
    with db.session() as s:
        # 16 Jan (Isra Mi'raj, Friday) + weekend = exactly 3 days off; Monday 19 Jan is the first working day
        jan3 = {r.date for r in absent_after_long_holiday(s, cal.opd_id, 2026, 1, 3)}
        jan4 = {r.date for r in absent_after_long_holiday(s, cal.opd_id, 2026, 1, 4)}
        june = absent_after_long_holiday(s, cal.opd_id, 2026, 6, 3)
        may = absent_after_long_holiday(s, cal.opd_id, 2026, 5, 3)
    assert jan3 == {d("2026-01-19")} and jan4 == set()
    # Sat 30 May, Sun 31 May (Waisak), Mon 1 Jun (Hari Lahir Pancasila): the run starts in May, counts in June
    assert {(r.date, r.off_from, r.off_days) for r in june} == {(d("2026-06-02"), d("2026-05-30"), 3)}
    assert d("2026-06-02") not in {r.date for r in may}
    assert POLICY.discipline.long_holiday_min_days == 3


def test_cli_lists_them(db, cal, capsys, tmp_path):
    from services.cli import main

    compute(db, 1)
    login = login_args("operator", tmp_path)
    assert main(["--db", db.location, "bolos-libur-panjang", "2026-01", *login]) == 0
    out = capsys.readouterr().out
    assert "Januari 2026" in out and f"{len(cal.employee_ids)} pegawai-hari" in out and "19-01-2026" in out
    assert main(["--db", db.location, "bolos-libur-panjang", "2026-01", "--min-hari", "4", *login]) == 0
    assert "0 pegawai-hari" in capsys.readouterr().out


def test_rekonsiliasi_screen_has_the_tab(qtbot, db, cal):  # type: ignore[no-untyped-def]
    from desktop.views.reconcile import ReconcileView
    from tests.gui_helpers import make_context

    compute(db, 1)
    view = ReconcileView(make_context(db, "operator"))
    qtbot.addWidget(view)
    view.period.set_value(2026, 1)
    view.refresh()
    assert view.tabs.tabText(2) == f"Bolos usai libur panjang ({len(cal.employee_ids)})"
    assert view.after_holiday.model.rowCount() == len(cal.employee_ids)
    assert "Senin 19-01-2026" in view.after_holiday.model.index(0, 0).data()
