"""The monthly report shows each employee's deduction arithmetic in an appendix; the stored summary keeps the lines."""

from __future__ import annotations

import datetime as dt
import json

from services.central.bundle import summary_rows
from services.policy.model import load_policy
from services.policy.tpp import month_recap
from services.reports.monthly import generate_monthly_report
from services.store.models import DayRecord, Employee, Report
from tests.report_fixtures import lock_period, pdf_pages, pdf_text, user

D = dt.date


def test_report_appendix_and_stored_lines(db, org) -> None:
    emp_id = org.employee_ids[1]
    with db.transaction() as s:
        emp = s.get(Employee, emp_id)
        emp.tpp_base = 4_000_000
        name, nip = emp.name, emp.nip
        s.add(DayRecord(employee_id=emp_id, date=D(2026, 10, 5), status="H", working_day=True, tl_tier=2, apel=False))
        s.add(DayRecord(employee_id=emp_id, date=D(2026, 10, 6), status="TK", working_day=True))
    with db.session() as s:
        rows = month_recap(s, org.opd_id, 2026, 10, load_policy("kotawaringin_timur"))
    lock_period(db, org.opd_id)
    info = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=rows)
    text = pdf_text(info.pdf_path)
    assert "LAMPIRAN: RINCIAN POTONGAN TPP PER PEGAWAI" in text and "seluruh TPP" in text
    # TL2 1 % + TK 4 % + apel 0,5 % of 4.000.000 (SE 800.1/1090: percent of TPP)
    for line in ("TL2 1 × 1 % = Rp 40.000", "TK 1 × 4 % = Rp 160.000", "APEL_MISS 1 × 0,5 % = Rp 20.000"):
        assert line in text, line
    assert "220.000" in text and "3.780.000" in text
    last = pdf_text(info.pdf_path, first=pdf_pages(info.pdf_path)).split("\f")[0]
    assert "Kepala" in last  # the signature block still closes the document
    assert text.count(name) == 2  # main table + appendix (only employees with a deduction line are listed)
    with db.session() as s:
        stored = json.loads(s.get(Report, info.report_id).summary_json)
    mine = next(x for x in stored if x["nip"] == nip)
    assert mine["lines"] == [["TL2", 1, 1.0, 40_000], ["TK", 1, 4.0, 160_000], ["APEL_MISS", 1, 0.5, 20_000]]
    back = next(r for r in summary_rows(stored) if r.nip == nip)
    assert back.lines == next(r for r in rows if r.nip == nip).lines and back.deduction_rp == 220_000
