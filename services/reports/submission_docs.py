"""PDFs that travel with the signed recap to BKPSDM: the SPTJM and the surat pengantar.

- SPTJM (surat pernyataan tanggung jawab mutlak): the head of the OPD states that the recap and
  the TPP table are true, and that any overpayment of TPP caused by wrong data is theirs to repay.
  It *lists* the sha256 of the signed recap PDF and of the Excel recap, so the statement is bound
  to exactly those files.
- Surat pengantar (cover letter, table form of the Tata Naskah Dinas): the enclosed documents with
  their sha256, the SPTJM's included.

Both carry the same hashes in the PDF's Keywords (``recap_pdf=<sha256> ...``) so a verifier can
check the binding without reading page text. Pure rendering: the caller gathers the data.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from services.calendar.names import BULAN
from services.reports.layout import Letterhead, draw_letterhead, paper, tanggal_indonesia

KEYWORD_PREFIX = "presensi-opd-bundle"


@dataclass(frozen=True)
class BundleDocData:
    letterhead: Letterhead
    opd_code: str
    year: int
    month: int
    revision: int
    reason: str
    date: dt.date
    head_name: str
    head_nip: str
    head_title: str
    employees: int
    tpp_base: int
    deduction_rp: int
    tpp_net: int
    deadline: dt.date
    recipient: str  # "Kepala Badan Kepegawaian ... Kabupaten X"
    pengantar_number: str = ""  # blank: a dotted line to be filled by hand / Srikandi
    paper: str = "A4"
    hashes: Mapping[str, str] = field(default_factory=dict)  # kind -> sha256 of the files listed
    names: Mapping[str, str] = field(default_factory=dict)  # kind -> file name

    @property
    def period_text(self) -> str:
        return f"{BULAN[self.month - 1]} {self.year}"


_BODY = ParagraphStyle("b", fontName="Helvetica", fontSize=10.5, leading=14.5, alignment=TA_JUSTIFY)
_TITLE = ParagraphStyle("t", fontName="Helvetica-Bold", fontSize=12, leading=15, alignment=TA_CENTER)
_CENTER = ParagraphStyle("c", fontName="Helvetica", fontSize=10.5, leading=14, alignment=TA_CENTER)
_LEFT = ParagraphStyle("l", fontName="Helvetica", fontSize=10.5, leading=14.5)
_CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=9.5, leading=12)
_MONO = ParagraphStyle("mono", fontName="Courier", fontSize=7.5, leading=9.5)


def rupiah(value: int) -> str:
    return "Rp" + f"{value:,}".replace(",", ".")


def parse_keywords(text: str) -> dict[str, str]:
    """``presensi-opd-bundle recap_pdf=<sha> ...`` -> {"recap_pdf": sha, ...} (unknown words ignored)."""
    out: dict[str, str] = {}
    for word in (text or "").replace(",", " ").split():
        key, sep, value = word.partition("=")
        if sep and value:
            out[key] = value
    return out


def _keywords(hashes: Mapping[str, str], kinds: tuple[str, ...]) -> str:
    return " ".join([KEYWORD_PREFIX, *(f"{k}={hashes[k]}" for k in kinds if k in hashes)])


def _kv(rows: list[tuple[str, str]], width: float) -> Table:
    t = Table([[a, ":", Paragraph(escape(b), _CELL)] for a, b in rows], colWidths=[38 * mm, 4 * mm, width - 42 * mm],
              hAlign="LEFT")
    t.setStyle(TableStyle([("FONT", (0, 0), (1, -1), "Helvetica", 10), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (0, -1), 8 * mm), ("TOPPADDING", (0, 0), (-1, -1), 1),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return t


def _signature(d: BundleDocData, width: float, left: list[Flowable] | None = None) -> Table:
    block = [Paragraph(f"{escape(d.letterhead.city or '')}, {tanggal_indonesia(d.date)}", _CELL),
             Paragraph(escape(d.head_title), _CELL), Spacer(1, 22 * mm),
             Paragraph(f"<b><u>{escape(d.head_name)}</u></b>", _CELL), Paragraph(f"NIP. {escape(d.head_nip)}", _CELL)]
    t = Table([[left or "", block]], colWidths=[width * 0.5, width * 0.5])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def _hash_rows(d: BundleDocData, kinds: tuple[tuple[str, str], ...], width: float) -> Table:
    data: list[list[object]] = [[Paragraph("<b>No</b>", _CELL), Paragraph("<b>Berkas</b>", _CELL),
                                 Paragraph("<b>Sidik jari sha256</b>", _CELL)]]
    for i, (kind, label) in enumerate(kinds, 1):
        name = d.names.get(kind, "")
        data.append([str(i), Paragraph(f"{escape(label)}<br/><font size=8>{escape(name)}</font>", _CELL),
                     Paragraph(d.hashes.get(kind, "-"), _MONO)])
    t = Table(data, colWidths=[9 * mm, width * 0.42, width - 9 * mm - width * 0.42], repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]))
    return t


def _build(d: BundleDocData, title: str, subject: str, keywords: str, story_fn) -> bytes:  # type: ignore[no-untyped-def]
    size = paper(d.paper)
    margin = 20 * mm
    width = size[0] - 2 * margin
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin,
                          bottomMargin=margin, title=title, author=d.letterhead.opd_name, subject=subject,
                          keywords=keywords, creator="Presensi OPD", invariant=1)
    first = Frame(margin, margin, width, size[1] - margin - 40 * mm, id="first")
    later = Frame(margin, margin, width, size[1] - 2 * margin, id="later")

    def on_first(canvas, _doc) -> None:  # type: ignore[no-untyped-def]
        draw_letterhead(canvas, d.letterhead, size)

    doc.addPageTemplates([PageTemplate("first", [first], onPage=on_first, autoNextPageTemplate="later"),
                          PageTemplate("later", [later])])
    doc.build(story_fn(width))
    return buf.getvalue()


def render_sptjm(d: BundleDocData) -> bytes:
    """The SPTJM PDF; lists the signed recap and the Excel recap by sha256."""
    kinds = (("recap_pdf", f"Rekapitulasi kehadiran {d.period_text} revisi {d.revision} (PDF bertanda tangan "
                           f"elektronik)"),
             ("recap_xlsx", f"Rekapitulasi potongan TPP {d.period_text} (Excel)"))

    def story(width: float) -> list[Flowable]:
        out: list[Flowable] = [Paragraph("<u>SURAT PERNYATAAN TANGGUNG JAWAB MUTLAK</u>", _TITLE), Spacer(1, 6 * mm),
                               Paragraph("Yang bertanda tangan di bawah ini:", _BODY), Spacer(1, 1 * mm),
                               _kv([("Nama", d.head_name), ("NIP", d.head_nip), ("Jabatan", d.head_title),
                                    ("Perangkat Daerah", d.letterhead.opd_name)], width), Spacer(1, 3 * mm),
                               Paragraph("dengan ini menyatakan dengan sesungguhnya bahwa:", _BODY), Spacer(1, 1 * mm)]
        points = [
            f"Rekapitulasi kehadiran pegawai {escape(d.letterhead.opd_name)} bulan {d.period_text} "
            f"(revisi {d.revision}) untuk {d.employees} pegawai, beserta rekapitulasi potongan Tambahan Penghasilan "
            f"Pegawai (TPP), disusun berdasarkan data presensi yang sebenarnya dan telah diperiksa kebenarannya.",
            f"Rekapitulasi tersebut menjadi dasar pembayaran TPP bulan {d.period_text}: TPP dasar "
            f"{rupiah(d.tpp_base)}, potongan {rupiah(d.deduction_rp)}, TPP yang dibayarkan {rupiah(d.tpp_net)}.",
            "Apabila di kemudian hari terdapat kesalahan atau ketidaksesuaian data yang mengakibatkan kelebihan "
            "pembayaran TPP, saya bertanggung jawab mutlak dan bersedia menyetorkan kelebihan pembayaran tersebut "
            "ke Kas Daerah sesuai ketentuan peraturan perundang-undangan.",
            "Pernyataan ini berlaku untuk berkas-berkas berikut, yang dikenali dari sidik jari sha256-nya:",
        ]
        for i, text in enumerate(points, 1):
            out += [Paragraph(f"{i}. {text}", _BODY), Spacer(1, 1.5 * mm)]
        if d.revision > 1 and d.reason:
            out += [Paragraph(f"Revisi {d.revision} dibuat dengan alasan: {escape(d.reason)}.", _BODY),
                    Spacer(1, 1.5 * mm)]
        out += [_hash_rows(d, kinds, width), Spacer(1, 4 * mm),
                Paragraph("Demikian surat pernyataan ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana "
                          "mestinya.", _BODY), Spacer(1, 8 * mm), KeepTogether(_signature(d, width))]
        return out

    return _build(d, f"SPTJM {d.letterhead.opd_name} {d.period_text}", f"SPTJM {d.period_text} revisi {d.revision}",
                  _keywords(d.hashes, ("recap_pdf", "recap_xlsx")), story)


def render_pengantar(d: BundleDocData) -> bytes:
    """The surat pengantar PDF (table form); lists the recap, the Excel and the SPTJM by sha256."""
    kinds = (("recap_pdf", f"Rekapitulasi kehadiran pegawai bulan {d.period_text} revisi {d.revision}, "
                           f"bertanda tangan elektronik (1 berkas PDF)"),
             ("recap_xlsx", f"Rekapitulasi potongan TPP bulan {d.period_text} (1 berkas Excel)"),
             ("sptjm_pdf", "Surat pernyataan tanggung jawab mutlak (1 berkas PDF)"))

    def story(width: float) -> list[Flowable]:
        number = escape(d.pengantar_number) if d.pengantar_number else "." * 40
        received = [Paragraph("Diterima tanggal: ....................", _CELL), Spacer(1, 2 * mm),
                    Paragraph("Penerima,", _CELL), Spacer(1, 22 * mm), Paragraph("(......................)", _CELL)]
        return [Paragraph(f"Yth. {escape(d.recipient)}", _LEFT), Paragraph("di tempat", _LEFT), Spacer(1, 6 * mm),
                Paragraph("<u>SURAT PENGANTAR</u>", _TITLE), Paragraph(f"NOMOR {number}", _CENTER), Spacer(1, 5 * mm),
                _hash_rows(d, kinds, width), Spacer(1, 3 * mm),
                Paragraph(f"Dikirim untuk diproses sebagai laporan kehadiran dan dasar pembayaran TPP bulan "
                          f"{d.period_text} (batas penyampaian {tanggal_indonesia(d.deadline)})"
                          + (f"; revisi {d.revision}: {escape(d.reason)}" if d.revision > 1 and d.reason else "")
                          + ".", _BODY),
                Spacer(1, 8 * mm), KeepTogether(_signature(d, width, left=received))]

    return _build(d, f"Surat pengantar {d.letterhead.opd_name} {d.period_text}",
                  f"Surat pengantar {d.period_text} revisi {d.revision}",
                  _keywords(d.hashes, ("recap_pdf", "recap_xlsx", "sptjm_pdf")), story)
