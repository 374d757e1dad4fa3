"""PDF layout of disciplinary notices (Surat Panggilan I/II, teguran, BAP form).

Pure rendering: takes a NoticeDocument (plain data) and writes a PDF with the OPD
letterhead on A4 or F4. services/reports/notices.py gathers the data, numbers the
notice and stores the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table, TableStyle

from services.calendar.names import HARI
from services.reports.layout import Letterhead, draw_letterhead, paper, tanggal_indonesia


def hari_tanggal(d: dt.date) -> str:
    return f"{HARI[d.weekday()]}, {tanggal_indonesia(d)}"


@dataclass(frozen=True)
class Person:
    name: str
    nip: str
    pangkat: str = ""  # golongan/ruang
    jabatan: str = ""
    unit: str = ""


@dataclass(frozen=True)
class NoticeDocument:
    kind: str  # SP1 / SP2 / BAP / TEGURAN_LISAN / TEGURAN_TERTULIS / TIDAK_PUAS
    title: str
    number: str
    letter_date: dt.date
    city: str
    letterhead: Letterhead
    employee: Person
    examiner: Person  # whom to meet / who examines / who reprimands
    signer: Person
    signer_title: str
    violation: str  # sentence describing the alleged violation with the counts
    legal_basis: str
    exam_date: dt.date | None = None
    exam_time: str = ""
    place: str = ""
    missed_date: dt.date | None = None  # SP2: the examination date the employee missed
    sanction: str = ""
    proposal: str = ""  # sanction proposal to the PPK with its article (summons and BAP)
    qa: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    copies_to: tuple[str, ...] = ()


_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14, alignment=TA_JUSTIFY)
_TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=12, leading=15, alignment=TA_CENTER)
_CENTER = ParagraphStyle("center", fontName="Helvetica", fontSize=10.5, leading=14, alignment=TA_CENTER)
_CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=10, leading=13)


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(text, style)


def _e(text: str) -> str:
    return escape(text or "-")


def _person_table(p: Person, width: float) -> Table:
    rows = [["Nama", ":", p.name], ["NIP", ":", p.nip], ["Pangkat/Gol. Ruang", ":", p.pangkat or "-"],
            ["Jabatan", ":", p.jabatan or "-"], ["Unit Kerja", ":", p.unit or "-"]]
    data = [[a, b, _p(_e(c), _CELL)] for a, b, c in rows]
    t = Table(data, colWidths=[42 * mm, 4 * mm, width - 56 * mm], hAlign="LEFT")
    t.setStyle(TableStyle([("FONT", (0, 0), (1, -1), "Helvetica", 10), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (0, -1), 10 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                           ("TOPPADDING", (0, 0), (-1, -1), 1)]))
    return t


def _kv_table(rows: list[tuple[str, str]], width: float) -> Table:
    data = [[a, ":", _p(_e(b), _CELL)] for a, b in rows]
    t = Table(data, colWidths=[42 * mm, 4 * mm, width - 56 * mm], hAlign="LEFT")
    t.setStyle(TableStyle([("FONT", (0, 0), (1, -1), "Helvetica", 10), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (0, -1), 10 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                           ("TOPPADDING", (0, 0), (-1, -1), 1)]))
    return t


def _signature(title_lines: list[str], p: Person, width: float) -> list[Paragraph | Spacer]:
    title = "<br/>".join(escape(x) if x else "&nbsp;" for x in title_lines)
    out: list[Paragraph | Spacer] = [_p(title, _CELL), Spacer(1, 20 * mm),
                                     _p(f"<b><u>{_e(p.name)}</u></b>", _CELL), _p(f"NIP. {_e(p.nip)}", _CELL)]
    return out


def _one_signature(doc: NoticeDocument, width: float) -> Table:
    block = _signature([f"{doc.city}, {tanggal_indonesia(doc.letter_date)}", doc.signer_title], doc.signer, width)
    t = Table([["", block]], colWidths=[width * 0.5, width * 0.5])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def _two_signatures(left_title: list[str], left: Person, right_title: list[str], right: Person, width: float) -> Table:
    t = Table([[_signature(left_title, left, width), _signature(right_title, right, width)]],
              colWidths=[width * 0.5, width * 0.5])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def _header(doc: NoticeDocument) -> list:
    return [_p(f"<u>{_e(doc.title.upper())}</u>", _TITLE), _p(f"NOMOR {_e(doc.number)}", _CENTER), Spacer(1, 6 * mm)]


def _summons(doc: NoticeDocument, width: float) -> list:
    assert doc.exam_date is not None
    story = _header(doc)
    story += [_p("1. Bersama ini diminta dengan hormat kehadiran Saudara:"), Spacer(1, 1 * mm),
              _person_table(doc.employee, width), Spacer(1, 2 * mm),
              _p("untuk menghadap kepada:"), Spacer(1, 1 * mm), _person_table(doc.examiner, width), Spacer(1, 2 * mm),
              _p("pada:"), Spacer(1, 1 * mm),
              _kv_table([("Hari, tanggal", hari_tanggal(doc.exam_date)), ("Jam", doc.exam_time),
                         ("Tempat", doc.place)], width),
              Spacer(1, 3 * mm),
              _p(f"untuk diperiksa/dimintai keterangan sehubungan dengan dugaan pelanggaran disiplin, yaitu "
                 f"{_e(doc.violation)}, sebagaimana dimaksud dalam {_e(doc.legal_basis)}.")]
    if doc.proposal:
        story += [Spacer(1, 2 * mm), _p(_e(doc.proposal))]
    if doc.kind == "SP2" and doc.missed_date:
        story += [Spacer(1, 2 * mm),
                  _p(f"Panggilan ini merupakan panggilan kedua karena Saudara tidak memenuhi panggilan pertama "
                     f"pada {hari_tanggal(doc.missed_date)}. Apabila Saudara tidak memenuhi panggilan kedua ini, "
                     f"hukuman disiplin dijatuhkan berdasarkan alat bukti dan keterangan yang ada tanpa dilakukan "
                     f"pemeriksaan.")]
    story += [Spacer(1, 2 * mm), _p("2. Demikian untuk dilaksanakan."), Spacer(1, 8 * mm),
              KeepTogether(_one_signature(doc, width))]
    return story


def _reprimand(doc: NoticeDocument, width: float) -> list:
    story = _header(doc)
    if doc.kind == "TEGURAN_LISAN":
        intro = (f"Pada hari ini {hari_tanggal(doc.letter_date)}, saya yang bertanda tangan di bawah ini "
                 f"telah menyampaikan <b>teguran lisan</b> secara langsung kepada:")
    else:
        intro = f"Dengan ini menjatuhkan hukuman disiplin berupa <b>{_e(doc.sanction)}</b> kepada:"
    story += [_p(intro), Spacer(1, 1 * mm), _person_table(doc.employee, width), Spacer(1, 3 * mm),
              _p(f"karena yang bersangkutan {_e(doc.violation)}, melanggar kewajiban sebagaimana dimaksud dalam "
                 f"{_e(doc.legal_basis)}."),
              Spacer(1, 2 * mm),
              _p("Kepada yang bersangkutan diminta untuk tidak mengulangi perbuatannya dan mematuhi ketentuan "
                 "jam kerja. Pelanggaran berikutnya dapat dijatuhi hukuman disiplin yang lebih berat."),
              Spacer(1, 8 * mm),
              _two_signatures(["Yang menerima,", ""], doc.employee,
                              [f"{doc.city}, {tanggal_indonesia(doc.letter_date)}", doc.signer_title], doc.signer, width)]
    return story


DEFAULT_BAP_QUESTIONS = (
    "Apakah Saudara dalam keadaan sehat jasmani dan rohani serta bersedia diperiksa dan memberikan keterangan yang benar?",
    "Apakah Saudara mengetahui kewajiban PNS untuk masuk kerja dan menaati ketentuan jam kerja (Pasal 4 huruf f PP 94/2021)?",
    "Pada tanggal berapa saja Saudara tidak masuk kerja, terlambat masuk, atau pulang sebelum waktunya?",
    "Apa alasan Saudara tidak masuk kerja tanpa keterangan yang sah pada tanggal-tanggal tersebut?",
    "Apakah Saudara memiliki bukti atau keterangan yang sah (surat sakit, surat tugas, izin) atas ketidakhadiran tersebut?",
    "Apakah ada keterangan lain yang ingin Saudara sampaikan?",
)


def _bap(doc: NoticeDocument, width: float) -> list:
    d = doc.exam_date or doc.letter_date
    story = _header(doc)
    story += [_p(f"Pada hari ini {hari_tanggal(d)}{', pukul ' + _e(doc.exam_time) if doc.exam_time else ''}, "
                 f"bertempat di {_e(doc.place)}, saya:"), Spacer(1, 1 * mm), _person_table(doc.examiner, width),
              Spacer(1, 2 * mm), _p("telah melakukan pemeriksaan terhadap:"), Spacer(1, 1 * mm),
              _person_table(doc.employee, width), Spacer(1, 2 * mm),
              _p(f"karena yang bersangkutan diduga {_e(doc.violation)}, melanggar {_e(doc.legal_basis)}."),
              Spacer(1, 3 * mm)]
    qa = doc.qa or tuple((q, "") for q in DEFAULT_BAP_QUESTIONS)
    data = [[_p("<b>No</b>", _CELL), _p("<b>Pertanyaan</b>", _CELL), _p("<b>Jawaban</b>", _CELL)]]
    for i, (q, a) in enumerate(qa, 1):
        data.append([_p(str(i), _CELL), _p(_e(q), _CELL), _p(escape(a) if a else "", _CELL)])
    t = Table(data, colWidths=[10 * mm, (width - 10 * mm) * 0.45, (width - 10 * mm) * 0.55], repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]
    if not doc.qa:  # blank form: leave room to write answers by hand
        style += [("BOTTOMPADDING", (0, 1), (-1, -1), 12 * mm)]
    t.setStyle(TableStyle(style))
    story += [t, Spacer(1, 3 * mm)]
    if doc.proposal:
        story += [_p(_e(doc.proposal)), Spacer(1, 3 * mm)]
    story += [_p("Demikian Berita Acara Pemeriksaan ini dibuat dengan sebenarnya untuk dapat dipergunakan "
                 "sebagaimana mestinya, dan setelah dibacakan kembali kepada yang diperiksa, ditandatangani oleh "
                 "yang diperiksa dan yang memeriksa."),
              Spacer(1, 8 * mm),
              KeepTogether(_two_signatures(["Yang diperiksa,", ""], doc.employee,
                                           [f"{doc.city}, {tanggal_indonesia(d)}", "Yang memeriksa,"], doc.examiner,
                                           width))]
    return story


def render_notice_pdf(doc: NoticeDocument, path: Path, paper_name: str = "A4") -> Path:
    size = paper(paper_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    margin = 20 * mm
    width = size[0] - 2 * margin
    head_space = 40 * mm  # letterhead on the first page
    template = BaseDocTemplate(str(path), pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin,
                               bottomMargin=margin, title=f"{doc.title} {doc.number}", author=doc.letterhead.opd_name,
                               subject=f"{doc.title} - {doc.employee.name}")
    first = Frame(margin, margin, width, size[1] - margin - head_space, id="first")
    later = Frame(margin, margin, width, size[1] - 2 * margin, id="later")

    def on_first(canvas, _doc) -> None:  # type: ignore[no-untyped-def]
        draw_letterhead(canvas, doc.letterhead, size)

    def on_later(canvas, _doc) -> None:  # type: ignore[no-untyped-def]
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(size[0] - margin, 10 * mm, f"{doc.number} - halaman {canvas.getPageNumber()}")

    template.addPageTemplates([PageTemplate("first", [first], onPage=on_first, autoNextPageTemplate="later"),
                               PageTemplate("later", [later], onPage=on_later)])
    if doc.kind in ("SP1", "SP2"):
        story = _summons(doc, width)
    elif doc.kind == "BAP":
        story = _bap(doc, width)
    else:
        story = _reprimand(doc, width)
    if doc.copies_to:
        story += [Spacer(1, 6 * mm), _p("Tembusan:", _CELL)]
        story += [_p(f"{i}. {_e(c)}", _CELL) for i, c in enumerate(doc.copies_to, 1)]
    template.build(story)
    return path
