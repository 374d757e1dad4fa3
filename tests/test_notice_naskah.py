"""Notices as naskah dinas: DOCX drafts (Tata Naskah Dinas layout, nomor/tanggal left to Srikandi) and status tracking."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Cm
from sqlalchemy import select

from services.auth.audit import verify_chain
from services.auth.users import CurrentUser
from services.clock import FrozenClock
from services.errors import BadInputError, ConflictError, NotFoundError, PermissionDeniedError, UserError
from services.reports.notice_docx import layout
from services.reports.notice_track import (
    MAX_SIGNED_PDF_BYTES,
    attach_signed_pdf,
    ensure_docx,
    mark_delivered,
    notice_history,
    record_number,
)
from services.reports.notices import NoticeRequest, create_notice_in, list_notices
from services.store.models import AuditEvent, DayRecord, Employee, NoticeNumber
from tests.cli_login import login_args

D = dt.date
OPERATOR = CurrentUser(id=2, username="operator", full_name="Operator Umpeg", roles=frozenset({"operator"}))
SIGNER_ONLY = CurrentUser(id=4, username="kepala", full_name="Kepala", roles=frozenset({"signer"}))


def _absent(db, emp_id: int, n: int = 4) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        for i in range(n):
            s.add(DayRecord(employee_id=emp_id, date=D(2026, 3, 2) + dt.timedelta(days=i), status="TK", working_day=True))


def _sp1(db, org, **kw):  # type: ignore[no-untyped-def]
    emp_id = org.employee_ids[4]
    _absent(db, emp_id)
    base = dict(kind="SP1", employee_id=emp_id, letter_date=D(2026, 3, 9), exam_date=D(2026, 3, 12),
                exam_time="09.00 WIB", place="Ruang Rapat Sekretariat")
    base.update(kw)
    return create_notice_in(db, OPERATOR, NoticeRequest(**base))  # type: ignore[arg-type]


def _all_text(doc) -> str:  # type: ignore[no-untyped-def]
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_sp1_docx_draft_in_tata_naskah_dinas_layout(db, org):
    res = _sp1(db, org)
    assert res.docx_path is not None and res.docx_path.is_file()
    with db.session() as s:
        row = s.get(NoticeNumber, res.notice_id)
        emp = s.get(Employee, row.employee_id)
        assert row.status == "draft" and row.docx_sha256 == hashlib.sha256(res.docx_path.read_bytes()).hexdigest()
    doc = Document(str(res.docx_path))
    sec = doc.sections[0]
    lay = layout()
    assert abs(sec.page_width - Cm(21.0)) < Cm(0.01) and abs(sec.page_height - Cm(29.7)) < Cm(0.01)
    assert abs(sec.left_margin - Cm(lay.margins_cm[2])) < Cm(0.01)
    assert abs(sec.top_margin - Cm(lay.margins_cm[0])) < Cm(0.01)
    normal = doc.styles["Normal"].font
    assert normal.name == "Arial" and normal.size.pt == 12
    text = _all_text(doc)
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR"
    assert "SURAT PANGGILAN I" in paragraphs
    # nomor and tanggal are Srikandi's: its merge fields, never the app's register number
    assert "NOMOR ${nomor_naskah}" in paragraphs
    assert "${tanggal_naskah}" in text and "${ttd_pengirim}" in text
    assert res.number not in text and "9 Maret 2026" not in text
    for needle in (emp.name, emp.nip, "Kamis, 12 Maret 2026", "Ruang Rapat Sekretariat", "09.00 WIB",
                   "Pasal 4 huruf f", "4 hari", "Demikian untuk dilaksanakan."):
        assert needle in text, needle
    assert doc.core_properties.subject.endswith(f"(register aplikasi: {res.number})")


def test_bap_docx_on_f4_has_question_table_and_two_signatures(db, org):
    emp_id = org.employee_ids[4]
    _absent(db, emp_id)
    res = create_notice_in(db, OPERATOR, NoticeRequest(kind="BAP", employee_id=emp_id, letter_date=D(2026, 3, 12),
                                                       exam_date=D(2026, 3, 12), place="Ruang Kepala", paper="F4"))
    doc = Document(str(res.docx_path))
    sec = doc.sections[0]
    assert abs(sec.page_width - Cm(21.5)) < Cm(0.01) and abs(sec.page_height - Cm(33.0)) < Cm(0.01)
    grid = [t for t in doc.tables if t.style is not None and t.style.name == "Table Grid"]
    assert len(grid) == 1 and [c.text for c in grid[0].rows[0].cells] == ["No", "Pertanyaan", "Jawaban"]
    assert len(grid[0].rows) == 1 + 6
    last = doc.tables[-1].rows[0].cells
    assert "Yang diperiksa," in last[0].text and "Yang memeriksa," in last[1].text
    assert "${ttd_pengirim}" in last[1].text


def _signed_pdf(source: Path, tmp_path: Path) -> Path:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from tests.central_fixtures import certs_around

    certs = certs_around("2026-03-10 10:00", signer_name="Kepala Dinas Uji")
    p12, _ca = certs.write(tmp_path)
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=certs.passphrase.encode())
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(source.read_bytes())),
                           signers.PdfSignatureMetadata(field_name="TTE"), signer=signer)
    target = tmp_path / "surat_ttd_srikandi.pdf"
    target.write_bytes(out.getvalue())
    return target


def test_status_draft_numbered_signed_delivered(db, org, tmp_path):
    db.clock = FrozenClock("2026-03-10 10:00")
    res = _sp1(db, org)
    nid = res.notice_id
    with pytest.raises(ConflictError, match="hanya dapat dilakukan dari status 'Bernomor"):
        attach_signed_pdf(db, nid, OPERATOR, res.pdf_path)  # not numbered yet
    with pytest.raises(PermissionDeniedError):
        record_number(db, nid, SIGNER_ONLY, "800.1.6.4/17/BKPSDM/2026", D(2026, 3, 10))
    with pytest.raises(BadInputError, match="wajib"):
        record_number(db, nid, OPERATOR, "   ", D(2026, 3, 10))
    with pytest.raises(BadInputError, match="belum terjadi"):
        record_number(db, nid, OPERATOR, "800.1.6.4/17/BKPSDM/2026", D(2026, 3, 11))
    # The examination (12 March) was planned for the draft's date; an official date on/after it is refused,
    # 10 March keeps the examination within 7 working days (PP 94/2021) and is accepted.
    db.clock = FrozenClock("2026-03-25 10:00")
    with pytest.raises(UserError, match="Tanggal pemeriksaan harus sesudah tanggal surat"):
        record_number(db, nid, OPERATOR, "800.1.6.4/17/BKPSDM/2026", D(2026, 3, 13))
    record_number(db, nid, OPERATOR, "800.1.6.4/17/BKPSDM/2026", D(2026, 3, 10))
    with pytest.raises(ConflictError):
        record_number(db, nid, OPERATOR, "800.1.6.4/18/BKPSDM/2026", D(2026, 3, 10))  # already numbered

    other = create_notice_in(db, OPERATOR, NoticeRequest(kind="TEGURAN_TERTULIS", employee_id=org.employee_ids[4],
                                                         letter_date=D(2026, 3, 20)))
    with pytest.raises(ConflictError, match="sudah dicatat"):
        record_number(db, other.notice_id, OPERATOR, "800.1.6.4/17/BKPSDM/2026", D(2026, 3, 20))

    not_pdf = tmp_path / "surat.docx"
    not_pdf.write_bytes(res.docx_path.read_bytes())
    with pytest.raises(BadInputError, match="bukan PDF"):
        attach_signed_pdf(db, nid, OPERATOR, not_pdf)
    big = tmp_path / "besar.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * MAX_SIGNED_PDF_BYTES)
    with pytest.raises(BadInputError, match="melebihi batas"):
        attach_signed_pdf(db, nid, OPERATOR, big)
    with pytest.raises(NotFoundError):
        attach_signed_pdf(db, nid, OPERATOR, tmp_path / "tidak-ada.pdf")
    signed = _signed_pdf(res.pdf_path, tmp_path)
    out = attach_signed_pdf(db, nid, OPERATOR, signed)
    assert out.status == "signed" and out.changes.notices and "1 tanda tangan" in out.message

    with pytest.raises(BadInputError, match="sebelum tanggal surat"):
        mark_delivered(db, nid, OPERATOR, D(2026, 3, 9), "Diserahkan langsung kepada yang bersangkutan")
    with pytest.raises(BadInputError, match="cara penyerahan"):
        mark_delivered(db, nid, OPERATOR, D(2026, 3, 11), "")
    mark_delivered(db, nid, OPERATOR, D(2026, 3, 11), "Diserahkan langsung, diterima yang bersangkutan")

    with db.session() as s:
        row = s.get(NoticeNumber, nid)
        assert (row.status, row.official_number, row.official_date) == ("delivered", "800.1.6.4/17/BKPSDM/2026",
                                                                       D(2026, 3, 10))
        copy = db.path.parent / row.signed_pdf_path
        assert copy.is_file() and hashlib.sha256(copy.read_bytes()).hexdigest() == row.signed_pdf_sha256
        assert row.signed_pdf_sha256 == hashlib.sha256(signed.read_bytes()).hexdigest()
        history = notice_history(s, nid)
        assert [(h.from_status, h.to_status) for h in history] == [("draft", "numbered"), ("numbered", "signed"),
                                                                   ("signed", "delivered")]
        assert history[0].at == dt.datetime(2026, 3, 25, 10, 0)  # stamped by the office clock
        actions = list(s.execute(select(AuditEvent.action).where(AuditEvent.entity_id == str(nid))).scalars())
        assert actions[-3:] == ["notice.numbered", "notice.signed", "notice.delivered"]
        assert verify_chain(s) is None
        listed = {r.notice_id: r for r in list_notices(s)}
    assert listed[nid].status == "delivered" and listed[other.notice_id].status == "draft"
    # the same signed PDF cannot be attached to another notice
    record_number(db, other.notice_id, OPERATOR, "800.1.6.4/19/BKPSDM/2026", D(2026, 3, 20))
    with pytest.raises(ConflictError, match="sudah dilampirkan"):
        attach_signed_pdf(db, other.notice_id, OPERATOR, signed)


def test_missing_docx_draft_is_rendered_again(db, org):
    res = _sp1(db, org)
    before = Document(str(res.docx_path))
    res.docx_path.unlink()
    again = ensure_docx(db, res.notice_id, OPERATOR)
    assert again == res.docx_path and again.is_file()
    assert _all_text(Document(str(again))) == _all_text(before)


def test_notice_tracking_through_the_cli(db, org, tmp_path, capsys):
    from services.cli import main

    emp_id = org.employee_ids[4]
    _absent(db, emp_id)
    with db.session() as s:
        nip = s.get(Employee, emp_id).nip
    dbarg = ["--db", db.location]
    assert main([*dbarg, "notices", "create", "--kind", "SP1", "--nip", nip, "--date", "2026-03-09",
                 "--exam-date", "2026-03-12", "--place", "Ruang Rapat", *login_args("operator", tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "DOCX" in out and "(id 1)" in out
    draft = tmp_path / "konsep.docx"
    assert main([*dbarg, "notices", "draft", "--id", "1", "--out", str(draft), *login_args("operator", tmp_path)]) == 0
    assert "${nomor_naskah}" in _all_text(Document(str(draft)))
    assert main([*dbarg, "notices", "number", "--id", "1", "--nomor", "800.1.6.4/5/DISKOMINFO/2026",
                 "--tanggal", "2026-03-09", *login_args("operator", tmp_path)]) == 0
    assert "tercatat" in capsys.readouterr().out
    assert main([*dbarg, "notices", "deliver", "--id", "1", "--tanggal", "2026-03-10", "--keterangan", "Langsung", *login_args("operator", tmp_path)]) == 1
    assert "hanya dapat dilakukan dari status 'Ditandatangani'" in capsys.readouterr().err
    assert main([*dbarg, "notices", "list", *login_args("operator", tmp_path)]) == 0
    assert "[numbered: 800.1.6.4/5/DISKOMINFO/2026]" in capsys.readouterr().out
    assert main([*dbarg, "notices", "history", "--id", "1", *login_args("operator", tmp_path)]) == 0
    assert "Bernomor (Srikandi)" in capsys.readouterr().out


def test_notice_track_dialog_walks_the_steps(qtbot, db, org, tmp_path):
    from PySide6.QtCore import QDate

    from desktop.views.notice_track_dialog import NoticeTrackDialog
    from tests.gui_helpers import make_context

    db.clock = FrozenClock("2026-03-10 10:00")
    res = _sp1(db, org)
    dlg = NoticeTrackDialog(make_context(db, "operator"), res.notice_id)
    qtbot.addWidget(dlg)
    assert dlg.number_button.isEnabled() and not dlg.pdf_button.isEnabled() and not dlg.deliver_button.isEnabled()
    dlg.number.setText("800.1.6.4/17/DISKOMINFO/2026")
    dlg.number_date.setDate(QDate(2026, 3, 10))
    assert dlg.save_number()
    assert "Bernomor" in dlg.head.text() and dlg.pdf_button.isEnabled() and not dlg.number_button.isEnabled()
    text = tmp_path / "bukan.pdf"
    text.write_text("bukan pdf")
    dlg.pdf.setText(str(text))
    assert not dlg.save_pdf() and "bukan PDF" in dlg.message.text()
    dlg.pdf.setText(str(_signed_pdf(res.pdf_path, tmp_path)))
    assert dlg.save_pdf() and dlg.deliver_button.isEnabled()
    dlg.delivered_note.setText("Diserahkan langsung kepada yang bersangkutan")
    assert dlg.save_delivery()
    assert "Diserahkan" in dlg.head.text() and dlg.history.rowCount() == 3
    copy = dlg.save_docx_copy(tmp_path / "salinan.docx")
    assert copy is not None and "${nomor_naskah}" in _all_text(Document(str(copy)))
