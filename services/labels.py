"""One Indonesian name per state, used by every screen, report and message (no raw codes shown).

A period is "Terbuka" on Rekonsiliasi, on Laporan Bulanan and on the Dasbor alike (a month without a
period row is open too); a day status is "Tanpa keterangan", never "TK" in a sentence (the month
grid's cells keep the short codes of the legend, whose meanings are these labels).
"""

from __future__ import annotations

from services.letters.kinds import STATUS_LABELS as _DAY

PERIOD_STATE = {"open": "Terbuka", "locked": "Dikunci", "signed": "Ditandatangani", "submitted": "Terkirim ke BKPSDM"}
REPORT_STATE = {"draft": "Draf (belum ditandatangani)", "signed": "Ditandatangani", "queued": "Dalam antrean kirim",
                "submitted": "Terkirim ke BKPSDM"}
DAY_STATUS = dict(_DAY)


def period_label(status: str | None) -> str:
    """The period state's name; ``None`` (no period row yet) is an open month."""
    return PERIOD_STATE.get(status or "open", status or "open")


def report_label(status: str) -> str:
    return REPORT_STATE.get(status, status)


def day_status_label(code: str) -> str:
    """"Hadir", "Tanpa keterangan", "Cuti Tahunan", "Belum ada data (hari ini)" for H, TK, CT, BELUM."""
    return DAY_STATUS.get(code, code)
