"""Editable DOCX drafts of disciplinary notices in the Tata Naskah Dinas layout, for Srikandi.

Surat panggilan, teguran and BAP are usually numbered, dated and signed in Srikandi. The draft
carries the same text as the PDF (services/reports/notice_pdf.py) from the same NoticeDocument,
but leaves the number, the date and the signature to Srikandi: they are Srikandi's merge fields
(``${nomor_naskah}``, ``${tanggal_naskah}``, ``${ttd_pengirim}``). Page size (A4/F4), margins,
font and the merge fields are data (services/reports/naskah_dinas.toml).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from services.reports.notice_pdf import DEFAULT_BAP_QUESTIONS, NoticeDocument, Person, hari_tanggal

LAYOUT_FILE = Path(__file__).with_name("naskah_dinas.toml")
PAPER_CM = {"A4": (21.0, 29.7), "F4": (21.5, 33.0)}
DocxDocument = Any  # python-docx's Document object (untyped)


@dataclass(frozen=True)
class NaskahLayout:
    font: str
    size_pt: float
    line_spacing: float
    margins_cm: tuple[float, float, float, float]  # top, bottom, left, right
    number: str
    date: str
    signature: str


@cache
def layout() -> NaskahLayout:
    data = tomllib.loads(LAYOUT_FILE.read_text(encoding="utf-8"))
    m, f, s = data["margins_cm"], data["font"], data["srikandi"]
    return NaskahLayout(f["name"], float(f["size_pt"]), float(f["line_spacing"]),
                        (float(m["top"]), float(m["bottom"]), float(m["left"]), float(m["right"])),
                        s["number"], s["date"], s["signature"])


def _bottom_rule(paragraph: Any) -> None:
    """The double rule under the kop surat (a paragraph border; python-docx has no API for it)."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "thinThickSmallGap"), ("w:sz", "24"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p_pr.append(borders)


def _para(doc: DocxDocument, text: str = "", *, bold: bool = False, underline: bool = False, size: float | None = None,
          align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, space_after: float = 4) -> Any:
    p = doc.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    if text:
        run = p.add_run(text)
        run.bold, run.underline = bold, underline
        if size:
            run.font.size = Pt(size)
    return p


def _kop(doc: DocxDocument, d: NoticeDocument) -> None:
    head = d.letterhead
    _para(doc, head.region_name.upper(), bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, head.opd_name.upper(), bold=True, size=16, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    last = _para(doc, f"{head.address}, {head.city}".strip(", "), size=10, align=WD_ALIGN_PARAGRAPH.CENTER,
                 space_after=10)
    _bottom_rule(last)


def _title(doc: DocxDocument, d: NoticeDocument) -> None:
    _para(doc, d.title.upper(), bold=True, underline=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, f"NOMOR {layout().number}", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)


def _kv_table(doc: DocxDocument, rows: list[tuple[str, str]]) -> Any:
    t = doc.add_table(rows=0, cols=3)
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    for label, value in rows:
        cells = t.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = label, ":", value or "-"
    for row in t.rows:
        row.cells[0].width, row.cells[1].width, row.cells[2].width = Cm(4.8), Cm(0.5), Cm(10.2)
    doc.add_paragraph().paragraph_format.space_after = Pt(2)
    return t


def _person(doc: DocxDocument, p: Person) -> Any:
    return _kv_table(doc, [("Nama", p.name), ("NIP", p.nip), ("Pangkat/Gol. Ruang", p.pangkat),
                           ("Jabatan", p.jabatan), ("Unit Kerja", p.unit)])


def _signature_lines(title_lines: list[str], p: Person, signature: str) -> list[tuple[str, bool]]:
    return [*((t, False) for t in title_lines), (signature, False), ("", False), (p.name, True), (f"NIP. {p.nip}", False)]


def _signatures(doc: DocxDocument, left: list[tuple[str, bool]] | None, right: list[tuple[str, bool]]) -> None:
    t = doc.add_table(rows=1, cols=2)
    for cell, lines in ((t.rows[0].cells[0], left or []), (t.rows[0].cells[1], right)):
        cell.paragraphs[0].text = ""
        for i, (text, bold) in enumerate(lines):
            par = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            run = par.add_run(text)
            run.bold = bold
            run.underline = bold


def _summons(doc: DocxDocument, d: NoticeDocument) -> None:
    assert d.exam_date is not None
    _para(doc, "1. Bersama ini diminta dengan hormat kehadiran Saudara:")
    _person(doc, d.employee)
    _para(doc, "untuk menghadap kepada:")
    _person(doc, d.examiner)
    _para(doc, "pada:")
    _kv_table(doc, [("Hari, tanggal", hari_tanggal(d.exam_date)), ("Jam", d.exam_time), ("Tempat", d.place)])
    _para(doc, f"untuk diperiksa/dimintai keterangan sehubungan dengan dugaan pelanggaran disiplin, yaitu "
               f"{d.violation}, sebagaimana dimaksud dalam {d.legal_basis}.")
    if d.proposal:
        _para(doc, d.proposal)
    if d.kind == "SP2" and d.missed_date:
        _para(doc, f"Panggilan ini merupakan panggilan kedua karena Saudara tidak memenuhi panggilan pertama pada "
                   f"{hari_tanggal(d.missed_date)}. Apabila Saudara tidak memenuhi panggilan kedua ini, hukuman "
                   f"disiplin dijatuhkan berdasarkan alat bukti dan keterangan yang ada tanpa dilakukan pemeriksaan.")
    _para(doc, "2. Demikian untuk dilaksanakan.", space_after=14)
    lay = layout()
    _signatures(doc, None, _signature_lines([f"{d.city}, {lay.date}", f"{d.signer_title},"], d.signer,
                                            lay.signature))


def _reprimand(doc: DocxDocument, d: NoticeDocument) -> None:
    lay = layout()
    if d.kind == "TEGURAN_LISAN":
        intro = (f"Pada hari ini, {lay.date}, saya yang bertanda tangan di bawah ini telah menyampaikan teguran lisan "
                 f"secara langsung kepada:")
    else:
        intro = f"Dengan ini menjatuhkan hukuman disiplin berupa {d.sanction} kepada:"
    _para(doc, intro)
    _person(doc, d.employee)
    _para(doc, f"karena yang bersangkutan {d.violation}, melanggar kewajiban sebagaimana dimaksud dalam "
               f"{d.legal_basis}.")
    _para(doc, "Kepada yang bersangkutan diminta untuk tidak mengulangi perbuatannya dan mematuhi ketentuan jam kerja. "
               "Pelanggaran berikutnya dapat dijatuhi hukuman disiplin yang lebih berat.", space_after=14)
    _signatures(doc, _signature_lines(["", "Yang menerima,"], d.employee, ""),
                _signature_lines([f"{d.city}, {lay.date}", f"{d.signer_title},"], d.signer, lay.signature))


def _bap(doc: DocxDocument, d: NoticeDocument) -> None:
    lay = layout()
    when = hari_tanggal(d.exam_date) if d.exam_date else lay.date
    _para(doc, f"Pada hari ini {when}{', pukul ' + d.exam_time if d.exam_time else ''}, bertempat di "
               f"{d.place or '-'}, saya:")
    _person(doc, d.examiner)
    _para(doc, "telah melakukan pemeriksaan terhadap:")
    _person(doc, d.employee)
    _para(doc, f"karena yang bersangkutan diduga {d.violation}, melanggar {d.legal_basis}.")
    qa = d.qa or tuple((q, "") for q in DEFAULT_BAP_QUESTIONS)
    t = doc.add_table(rows=1, cols=3)
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, ("No", "Pertanyaan", "Jawaban"), strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for i, (q, a) in enumerate(qa, 1):
        cells = t.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = str(i), q, a
    _para(doc, "")
    if d.proposal:
        _para(doc, d.proposal)
    _para(doc, "Demikian Berita Acara Pemeriksaan ini dibuat dengan sebenarnya untuk dapat dipergunakan sebagaimana "
               "mestinya, dan setelah dibacakan kembali kepada yang diperiksa, ditandatangani oleh yang diperiksa dan "
               "yang memeriksa.", space_after=14)
    _signatures(doc, _signature_lines(["", "Yang diperiksa,"], d.employee, ""),
                _signature_lines([f"{d.city}, {lay.date}", "Yang memeriksa,"], d.examiner, lay.signature))


def render_notice_docx(d: NoticeDocument, path: Path, paper_name: str = "A4") -> Path:
    """Write the DOCX draft (atomically); nomor, tanggal and the signature are Srikandi's merge fields."""
    lay = layout()
    try:
        width, height = PAPER_CM[paper_name.upper()]
    except KeyError:
        raise ValueError(f"Ukuran kertas '{paper_name}' tidak dikenal (pilih A4 atau F4)") from None
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(width), Cm(height)
    top, bottom, left, right = lay.margins_cm
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    normal = doc.styles["Normal"]
    normal.font.name = lay.font
    normal.font.size = Pt(lay.size_pt)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), lay.font)
    normal.paragraph_format.line_spacing = lay.line_spacing
    props = doc.core_properties
    props.title = f"{d.title} — {d.employee.name}"
    props.subject = f"Konsep {d.title} untuk Srikandi (register aplikasi: {d.number})"
    props.author = d.letterhead.opd_name
    props.keywords = f"presensi-opd notice {d.kind} {d.employee.nip}"
    _kop(doc, d)
    _title(doc, d)
    {"SP1": _summons, "SP2": _summons, "BAP": _bap}.get(d.kind, _reprimand)(doc, d)
    if d.copies_to:
        _para(doc, "Tembusan:", space_after=0, align=WD_ALIGN_PARAGRAPH.LEFT)
        for i, c in enumerate(d.copies_to, 1):
            _para(doc, f"{i}. {c}", space_after=0, align=WD_ALIGN_PARAGRAPH.LEFT)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        doc.save(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
