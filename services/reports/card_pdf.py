"""PDF of the kartu presensi (portrait A4/F4): kop surat, identity, one row per day, totals, signatures."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.reports.card import CardData, CardDay
from services.reports.layout import draw_letterhead, paper, tanggal_indonesia

MARGIN = 14 * mm
LETTERHEAD_SPACE = 27 * mm
_TITLE = ParagraphStyle("t", fontName="Helvetica-Bold", fontSize=12, leading=15, alignment=TA_CENTER)
_SUB = ParagraphStyle("s", fontName="Helvetica", fontSize=10, leading=13, alignment=TA_CENTER)
_CELL = ParagraphStyle("c", fontName="Helvetica", fontSize=7, leading=8.2)
_NOTE = ParagraphStyle("n", fontName="Helvetica", fontSize=7.5, leading=9.5)
_IDENT = ParagraphStyle("i", fontName="Helvetica", fontSize=9, leading=11)
_SIGN = ParagraphStyle("g", fontName="Helvetica", fontSize=9.5, leading=12)
WEEKEND = colors.HexColor("#eeeeee")
TK_RED = colors.HexColor("#fde2e1")
HEAD_BLUE = colors.HexColor("#dfe7f1")


def _e(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _hm(ts: dt.datetime | None, day: dt.date) -> str:
    if ts is None:
        return "-"
    return ts.strftime("%H.%M") if ts.date() == day else ts.strftime("%H.%M (%d/%m)")


def _minutes(minutes: int, tier: int, code: str) -> str:
    return f"{minutes} ({code}{tier})" if tier else ("-" if not minutes else str(minutes))


def _identity(data: CardData, width: float) -> Table:
    rows = [("Nama", data.employee.name), ("NIP", data.employee.nip), ("Jabatan", data.employee.jabatan or "-"),
            ("Unit kerja", data.unit or "-"), ("Golongan / jenis", f"{data.golongan or '-'} / {data.kind}")]
    t = Table([[k, ":", Paragraph(_e(v), _IDENT)] for k, v in rows], colWidths=[32 * mm, 4 * mm, width - 36 * mm])
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "Helvetica", 9), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                           ("TOPPADDING", (0, 0), (-1, -1), 1), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def _day_row(d: CardDay) -> list:
    mark = "*" if d.corrections else ""
    notes = list(d.notes) + [f"koreksi K{n}" for n in d.corrections]
    return [
        f"{d.date.day}", d.weekday, Paragraph(_e(d.label) + mark, _CELL), _hm(d.check_in, d.date),
        _hm(d.check_out, d.date), _minutes(d.late_minutes, d.tl_tier, "TL"),
        _minutes(d.early_minutes, d.psw_tier, "PSW"), Paragraph(_e(d.letter) or "-", _CELL),
        Paragraph(_e("; ".join(notes)) or "", _CELL),
    ]


def _days_table(data: CardData, width: float) -> Table:
    head = ["Tgl", "Hari", "Status", "Masuk", "Pulang", "Terlambat\n(menit)", "Pulang cepat\n(menit)", "Surat",
            "Catatan / koreksi"]
    fixed = [8, 14, 0, 13, 13, 17, 19, 34, 0]
    rest = width / mm - sum(fixed)
    widths = [w * mm for w in fixed]
    widths[2], widths[8] = rest * 0.45 * mm, rest * 0.55 * mm
    rows = [head] + [_day_row(d) for d in data.days]
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BLUE),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (0, 1), (1, -1), "CENTER"),
        ("ALIGN", (3, 1), (6, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 0.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.9),
    ]
    for i, d in enumerate(data.days, start=1):
        if d.status == "TK":
            style.append(("BACKGROUND", (0, i), (-1, i), TK_RED))
        elif d.status == "LIBUR" or not d.working_day:
            style.append(("BACKGROUND", (0, i), (-1, i), WEEKEND))
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle(style))
    return t


def _totals_table(data: CardData, width: float) -> Table:
    t = data.totals
    head = ["Hari kerja", "Hadir", "Terlambat\n(hari / menit)", "Pulang cepat\n(hari / menit)", "TK", "Cuti",
            "Dinas luar", "Sakit", "Izin", "Belum ada\ndata"]
    values = [t["hari_kerja"], t["H"], f"{t['TL']} / {t['menit_TL']}", f"{t['PSW']} / {t['menit_PSW']}",
              t["TK"], t["CUTI"], t["DL"], t["S"], t["I"], t["belum"]]
    widths = [width * w for w in (0.1, 0.08, 0.14, 0.14, 0.08, 0.08, 0.1, 0.08, 0.08, 0.12)]
    table = Table([head, [str(v) for v in values]], colWidths=widths)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7), ("FONT", (0, 1), (-1, 1), "Helvetica-Bold", 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BLUE), ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _signatures(data: CardData, width: float) -> Table:
    when = f"{data.city}, {tanggal_indonesia(data.generated_at.date())}".strip(", ")
    boss = data.atasan
    left = [Paragraph("&nbsp;", _SIGN), Paragraph("Pegawai yang bersangkutan,", _SIGN), Spacer(1, 18 * mm),
            Paragraph(f"<b>{_e(data.employee.name)}</b>", _SIGN), Paragraph(f"NIP. {_e(data.employee.nip)}", _SIGN)]
    right = [Paragraph(_e(when), _SIGN), Paragraph("Atasan langsung,", _SIGN)]
    if boss is not None:
        right += [Paragraph(_e(boss.jabatan), _SIGN) if boss.jabatan else Spacer(1, 1), Spacer(1, 14 * mm),
                  Paragraph(f"<b>{_e(boss.name)}</b>", _SIGN), Paragraph(f"NIP. {_e(boss.nip)}", _SIGN)]
    else:
        right += [Spacer(1, 18 * mm), Paragraph("<b>(atasan langsung belum diatur)</b>", _SIGN),
                  Paragraph("NIP. ............................", _SIGN)]
    t = Table([[left, right]], colWidths=[width / 2, width / 2])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (1, 0), (1, 0), 30 * mm)]))
    return t


def _legend(data: CardData) -> list[Paragraph]:
    out = [Paragraph(
        "<b>Keterangan:</b> TL1&ndash;TL4 / PSW1&ndash;PSW4 = tingkat terlambat / pulang sebelum waktu menurut "
        "kebijakan daerah; TK = tanpa keterangan; baris abu-abu = akhir pekan atau hari libur; baris merah = tanpa "
        "keterangan; tanda * = hari yang dikoreksi petugas (rincian di bawah).", _NOTE)]
    if data.corrections:
        out.append(Paragraph("<b>Koreksi petugas:</b>", _NOTE))
        out += [Paragraph(f"K{c.number}. {_e(c.text)}", _NOTE) for c in data.corrections]
    return out


def build_card_pdf(data: CardData, paper_name: str = "A4") -> tuple[bytes, int]:
    """Render the card; returns (pdf bytes, pages)."""
    page_size = paper(paper_name)
    width = page_size[0] - 2 * MARGIN
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=page_size, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN + LETTERHEAD_SPACE, bottomMargin=MARGIN,
                            title=f"Kartu Presensi {data.employee.name} {data.period}", author=data.head.opd_name,
                            subject=f"Kartu presensi NIP {data.employee.nip} {data.period}", creator="Presensi OPD")
    footer = (f"Kartu presensi {data.employee.name} — {data.period} — dicetak "
              f"{tanggal_indonesia(data.generated_at.date())} pukul {data.generated_at:%H.%M} oleh Presensi OPD")

    def on_page(c: Canvas, d: SimpleDocTemplate) -> None:
        if d.page == 1:
            draw_letterhead(c, data.head, page_size, top_margin=MARGIN)
        c.setFont("Helvetica", 7.5)
        c.setFillColor(colors.grey)
        c.drawString(MARGIN, 7 * mm, footer)
        c.drawRightString(page_size[0] - MARGIN, 7 * mm, f"Halaman {d.page}")
        c.setFillColor(colors.black)

    story = [
        Paragraph("KARTU PRESENSI PEGAWAI", _TITLE),
        Paragraph(f"Bulan {data.period}", _SUB),
        Spacer(1, 2 * mm),
        _identity(data, width),
        Spacer(1, 2 * mm),
        _days_table(data, width),
        Spacer(1, 2 * mm),
        KeepTogether([_totals_table(data, width), Spacer(1, 1.5 * mm), *_legend(data), Spacer(1, 3 * mm),
                      _signatures(data, width)]),
    ]
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue(), doc.page
