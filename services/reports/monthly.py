"""Monthly attendance recap PDF (Laporan Rekapitulasi Kehadiran Bulanan) and its Report row.

The table is landscape A4/F4 with the header rows repeated on every page, "Halaman x
dari y" in the footer and the head of the OPD's signature block at the bottom of
the last page. The signature block always sits at the same place relative to the
page size (`signature_box`), so signing can put the visible PAdES stamp exactly
into it without any extra bookkeeping.

Input rows come from ``services.policy.tpp.month_recap`` (or are passed in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import AuthError, CurrentUser
from services.calendar.names import BULAN, month_bounds
from services.changes import Changes
from services.errors import UserError
from services.jobs import NEVER_CANCELLED, Cancelled, CancelToken, ProgressFn, no_progress
from services.paths import files_dir
from services.policy.recap import MonthRecapRow
from services.reports.layout import Letterhead, draw_letterhead, draw_signature_block, paper, tanggal_indonesia
from services.reports.paged_table import PagedTable
from services.reports.tpp_appendix import appendix_flowables
from services.store.db import Database, clock_of
from services.store.models import Employee, Opd, Period, Report

MARGIN_X = 12 * mm
MARGIN_TOP = 12 * mm
MARGIN_BOTTOM = 16 * mm
LETTERHEAD_SPACE = 26 * mm
SIGNATURE_BLOCK_H = 38 * mm
SIGNATURE_BLOCK_W = 85 * mm

# Report columns after No / Nama-NIP / Jabatan-Unit
COUNT_COLUMNS = ("H", "TL1", "TL2", "TL3", "TL4", "PSW1", "PSW2", "PSW3", "PSW4", "TK", "CUTI", "DL", "S", "I")


class ReportError(UserError):
    """User-facing problem while generating a report (period not locked, missing rows, ...)."""


@dataclass(frozen=True)
class ReportInfo:
    report_id: int
    period_id: int
    revision: int
    pdf_path: Path
    pdf_sha256: str
    pages: int
    employees: int

    @property
    def changes(self) -> Changes:
        return Changes(reports=True)


@dataclass(frozen=True)
class SignatoryText:
    city: str
    date_text: str
    title: str
    name: str
    nip: str


def signature_box(page_size: tuple[float, float]) -> tuple[float, float, float, float]:
    """(x1, y1, x2, y2) of the empty signing area on the last page, in PDF points."""
    width, _height = page_size
    x = width - MARGIN_X - SIGNATURE_BLOCK_W
    return (x, MARGIN_BOTTOM + 10 * mm, x + SIGNATURE_BLOCK_W - 5 * mm, MARGIN_BOTTOM + 29 * mm)


def format_pct(value: float) -> str:
    """Indonesian decimal comma, two decimals (2,50)."""
    return f"{value:.2f}".replace(".", ",")


def relative_file(db: Database, path: Path) -> str:
    """Store file paths relative to the database folder so the data folder can move."""
    try:
        return str(path.relative_to(Path(db.path).parent))
    except ValueError:
        return str(path)


def resolve_file(db: Database, stored: str) -> Path:
    p = Path(stored)
    return p if p.is_absolute() else Path(db.path).parent / p


# ------------------------------------------------------------------ PDF drawing


class _SignatureBlock(Flowable):
    """The last block: legend on the left, signatory text on the right, at the bottom of the page.

    It is drawn in absolute page coordinates so the signing area matches signature_box().
    """

    def __init__(self, sig: SignatoryText, page_size: tuple[float, float], notes: Sequence[Paragraph]) -> None:
        super().__init__()
        self.sig = sig
        self.page_size = page_size
        self.notes = list(notes)
        self._notes_w = page_size[0] - 2 * MARGIN_X - SIGNATURE_BLOCK_W - 8 * mm

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        # When the block does not fit below the table, platypus moves it to a new page.
        notes_h = sum(p.wrap(self._notes_w, avail_height)[1] + 1.5 * mm for p in self.notes)
        self._notes_h = notes_h
        return avail_width, max(SIGNATURE_BLOCK_H, notes_h)

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.translate(-self._frame_x, -self._frame_y)
        top = MARGIN_BOTTOM + max(SIGNATURE_BLOCK_H, self._notes_h)
        y = top
        for p in self.notes:
            _w, h = p.wrap(self._notes_w, SIGNATURE_BLOCK_H * 4)
            y -= h
            p.drawOn(c, MARGIN_X, y)
            y -= 1.5 * mm
        x1, _y1, _x2, _y2 = signature_box(self.page_size)
        draw_signature_block(
            c, x1, MARGIN_BOTTOM + 35 * mm, f"{self.sig.city}, {self.sig.date_text}", self.sig.title,
            self.sig.name, self.sig.nip, gap=21 * mm,
        )
        c.restoreState()

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802 - reportlab API
        self._frame_x, self._frame_y = x, y
        super().drawOn(canvas, x, y, _sW)


def _numbered_canvas_class(footer_text: str, progress: ProgressFn, cancel: CancelToken,
                           expected_pages: int) -> type[Canvas]:
    """Canvas that defers pages so the footer can say "Halaman x dari y"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            self._saved: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            cancel.raise_if_cancelled()
            self._saved.append(dict(self.__dict__))
            progress(len(self._saved), max(expected_pages, len(self._saved)), f"Menyusun halaman {len(self._saved)}")
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            w, _h = self._pagesize
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.grey)
            self.drawString(MARGIN_X, 8 * mm, footer_text)
            self.drawRightString(w - MARGIN_X, 8 * mm, f"Halaman {self._pageNumber} dari {total}")
            self.setFillColor(colors.black)

    return NumberedCanvas


def build_monthly_pdf(
    rows: Sequence[MonthRecapRow],
    head: Letterhead,
    year: int,
    month: int,
    signatory: SignatoryText,
    *,
    paper_name: str = "A4",
    revision: int = 1,
    generated_at: dt.datetime,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    audit_head: tuple[int, str] | None = None,
) -> tuple[bytes, int]:
    """Render the recap table; returns (pdf bytes, page count).

    ``audit_head`` (event id, hash) is printed under the table: once signed, the PDF anchors the audit
    log outside the database (`presensi-opd audit-verify --anchor ID:HASH`).
    """
    page_size = paper(paper_name, landscape=True)
    width, height = page_size
    period_text = f"{BULAN[month - 1]} {year}"
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=page_size, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=f"Rekapitulasi Kehadiran {head.opd_name} {period_text}",
        author=head.opd_name, subject=f"Laporan bulanan {period_text} revisi {revision}", creator="Presensi OPD",
    )
    frame_w = width - 2 * MARGIN_X
    first = Frame(MARGIN_X, MARGIN_BOTTOM, frame_w, height - MARGIN_TOP - MARGIN_BOTTOM - LETTERHEAD_SPACE,
                  id="first", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    later = Frame(MARGIN_X, MARGIN_BOTTOM, frame_w, height - MARGIN_TOP - MARGIN_BOTTOM,
                  id="later", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def on_first(c: Canvas, _doc: BaseDocTemplate) -> None:
        draw_letterhead(c, head, page_size, top_margin=MARGIN_TOP + 3 * mm)

    doc.addPageTemplates([PageTemplate(id="first", frames=[first], onPage=on_first),
                          PageTemplate(id="later", frames=[later])])

    title = ParagraphStyle("t", fontName="Helvetica-Bold", fontSize=12, alignment=TA_CENTER, leading=15)
    sub = ParagraphStyle("s", fontName="Helvetica", fontSize=10, alignment=TA_CENTER, leading=13)
    cell = ParagraphStyle("c", fontName="Helvetica", fontSize=7.5, leading=9)
    small = ParagraphStyle("sm", fontName="Helvetica", fontSize=6.5, leading=8, textColor=colors.HexColor("#333333"))
    note = ParagraphStyle("n", fontName="Helvetica", fontSize=7.5, leading=9.5)

    story: list[Flowable] = [
        NextPageTemplate("later"),
        Paragraph("REKAPITULASI KEHADIRAN PEGAWAI", title),
        Paragraph(f"Bulan {period_text}" + (f" &mdash; Revisi {revision}" if revision > 1 else ""), sub),
        Spacer(1, 2.5 * mm),
    ]

    hcell = ParagraphStyle("h", fontName="Helvetica-Bold", fontSize=7, leading=8.5, alignment=TA_CENTER)
    head1 = ["No", "Nama / NIP", "Jabatan / Unit Kerja", Paragraph("Hari Kerja", hcell), "H",
             Paragraph("Terlambat Masuk (TL)", hcell), "", "", "",
             Paragraph("Pulang Sebelum Waktu (PSW)", hcell), "", "", "", "TK", "Cuti", "DL", "S", "I",
             Paragraph("Potongan TPP (%)", hcell)]
    head2 = ["", "", "", "", "", "1", "2", "3", "4", "1", "2", "3", "4", "", "", "", "", "", ""]
    data: list[list] = [head1, head2]
    totals = {k: 0 for k in COUNT_COLUMNS}
    for i, r in enumerate(rows, start=1):
        if i % 100 == 0:
            cancel.raise_if_cancelled()
        for k in COUNT_COLUMNS:
            totals[k] += r.count(k)
        data.append([
            str(i),
            Paragraph(f"<b>{_esc(r.name)}</b><br/>NIP. {_esc(r.nip)}", cell),
            Paragraph(f"{_esc(r.jabatan)}<br/><font color='#555555'>{_esc(r.unit)}</font>", small),
            str(r.working_days),
            *[str(r.count(k)) for k in COUNT_COLUMNS],
            format_pct(r.deduction_pct),
        ])
    data.append(["", "JUMLAH", "", str(sum(r.working_days for r in rows)),
                 *[str(totals[k]) for k in COUNT_COLUMNS], ""])

    fixed = [8, 0, 0, 11, 9, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 8, 8, 16]
    rest = frame_w / mm - sum(fixed)
    widths = [w * mm for w in fixed]
    widths[1], widths[2] = rest * 0.52 * mm, rest * 0.48 * mm
    # PagedTable: LongTable re-measured all remaining rows at every page break (quadratic: 47 s at 6,000)
    table = PagedTable(data[:2], data[2:], widths, [
        ("FONT", (0, 0), (-1, 1), "Helvetica-Bold", 7.5),
        ("FONT", (0, 2), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#dfe7f1")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, 1), "CENTER"),
        ("ALIGN", (3, 2), (-1, -1), "CENTER"),
        ("ALIGN", (0, 2), (0, -1), "CENTER"),
        ("SPAN", (5, 0), (8, 0)),
        ("SPAN", (9, 0), (12, 0)),
        *[("SPAN", (c, 0), (c, 1)) for c in (0, 1, 2, 3, 4, 13, 14, 15, 16, 17, 18)],
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ], _totals_row_style, row_backgrounds=[colors.white, colors.HexColor("#f7f9fc")])
    del data  # the table holds the rows now and lets each page's go once drawn
    story.append(table)
    story.extend(appendix_flowables(rows, frame_w, cancel))  # before the signature: it stays on the last page
    notes = [
        Paragraph(
            "<b>Keterangan:</b> H = hadir; TL1&ndash;TL4 = terlambat masuk tingkat 1&ndash;4; PSW1&ndash;PSW4 = pulang "
            "sebelum waktu tingkat 1&ndash;4; TK = tidak masuk tanpa keterangan; Cuti = cuti (semua jenis); DL = dinas "
            "luar / surat tugas (dihitung hadir); S = sakit; I = izin; Potongan TPP = persentase potongan bulan ini "
            "setelah batas maksimum kebijakan daerah.", note),
        Paragraph(f"Jumlah pegawai: {len(rows)}. Dicetak {tanggal_indonesia(generated_at.date())} pukul "
                  f"{generated_at:%H.%M} oleh aplikasi Presensi OPD.", note),
    ]
    if audit_head is not None:
        notes.append(Paragraph(f"Jejak audit: kejadian #{audit_head[0]}, hash {audit_head[1]}", note))
    story.append(Spacer(1, 2 * mm))
    story.append(_SignatureBlock(signatory, page_size, notes))

    expected = max(1, (len(rows) * 9 * mm) // (height - 60 * mm) + 1)
    footer = f"Rekapitulasi Kehadiran {head.opd_name} — {period_text} — revisi {revision}"
    doc.build(story, canvasmaker=_numbered_canvas_class(footer, progress, cancel, int(expected)))
    pdf = buf.getvalue()
    return pdf, doc.page


def _totals_row_style(last: int) -> list[tuple]:
    """The JUMLAH line closing the table (on the last page)."""
    return [("FONT", (0, last), (-1, last), "Helvetica-Bold", 8),
            ("BACKGROUND", (0, last), (-1, last), colors.HexColor("#f1f1f1")),
            ("SPAN", (1, last), (2, last))]


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ------------------------------------------------------------ report service


def find_period(session: Session, opd_id: int, year: int, month: int) -> Period | None:
    return session.execute(
        select(Period).where(Period.opd_id == opd_id, Period.year == year, Period.month == month)
    ).scalar_one_or_none()


def latest_report(session: Session, period_id: int) -> Report | None:
    return session.execute(
        select(Report).where(Report.period_id == period_id).order_by(Report.revision.desc()).limit(1)
    ).scalar_one_or_none()


def _signatory(session: Session, opd: Opd, when: dt.date) -> SignatoryText:
    head = session.get(Employee, opd.head_employee_id) if opd.head_employee_id else None
    return SignatoryText(
        city=opd.city or "",
        date_text=tanggal_indonesia(when),
        title=f"Kepala {opd.name}",
        name=head.name if head else "(nama kepala OPD)",
        nip=head.nip if head else "-",
    )


def recap_rows_for(session: Session, opd: Opd, year: int, month: int) -> list[MonthRecapRow]:
    """Rows from the TPP helper (services.policy.tpp.month_recap) with the OPD's policy preset."""
    from services.policy.model import load_policy
    from services.policy.tpp import month_recap

    return month_recap(session, opd.id, year, month, load_policy(opd.policy_preset))


def summary_lines(rows: Sequence[MonthRecapRow]) -> list[dict]:
    """Per-employee lines stored with the report and sent to the central database."""
    out = []
    for r in rows:
        d = asdict(r)
        d.pop("employee_id", None)
        d["lines"] = [ln.as_list() for ln in r.lines]  # compact [code, count, pct, rupiah]: 6.000 employees
        out.append(d)
    return out


def generate_monthly_report(
    db: Database,
    opd_id: int,
    year: int,
    month: int,
    user: CurrentUser,
    *,
    paper_name: str = "A4",
    rows: Sequence[MonthRecapRow] | None = None,
    reason: str = "",
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> ReportInfo:
    """Render the month's recap PDF for a locked period and record it as a draft Report.

    A draft (unsigned) latest revision is replaced in place; once a revision is signed,
    a new revision needs a ``reason``. ``rows`` defaults to services.policy.tpp.month_recap.
    """
    if not (user.has("operator") or user.has("signer")):
        raise AuthError("Membuat laporan bulanan memerlukan peran Operator atau Penanda tangan.")
    paper(paper_name)  # validates the name before any work
    progress(0, 1, "Menyiapkan data rekap")
    with db.session() as s:
        opd = s.get(Opd, opd_id)
        if opd is None:
            raise ReportError(f"OPD dengan id {opd_id} tidak ditemukan.")
        label = f"{BULAN[month - 1]} {year}"
        last_day = month_bounds(year, month)[1]
        today = clock_of(s).today()
        if last_day >= today:
            raise ReportError(f"Laporan bulanan {label} belum bisa dibuat: bulan itu belum berakhir (hari ini "
                              f"{today:%d-%m-%Y}). Laporan dibuat dari bulan yang sudah selesai dan dikunci.")
        period = find_period(s, opd_id, year, month)
        if period is None or period.status == "open":
            raise ReportError(f"Periode {label} belum dikunci. Kunci periode di layar Rekonsiliasi terlebih dahulu.")
        prev = latest_report(s, period.id)
        if prev is not None and prev.status != "draft" and not reason.strip():
            raise ReportError(
                f"Laporan {label} revisi {prev.revision} sudah ditandatangani; isi alasan untuk membuat revisi baru."
            )
        revision = prev.revision if prev is not None and prev.status == "draft" else (prev.revision + 1 if prev else 1)
        recap = list(rows) if rows is not None else recap_rows_for(s, opd, year, month)
        head = Letterhead.from_opd(opd)
        now = db.clock.now()
        sig = _signatory(s, opd, now.date())
        opd_code, period_id = opd.code, period.id
        head_now = audit.chain_head(s)
    if not recap:
        raise ReportError(f"Tidak ada pegawai aktif pada periode {label}.")
    cancel.raise_if_cancelled()
    pdf, pages = build_monthly_pdf(recap, head, year, month, sig, generated_at=now, paper_name=paper_name,
                                   revision=revision, audit_head=head_now,
                                   progress=progress, cancel=cancel)
    sha = hashlib.sha256(pdf).hexdigest()
    target = files_dir(db.path, "reports") / f"{opd_code}_{year}-{month:02d}_r{revision}.pdf"
    tmp = target.with_suffix(".pdf.tmp")
    if cancel.cancelled:
        raise Cancelled()
    tmp.write_bytes(pdf)
    with db.transaction() as s:
        report = s.execute(
            select(Report).where(Report.period_id == period_id, Report.revision == revision)
        ).scalar_one_or_none()
        if report is not None and report.status != "draft":
            tmp.unlink(missing_ok=True)
            raise ReportError(f"Revisi {revision} baru saja ditandatangani oleh pengguna lain; ulangi.")
        if report is None:
            report = Report(period_id=period_id, revision=revision, pdf_path="", pdf_sha256="")
            s.add(report)
        report.reason = reason.strip()
        report.pdf_path = relative_file(db, target)
        report.pdf_sha256 = sha
        report.paper = paper_name.upper()
        report.created_by = user.username
        report.created_at = now
        report.summary_json = json.dumps(summary_lines(recap), ensure_ascii=False)
        report.audit_head_id, report.audit_head_hash = head_now
        s.flush()
        audit.record(s, user.username, "report.generate", "report", report.id,
                     {"period": f"{year}-{month:02d}", "revision": revision, "sha256": sha, "employees": len(recap)})
        # Rename inside the transaction: a failed commit leaves the old file; a failed rename aborts the commit.
        os.replace(tmp, target)
        report_id = report.id
    progress(1, 1, "Laporan selesai")
    return ReportInfo(report_id, period_id, revision, target, sha, pages, len(recap))
