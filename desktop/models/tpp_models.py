"""Table models of the TPP & Disiplin screen (columns over service rows, colour-coded)."""

from __future__ import annotations

from desktop.models.row_table import RowTableModel
from desktop.models.tpp_detail import deduction_tooltip
from services.policy.discipline import DisciplineRow
from services.policy.recap import MonthRecapRow
from services.policy.tpp import format_rupiah
from services.reports.notices import NoticeListRow

LEVEL_COLOUR = {"ringan": "#fff4c2", "sedang": "#ffd9a8", "berat": "#f8c4c0"}


def _rp(value: int) -> str:
    return format_rupiah(value).replace("Rp ", "")


def _tl(r: MonthRecapRow) -> str:
    return "/".join(str(r.count(f"TL{i}")) for i in range(1, 5))


def _psw(r: MonthRecapRow) -> str:
    return "/".join(str(r.count(f"PSW{i}")) for i in range(1, 5))


def tpp_model() -> RowTableModel:
    def colour(r: MonthRecapRow, _c: int) -> str | None:
        if r.manipulation:
            return "#f8c4c0"
        if r.deduction_pct >= 25:
            return "#ffd9a8"
        return "#fff8dc" if r.deduction_rp else None

    # Name and money first: on a 1366 px laptop the columns staff check fit without scrolling sideways;
    # NIP and unit (the name's tooltip shows the NIP too) come last.
    return RowTableModel(
        [
            ("Nama", lambda r: r.name),
            ("Potongan (%)", lambda r: f"{r.deduction_pct:.2f}".replace(".", ",") + (" ⚠" if r.manipulation else "")),
            ("TPP dasar (Rp)", lambda r: _rp(r.tpp_base)),
            ("Dasar potongan (Rp)", lambda r: _rp(r.deduction_base_rp)),
            ("Potongan (Rp)", lambda r: _rp(r.deduction_rp)),
            ("Diterima (Rp)", lambda r: _rp(r.tpp_net)),
            ("Hari kerja", lambda r: r.working_days),
            ("Hadir", lambda r: r.count("H") + r.count("DL")),
            ("TK", lambda r: r.count("TK")),
            ("TL 1/2/3/4", _tl),
            ("PSW 1/2/3/4", _psw),
            ("Tidak apel", lambda r: r.count("APEL_MISS")),
            ("Cuti/S/I", lambda r: r.count("CUTI") + r.count("S") + r.count("I")),
            ("NIP", lambda r: r.nip),
            ("Unit", lambda r: r.unit),
        ],
        background=colour,
        tooltip=lambda r, c: (f"{r.name} — NIP {r.nip}" if c == 0 else deduction_tooltip(r) if c in (1, 3, 4) else None),
    )


def discipline_model() -> RowTableModel:
    return RowTableModel(
        [
            ("NIP", lambda r: r.nip),
            ("Nama", lambda r: r.name),
            ("Jenis", lambda r: r.kind),
            ("TK", lambda r: r.tk_days),
            ("Menit telat/pulang", lambda r: r.minutes_total),
            ("= hari", lambda r: r.converted_days),
            ("Jumlah hari", lambda r: r.total_days),
            ("Berturut", lambda r: r.longest_run),
            ("Tingkat", lambda r: r.level.capitalize() if r.level else "—"),
            ("Hukuman", lambda r: r.sanction),
            ("Langkah berikutnya", lambda r: r.next_document),
        ],
        background=lambda r, _c: LEVEL_COLOUR.get(r.level),
    )


NOTICE_STATUS_LABELS = {"draft": "Draf", "numbered": "Bernomor", "signed": "Ditandatangani", "delivered": "Diserahkan"}


def notices_model() -> RowTableModel:
    return RowTableModel(
        [
            ("Tanggal", lambda r: r.issued_on.strftime("%d-%m-%Y")),
            ("Nomor", lambda r: r.number),
            ("Jenis", lambda r: r.title),
            ("NIP", lambda r: r.nip),
            ("Nama", lambda r: r.name),
            ("Pemeriksaan", lambda r: r.exam_date.strftime("%d-%m-%Y") if r.exam_date else ""),
            ("Dibuat oleh", lambda r: r.username),
            ("Naskah dinas", lambda r: NOTICE_STATUS_LABELS.get(r.status, r.status)
             + (f" · {r.official_number}" if r.official_number else "")),
        ]
    )


__all__ = ["DisciplineRow", "MonthRecapRow", "NoticeListRow", "discipline_model", "notices_model", "tpp_model"]
