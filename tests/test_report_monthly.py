"""Monthly recap PDF: only for locked periods, content parsed back from the real PDF, revisions."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from sqlalchemy import select

from services.auth.users import AuthError
from services.reports.monthly import ReportError, generate_monthly_report, resolve_file
from services.store.models import AuditEvent, Period, Report
from tests.report_fixtures import lock_period, pdf_pages, pdf_text, recap_rows, user


def test_open_period_is_refused(db, org):
    lock_period(db, org.opd_id, status="open")
    with pytest.raises(ReportError, match="belum dikunci"):
        generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db))
    with pytest.raises(ReportError, match="belum dikunci"):  # no Period row at all
        generate_monthly_report(db, org.opd_id, 2026, 9, user(db, "operator"), rows=recap_rows(db))
    # the clock is at 25 November 2026: November has not ended, even a locked Period row does not help
    lock_period(db, org.opd_id, 2026, 11)
    with pytest.raises(ReportError, match="November 2026 belum bisa dibuat: bulan itu belum berakhir"):
        generate_monthly_report(db, org.opd_id, 2026, 11, user(db, "operator"), rows=recap_rows(db))
    with db.session() as s:
        assert s.execute(select(Report)).first() is None


def test_verifier_only_user_cannot_generate(db, org):
    lock_period(db, org.opd_id)
    with pytest.raises(AuthError):
        generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "atasan"), rows=recap_rows(db))


def test_report_content_and_row(db, org):
    lock_period(db, org.opd_id)
    rows = recap_rows(db)
    info = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=rows)
    assert info.revision == 1 and info.employees == 12 and info.pages == 1
    data = info.pdf_path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == info.pdf_sha256
    text = pdf_text(info.pdf_path)
    assert "REKAPITULASI KEHADIRAN PEGAWAI" in text and "Bulan Oktober 2026" in text
    assert "DINAS KOMUNIKASI DAN INFORMATIKA" in text and "Halaman 1 dari 1" in text
    for r in rows:
        assert r.name in text and r.nip in text
    # One employee's line: H, TL1..4, PSW1..4, TK, Cuti, DL, S, I and the deduction with a decimal comma
    r = rows[3]
    lines = text.splitlines()
    at = next(i for i, ln in enumerate(lines) if r.name in ln)
    line = next(ln for ln in lines[at:at + 4] if len(ln.split()) >= 16)  # name and figures share one table row
    expected = ["22", *[str(r.count(k)) for k in
                        ("H", "TL1", "TL2", "TL3", "TL4", "PSW1", "PSW2", "PSW3", "PSW4", "TK", "CUTI", "DL", "S", "I")],
                f"{r.deduction_pct:.2f}".replace(".", ",")]
    assert line.split()[-len(expected):] == expected
    total_h = sum(x.count("H") for x in rows)
    jumlah = next(ln for ln in text.splitlines() if "JUMLAH" in ln).split()
    assert jumlah[1:3] == [str(22 * 12), str(total_h)]
    assert "NIP. " in text and "Kepala Dinas Komunikasi dan Informatika" in text  # signature block
    with db.session() as s:
        rep = s.get(Report, info.report_id)
        assert rep.status == "draft" and rep.pdf_sha256 == info.pdf_sha256 and rep.paper == "A4"
        assert resolve_file(db, rep.pdf_path) == info.pdf_path
        lines = json.loads(rep.summary_json)
        assert [x["nip"] for x in lines] == [x.nip for x in rows]
        ev = s.execute(select(AuditEvent).where(AuditEvent.action == "report.generate")).scalar_one()
        assert json.loads(ev.detail)["sha256"] == info.pdf_sha256


def test_many_employees_repeat_header_and_number_pages(db, org, tmp_path):
    lock_period(db, org.opd_id)
    rows = recap_rows(db, n=320)
    info = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=rows, paper_name="F4")
    pages = pdf_pages(info.pdf_path)
    assert pages == info.pages and pages >= 8
    page_texts = pdf_text(info.pdf_path).split("\f")  # pdftotext ends every page with a form feed
    for page in range(1, pages + 1):
        text = page_texts[page - 1]
        assert f"Halaman {page} dari {pages}" in text
        if "Pegawai Uji" in text:  # every page with table rows repeats the two header rows
            assert "Terlambat Masuk (TL)" in text and "Nama / NIP" in text, f"header missing on page {page}"
        assert ("JUMLAH" in text) <= (page >= pages - 1)
    assert "Pegawai Uji 320" in page_texts[pages - 2] + page_texts[pages - 1]
    assert "Kepala Dinas" in page_texts[pages - 1]
    size = subprocess.run(["pdfinfo", str(info.pdf_path)], capture_output=True, text=True).stdout
    assert "935.433 x 609.449 pts" in size  # F4 215 x 330 mm, landscape
    # a page renders to PNG (looked at by hand during development)
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(info.pdf_path), str(png)], check=True)
    assert list(tmp_path.glob("page*.png"))


def test_draft_is_replaced_signed_needs_reason_for_new_revision(db, org):
    pid = lock_period(db, org.opd_id)
    op = user(db, "operator")
    first = generate_monthly_report(db, org.opd_id, 2026, 10, op, rows=recap_rows(db, seed=1))
    again = generate_monthly_report(db, org.opd_id, 2026, 10, op, rows=recap_rows(db, seed=2))
    assert (again.report_id, again.revision) == (first.report_id, 1)
    assert again.pdf_sha256 != first.pdf_sha256
    with db.transaction() as s:
        s.get(Report, first.report_id).status = "signed"
        s.get(Period, pid).status = "signed"
    with pytest.raises(ReportError, match="alasan"):
        generate_monthly_report(db, org.opd_id, 2026, 10, op, rows=recap_rows(db))
    rev2 = generate_monthly_report(db, org.opd_id, 2026, 10, op, rows=recap_rows(db), reason="Koreksi surat tugas")
    assert rev2.revision == 2 and "Revisi 2" in pdf_text(rev2.pdf_path)
    with db.session() as s:
        assert s.get(Report, first.report_id).status == "signed"
        assert s.get(Report, rev2.report_id).reason == "Koreksi surat tugas"


def test_rows_default_to_tpp_month_recap(db, org):
    """Without explicit rows the report asks services.policy.tpp.month_recap (no day records -> zero counts)."""
    lock_period(db, org.opd_id)
    info = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "kepala"))
    assert info.employees == 12
    with db.session() as s:
        lines = json.loads(s.get(Report, info.report_id).summary_json)
    assert len(lines) == 12 and all("counts" in x for x in lines)


def test_cancel_leaves_nothing_behind(db, org):
    from services.jobs import Cancelled, CancelToken

    lock_period(db, org.opd_id)
    token = CancelToken()
    seen: list[str] = []

    def progress(done: int, total: int, message: str = "") -> None:
        seen.append(message)
        if "halaman" in message:
            token.cancel()  # the user presses "Batal" while pages are being laid out

    with pytest.raises(Cancelled):
        generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db, n=200),
                                progress=progress, cancel=token)
    with db.session() as s:
        assert s.execute(select(Report)).first() is None
    assert not list((db.path.parent / "files" / "reports").glob("*"))
    assert any("halaman" in m for m in seen)
