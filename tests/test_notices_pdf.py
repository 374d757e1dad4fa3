"""Disciplinary notices: numbering register, deadlines in working days, PDF content and paper size."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.auth.audit import verify_chain
from services.auth.users import SYSTEM_USER, AuthError, CurrentUser
from services.demo.notices import create_demo_notices
from services.reports.notices import (
    NoticeError,
    NoticeRequest,
    add_working_days,
    create_notice_in,
    list_notices,
    set_number_format,
)
from services.store.db import open_database
from services.store.models import AuditEvent, DayRecord, Employee, Holiday, NoticeNumber

D = dt.date
OPERATOR = CurrentUser(id=2, username="operator", full_name="Operator Umpeg", roles=frozenset({"operator"}))


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _page_size(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return next(line for line in info.splitlines() if line.startswith("Page size")).split(":", 1)[1].strip()


def _absent(db, emp_id: int, n: int = 4) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        for i in range(n):
            s.add(DayRecord(employee_id=emp_id, date=D(2026, 3, 2) + dt.timedelta(days=i), status="TK", working_day=True))


def _sp1(emp_id: int, **kw) -> NoticeRequest:
    base = dict(kind="SP1", employee_id=emp_id, letter_date=D(2026, 3, 9), exam_date=D(2026, 3, 12),
                exam_time="09.00 WIB", place="Ruang Rapat Sekretariat")
    base.update(kw)
    return NoticeRequest(**base)  # type: ignore[arg-type]


def test_surat_panggilan_pdf_content_and_audit(db, org) -> None:
    emp_id = org.employee_ids[4]
    _absent(db, emp_id)
    res = create_notice_in(db, OPERATOR, _sp1(emp_id))
    assert res.number == "800.1.6.4/001/SP-I/DISKOMINFO/2026"
    with db.session() as s:
        emp = s.get(Employee, emp_id)
        supervisor = s.get(Employee, emp.supervisor_id)
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "notice.create")).scalars().all()
        assert len(events) == 1 and res.number in events[0].detail
        assert verify_chain(s) is None
    text = _text(res.pdf_path)
    flat = " ".join(text.split())
    for needle in (emp.name, emp.nip, res.number, "Kamis, 12 Maret 2026", "Ruang Rapat Sekretariat", "09.00 WIB",
                   "SURAT PANGGILAN I", supervisor.name, "Pasal 4 huruf f", "Pasal 15 ayat (1)", "4 hari",
                   "PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR"):
        assert needle in flat, needle
    assert _page_size(res.pdf_path).startswith("595.276 x 841.89")  # A4


def test_f4_paper_and_bap_form(db, org) -> None:
    emp_id = org.employee_ids[4]
    _absent(db, emp_id)
    res = create_notice_in(db, OPERATOR, NoticeRequest(
        kind="BAP", employee_id=emp_id, letter_date=D(2026, 3, 12), exam_date=D(2026, 3, 12), place="Ruang Kepala",
        paper="F4", qa=[("Apa alasan Saudara tidak masuk kerja?", "Mengurus orang tua yang sakit di kampung.")]))
    assert _page_size(res.pdf_path).startswith("609.449 x 935.433")  # 215 x 330 mm
    flat = " ".join(_text(res.pdf_path).split())
    assert "BERITA ACARA PEMERIKSAAN" in flat and res.number in flat
    assert "Mengurus orang tua yang sakit di kampung." in flat
    assert "Yang diperiksa" in flat and "Yang memeriksa" in flat
    assert res.number == "800.1.6.4/001/BAP/DISKOMINFO/2026"


def test_numbering_per_kind_and_year_survives_restart(db, org) -> None:
    emp_id = org.employee_ids[4]
    _absent(db, emp_id)
    a = create_notice_in(db, OPERATOR, _sp1(emp_id))
    b = create_notice_in(db, OPERATOR, _sp1(emp_id, letter_date=D(2026, 3, 10), exam_date=D(2026, 3, 13)))
    t = create_notice_in(db, OPERATOR, NoticeRequest(kind="TEGURAN_TERTULIS", employee_id=emp_id, letter_date=D(2026, 3, 16)))
    nxt = create_notice_in(db, OPERATOR, _sp1(emp_id, letter_date=D(2027, 1, 4), exam_date=D(2027, 1, 6)))
    assert (a.seq, b.seq, t.seq, nxt.seq) == (1, 2, 1, 1)
    assert b.number == "800.1.6.4/002/SP-I/DISKOMINFO/2026"
    assert t.number == "800.1.6.4/001/TGT/DISKOMINFO/2026"
    assert nxt.number == "800.1.6.4/001/SP-I/DISKOMINFO/2027"
    path = db.location  # the SQLite file or the PostgreSQL database the suite runs on
    db.dispose()
    reopened = open_database(path, clock=db.clock)
    try:
        c = create_notice_in(reopened, OPERATOR, _sp1(emp_id, letter_date=D(2026, 3, 11), exam_date=D(2026, 3, 16)))
        assert c.number == "800.1.6.4/003/SP-I/DISKOMINFO/2026"
        with reopened.session() as s:
            rows = list_notices(s, year=2026, employee_id=emp_id)
        assert [r.number for r in rows][:1] == ["800.1.6.4/001/TGT/DISKOMINFO/2026"]  # newest letter first
        assert len(rows) == 4
    finally:
        reopened.dispose()


def test_number_format_is_a_setting(db, org) -> None:
    emp_id = org.employee_ids[4]
    with db.transaction() as s:
        set_number_format(s, SYSTEM_USER, "{seq:04d}/{code}/{opd}/{month_roman}/{year}")
    res = create_notice_in(db, OPERATOR, _sp1(emp_id))
    assert res.number == "0001/SP-I/DISKOMINFO/III/2026"
    with db.transaction() as s, pytest.raises(NoticeError, match="seq"):
        set_number_format(s, SYSTEM_USER, "800/{code}/{year}")
    with db.transaction() as s, pytest.raises(NoticeError, match="tidak valid"):
        set_number_format(s, SYSTEM_USER, "{seq}/{nomor}")
    with db.transaction() as s, pytest.raises(AuthError):
        set_number_format(s, OPERATOR, "{seq}/{code}")


def test_examination_deadline_counts_working_days_and_holidays(db, org) -> None:
    emp_id = org.employee_ids[4]
    # Letter Mon 16 Mar 2026; 18/20/23/24 Mar cuti bersama, 19 and 21-22 Mar holidays (SKB 2026)
    with db.transaction() as s:
        for d, kind in [(18, "cuti_bersama"), (19, "nasional"), (20, "cuti_bersama"), (21, "nasional"),
                        (22, "nasional"), (23, "cuti_bersama"), (24, "cuti_bersama")]:
            s.add(Holiday(date=D(2026, 3, d), name="libur", kind=kind))
    # working days after 16 Mar: 17, 25, 26, 27, 30, 31 Mar, 1 Apr -> deadline Wed 1 Apr 2026
    with db.session() as s:
        from services.reports.notices import latest_examination_date

        assert latest_examination_date(s, D(2026, 3, 16)) == D(2026, 4, 1)
    ok = create_notice_in(db, OPERATOR, _sp1(emp_id, letter_date=D(2026, 3, 16), exam_date=D(2026, 4, 1)))
    assert ok.exam_date == D(2026, 4, 1)
    with pytest.raises(NoticeError, match="paling lambat 7 hari kerja"):
        create_notice_in(db, OPERATOR, _sp1(emp_id, letter_date=D(2026, 3, 16), exam_date=D(2026, 4, 2)))
    with pytest.raises(NoticeError, match="bukan hari kerja"):
        create_notice_in(db, OPERATOR, _sp1(emp_id, letter_date=D(2026, 3, 16), exam_date=D(2026, 3, 19)))
    assert add_working_days(D(2026, 3, 16), 7, set()) == D(2026, 3, 25)  # without holidays


def test_failed_notice_uses_no_number(db, org) -> None:
    emp_id = org.employee_ids[4]
    with pytest.raises(NoticeError, match="Tempat"):
        create_notice_in(db, OPERATOR, _sp1(emp_id, place=" "))
    with pytest.raises(NoticeError, match="Surat Panggilan I terlebih dahulu"):
        create_notice_in(db, OPERATOR, _sp1(emp_id, kind="SP2"))
    viewer = CurrentUser(id=9, username="tamu", full_name="Tamu", roles=frozenset({"signer"}))
    with pytest.raises(AuthError):
        create_notice_in(db, viewer, _sp1(emp_id))
    head = org.employee_ids[0]  # head of the OPD: no atasan in the data, and nobody else may stand in
    with pytest.raises(NoticeError, match="tidak memiliki atasan langsung.*layar Pegawai → Atasan langsung"):
        create_notice_in(db, OPERATOR, _sp1(head))
    with pytest.raises(NoticeError, match="tidak memiliki atasan langsung"):  # not even with a chosen examiner
        create_notice_in(db, OPERATOR, _sp1(head, examiner_id=emp_id))
    kabid = org.employee_ids[1]  # a staff member never examines a Kepala Bidang
    with pytest.raises(NoticeError, match="bukan atasan langsung"):
        create_notice_in(db, OPERATOR, _sp1(kabid, examiner_id=emp_id))
    with db.session() as s:
        assert s.execute(select(func.count(NoticeNumber.id))).scalar() == 0
    assert create_notice_in(db, OPERATOR, _sp1(emp_id)).seq == 1


def test_second_summons_refers_to_missed_date(db, org) -> None:
    emp_id = org.employee_ids[4]
    _absent(db, emp_id, 5)
    create_notice_in(db, OPERATOR, _sp1(emp_id))  # examination 12 Mar, not attended
    sp2 = create_notice_in(db, OPERATOR, NoticeRequest(kind="SP2", employee_id=emp_id, letter_date=D(2026, 3, 13),
                                                       exam_date=D(2026, 3, 19), place="Ruang Kepala Dinas"))
    assert sp2.number == "800.1.6.4/001/SP-II/DISKOMINFO/2026"
    flat = " ".join(_text(sp2.pdf_path).split())
    assert "SURAT PANGGILAN II" in flat and "Kamis, 12 Maret 2026" in flat and "tanpa dilakukan pemeriksaan" in flat
    # the second letter goes out at most 7 working days after the missed 12 Mar -> 23 Mar (no holidays stored)
    with pytest.raises(NoticeError, match="panggilan pertama"):
        create_notice_in(db, OPERATOR, NoticeRequest(kind="SP2", employee_id=emp_id, letter_date=D(2026, 3, 24),
                                                     exam_date=D(2026, 3, 26), place="Ruang Kepala Dinas"))
    # and its examination at most 7 working days after the letter: 13 Mar -> 24 Mar
    with pytest.raises(NoticeError, match="setelah tanggal surat"):
        create_notice_in(db, OPERATOR, NoticeRequest(kind="SP2", employee_id=emp_id, letter_date=D(2026, 3, 13),
                                                     exam_date=D(2026, 3, 25), place="Ruang Kepala Dinas"))


def test_demo_helper_summons_the_worst_case(db, org) -> None:
    worst, other = org.employee_ids[4], org.employee_ids[6]
    _absent(db, worst, 5)
    _absent(db, other, 3)
    made = create_demo_notices(db, OPERATOR, org.opd_id, D(2026, 3, 9), limit=1)
    assert [m.kind for m in made] == ["SP1"]
    with db.session() as s:
        assert s.execute(select(NoticeNumber.employee_id)).scalar_one() == worst
    # the next call skips the one already summoned
    again = create_demo_notices(db, OPERATOR, org.opd_id, D(2026, 3, 10), limit=1)
    assert again[0].seq == 2
    with db.session() as s:
        assert s.execute(select(NoticeNumber.employee_id).where(NoticeNumber.seq == 2)).scalar_one() == other
