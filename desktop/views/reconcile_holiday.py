"""Rekonsiliasi tab "Bolos usai libur panjang": TK on the first working day after a long holiday (Kaltara)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from desktop.models.row_table import RowTableModel
from desktop.widgets import make_table
from services.calendar.names import HARI, month_label
from services.policy.model import policy_for_opd
from services.reconcile.after_holiday import AbsentAfterHoliday, absent_after_long_holiday

TAB_TITLE = "Bolos usai libur panjang"


class AfterHolidayPage(QWidget):
    """Read-only list; filled by the Rekonsiliasi screen's refresh (same month and unit as the grid)."""

    def __init__(self) -> None:
        super().__init__()
        self.model = RowTableModel([
            ("Tanggal", lambda r: f"{HARI[r.date.weekday()]} {r.date:%d-%m-%Y}"),
            ("NIP", lambda r: r.nip),
            ("Pegawai", lambda r: r.name),
            ("Unit", lambda r: r.unit),
            ("Libur sebelumnya", lambda r: f"{r.off_from:%d-%m}..{r.off_to:%d-%m} ({r.off_days} hari)"),
            ("Keterangan libur", lambda r: r.holidays or "libur mingguan"),
        ])
        self.table = make_table(self.model, contents=(0, 1, 4), fixed={2: 200, 3: 200}, stretch=5)
        self.title = QLabel("")
        self.title.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        self.rows: list[AbsentAfterHoliday] = []

    def load(self, session: Session, opd_id: int, year: int, month: int, unit_id: int | None) -> int:
        min_days = policy_for_opd(session, opd_id).discipline.long_holiday_min_days
        self.rows = absent_after_long_holiday(session, opd_id, year, month, min_days, unit_id)
        self.model.set_rows(self.rows)
        self.title.setText(
            f"{len(self.rows)} pegawai tanpa keterangan (TK) pada hari kerja pertama usai libur panjang "
            f"(minimal {min_days} hari libur/cuti bersama berturut-turut; kebijakan OPD) di {month_label(year, month)}. "
            "Koreksi atau surat di tab 'Perlu ditinjau' menghapusnya dari daftar ini.")
        return len(self.rows)
