"""Dasbor: today's facts at a glance and the latest imports."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from desktop.context import AppContext
from desktop.models.row_table import RowTableModel
from desktop.ops import Operation
from desktop.views.dashboard_checklist import SetupChecklist
from desktop.widgets import make_table, page_header
from services.auth.users import CurrentUser
from services.calendar.names import BULAN
from services.central.reminders import DeadlineReminder, deadline_reminder
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.org.queries import DashboardFacts, dashboard_facts
from services.reconcile.period import STATUS_LABEL
from services.selfie.queue import count_pending
from services.store.backup import backup_reminder
from services.store.db import Database
from services.timefmt import tanggal_jam

PERIOD_LABEL = STATUS_LABEL  # services/labels.py: the same names as Rekonsiliasi and Laporan
# the cards whose count is work for one role (the others are facts for everyone who sees the dashboard):
# a Kepala OPD does not correct days, an operator does not decide selfies
CARD_ROLES = {"devices": "operator", "selfies": "verifier", "review": "operator"}
KIND_LABEL = {"device": "Mesin", "usb": "USB", "mobile": "Mobile", "simpeg": "SIMPEG", "manual": "Manual"}


def load_dashboard(db: Database, opd_id: int, today: dt.date, user: CurrentUser | None = None,
                   progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED,
                   ) -> tuple[DashboardFacts, DeadlineReminder | None, int]:
    """The dashboard's figures, read on a worker thread in its own session; the last is ``user``'s own
    selfie queue (his team's pending checks, not the whole OPD's)."""
    with db.session() as s:
        mine = count_pending(s, user) if user is not None else 0
        return dashboard_facts(s, opd_id, today), deadline_reminder(s, opd_id, today), mine


class Card(QFrame):
    def __init__(self, label: str) -> None:
        super().__init__()
        self.setObjectName("card")
        self.value = QLabel("–")
        self.value.setObjectName("cardValue")
        self.caption = QLabel(label)
        self.caption.setObjectName("cardLabel")
        self.caption.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.value)
        lay.addWidget(self.caption)


class DashboardView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        title, self.subtitle = page_header("Dasbor")
        self.reminder: DeadlineReminder | None = None
        self.banner = QLabel("")
        self.banner.setObjectName("reminder")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.backup_banner = QLabel("")  # the admin's reminder when the last backup is too old
        self.backup_banner.setObjectName("reminder")
        self.backup_banner.setWordWrap(True)
        self.backup_banner.setStyleSheet("background: #fff4d6; color: #7a5200; padding: 8px 10px; "
                                         "border-radius: 6px; font-weight: 600;")
        self.backup_banner.hide()
        self.cards = {
            "employees": Card("Pegawai aktif"),
            "present": Card("Hadir hari ini"),
            "punches": Card("Rekaman presensi hari ini"),
            "devices": Card("Mesin sidik jari"),
            "selfies": Card("Swafoto menunggu keputusan Anda"),
            "review": Card("Hari perlu ditinjau bulan ini"),
            "period": Card("Status periode bulan ini"),
            "report": Card("Laporan bulan lalu"),
        }
        for key, role in CARD_ROLES.items():
            if not ctx.user.has(role):
                del self.cards[key]
        grid = QGridLayout()
        for i, card in enumerate(self.cards.values()):
            grid.addWidget(card, i // 4, i % 4)
        self.model = RowTableModel(
            [
                ("Waktu", lambda r: r[0]),
                ("Jenis", lambda r: KIND_LABEL.get(r[1], r[1])),
                ("Sumber", lambda r: r[2]),
                ("Baru", lambda r: r[3]),
                ("Duplikat", lambda r: r[4]),
                ("Ditolak", lambda r: r[5]),
            ],
            background=lambda r, c: "#fde2e1" if c == 5 and r[5] else None,
        )
        table = make_table(self.model, stretch=2)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.subtitle)
        lay.addWidget(self.banner)
        lay.addWidget(self.backup_banner)
        lay.addLayout(grid)
        self.checklist = SetupChecklist(ctx)  # after first-run set-up: what to do next (dashboard_checklist.py)
        lay.addWidget(self.checklist)
        recent = QLabel("Impor data terakhir")
        recent.setStyleSheet("font-weight: 600;")
        lay.addWidget(recent)
        lay.addWidget(table, 1)
        self._loading: Operation | None = None
        self._again = False
        ctx.events.changed.connect(lambda _changes: self.refresh())

    def refresh(self) -> None:
        """Read the figures off the UI thread (a year of punches is millions of rows); show them when ready."""
        self.checklist.refresh()
        if self._loading is not None and self._loading.running:
            self._again = True  # one more read after this one: a change arrived meanwhile
            return
        today = self.ctx.clock.today()
        op = self.ctx.runner.start("Memuat dasbor", load_dashboard, self.ctx.db, self.ctx.opd_id, today,
                                   self.ctx.user, op_group="dashboard", quiet=True)
        op.finished.connect(lambda result, day=today: self._show(result, day))
        op.done.connect(self._loaded)
        self._loading = op

    @property
    def loading(self) -> bool:
        return self._loading is not None and self._loading.running

    def _loaded(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    def _show(self, result: tuple[DashboardFacts, DeadlineReminder | None, int], today: dt.date) -> None:
        f, self.reminder, my_selfies = result
        with self.ctx.db.session() as s:  # one setting row: cheap enough for the UI thread
            backup_text = backup_reminder(s, self.ctx.clock.now()) if "admin" in self.ctx.user.roles else None
        self._show_reminder()
        self.backup_banner.setText(backup_text or "")
        self.backup_banner.setVisible(bool(backup_text))
        self.cards["employees"].value.setText(str(f.employees))
        self.cards["present"].value.setText(str(f.present_today))
        self.cards["punches"].value.setText(str(f.punches_today))
        shown = {"selfies": my_selfies, "devices": f.devices, "review": f.to_review}
        for key in CARD_ROLES:
            if key in self.cards:
                self.cards[key].value.setText(str(shown[key]))
        self.cards["period"].value.setText(PERIOD_LABEL.get(f.period_status, f.period_status))
        done = f.last_month_status == "submitted"
        self.cards["report"].value.setText(PERIOD_LABEL.get(f.last_month_status, f.last_month_status))
        y, m = f.last_month
        self.cards["report"].setToolTip(f"Laporan {BULAN[m - 1]} {y} wajib sampai di BKPSDM paling lambat "
                                        f"{f.report_deadline:%d-%m-%Y}.")
        overdue = not done and today > f.report_deadline
        self.cards["report"].caption.setText(
            f"Laporan {BULAN[m - 1]} {y}" + ("" if done else
                                             f" — {'LEWAT ' if overdue else ''}batas {f.report_deadline:%d-%m-%Y}"))
        self.cards["report"].value.setStyleSheet("color: #b3261e;" if overdue else "")
        last = tanggal_jam(f.last_sync) if f.last_sync else "belum pernah"
        self.subtitle.setText(f"Sinkronisasi mesin terakhir: {last}")
        self.model.set_rows(f.recent_batches)

    def _show_reminder(self) -> None:
        """From the 5th: the banner while last month's report has not reached BKPSDM (see services.central.reminders)."""
        r = self.reminder
        if r is None:
            self.banner.hide()
            return
        bg, fg = ("#f9d6d5", "#b3261e") if r.level == "urgent" else ("#fff4d6", "#7a5200")
        self.banner.setStyleSheet(f"background: {bg}; color: {fg}; padding: 8px 10px; border-radius: 6px; "
                                  f"font-weight: 600;")
        self.banner.setText(r.text() + " Buka layar Laporan Bulanan.")
        self.banner.show()
