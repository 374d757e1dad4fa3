"""Jadwal & Hari Libur: holidays (national, cuti bersama, regional), schedules + assignments, shift rosters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from desktop.context import AppContext
from desktop.errors import present_refusal
from desktop.models.row_table import RowTableModel
from desktop.views.reconcile_dialogs import (
    PeriodPicker,
    ask_item,
    confirm,
    filter_row,
    save_buttons,
)
from desktop.widgets import OperationStrip, date_edit, make_table, page_header, pydate
from services.calendar.holidays import KINDS, add_holiday, list_holidays, remove_holiday, seed_holidays_and_recompute
from services.calendar.refresh import run_in_transaction
from services.calendar.schedules import (
    WEEKDAYS_ID,
    assign_schedule,
    list_assignments,
    list_schedules,
    remove_assignment,
    roster_month,
    seed_standard_schedules,
    set_roster,
)
from services.changes import Changes
from services.errors import UserError
from services.store.models import Employee, Schedule, ScheduleAssignment, Shift, WorkUnit

KIND_COLOURS = {"nasional": "#ffcdd2", "cuti_bersama": "#ffe0b2", "daerah": "#c5cae9"}
SHIFT_COLOURS = {"P": "#fff9c4", "S": "#ffe0b2", "M": "#c5cae9", "L": "#e0e0e0"}
HINT = ("Status harian di Rekonsiliasi ikut dihitung ulang otomatis untuk hari yang terkena perubahan "
        "(bulan yang sudah dikunci tidak dapat diubah).")


SHIFT_LEGEND = (f'<span style="background-color:{SHIFT_COLOURS["P"]};">&nbsp;<b>P</b>&nbsp;</span> pagi 07–14 &nbsp; '
                f'<span style="background-color:{SHIFT_COLOURS["S"]};">&nbsp;<b>S</b>&nbsp;</span> siang 14–21 &nbsp; '
                f'<span style="background-color:{SHIFT_COLOURS["M"]};">&nbsp;<b>M</b>&nbsp;</span> malam 21–07 '
                "(dicatat pada tanggal mulai) &nbsp; "
                f'<span style="background-color:{SHIFT_COLOURS["L"]};">&nbsp;<b>L</b>&nbsp;</span> libur &nbsp;·&nbsp; '
                "klik dua kali sel untuk mengganti shift")
ROSTER_DAY_WIDTH = 28  # one letter per cell: the whole month fits beside the names on a 1366 px laptop


def _hours_on(weekday: int) -> Callable[[Any], Any]:
    """Column getter for one weekday's hours of a schedule row."""
    return lambda r: r.hours[weekday]


class _AssignDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Tetapkan jadwal")
        self.setMinimumWidth(460)
        self.schedule = QComboBox()
        self.target = QComboBox()
        self.target.addItem("Semua pegawai", ("all", None))
        with ctx.db.session() as s:
            for sid, code, name in s.execute(select(Schedule.id, Schedule.code, Schedule.name).order_by(Schedule.code)):
                self.schedule.addItem(f"{code} — {name}", sid)
            for uid, name in s.execute(select(WorkUnit.id, WorkUnit.name).where(WorkUnit.opd_id == ctx.opd_id)):
                self.target.addItem(f"Unit: {name}", ("unit", uid))
            for eid, name in s.execute(select(Employee.id, Employee.name).where(Employee.opd_id == ctx.opd_id)
                                       .order_by(Employee.name)):
                self.target.addItem(f"Pegawai: {name}", ("emp", eid))
        self.date_from = date_edit(ctx.clock.today())
        self.open_end = QCheckBox("Tanpa tanggal akhir")
        self.open_end.setChecked(True)
        self.date_to = date_edit(ctx.clock.today())
        self.date_to.setEnabled(False)
        self.open_end.toggled.connect(lambda on: self.date_to.setEnabled(not on))
        form = QFormLayout(self)
        form.addRow("Jadwal", self.schedule)
        form.addRow("Berlaku untuk", self.target)
        form.addRow("Mulai", self.date_from)
        form.addRow("", self.open_end)
        form.addRow("Sampai", self.date_to)
        buttons = save_buttons("Tetapkan")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _save(self) -> None:
        date_to = None if self.open_end.isChecked() else pydate(self.date_to.date())
        if date_to is not None and date_to < pydate(self.date_from.date()):
            QMessageBox.warning(self, "Jadwal belum ditetapkan", "Tanggal 'Sampai' sebelum tanggal 'Mulai'.")
            return
        self.accept()

    def values(self) -> tuple[tuple, dict]:
        """(args, kwargs) for ``assign_schedule`` after the session and username."""
        kind, ident = self.target.currentData()
        args = (int(self.schedule.currentData()), pydate(self.date_from.date()),
                None if self.open_end.isChecked() else pydate(self.date_to.date()))
        return args, {"unit_id": ident if kind == "unit" else None, "employee_id": ident if kind == "emp" else None}


class CalendarView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._roster_units: set[int] = set()
        title, subtitle = page_header(
            "Jadwal & Hari Libur",
            "Hari libur nasional dari kalender resmi, cuti bersama, libur daerah, tanggal Ramadan dan upacara hari besar "
            "yang dapat diubah, "
            "jadwal kerja (5 hari, 6 hari, Ramadan) dan roster shift. " + HINT)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_holidays(), "Hari libur")
        self.tabs.addTab(self._build_schedules(), "Jadwal kerja")
        self.tabs.addTab(self._build_roster(), "Roster shift")
        self.ops = OperationStrip()
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addWidget(self.ops)
        lay.addWidget(self.tabs, 1)
        ctx.events.changed.connect(lambda ch: self.refresh() if (ch.calendar or ch.employees) else None)
        self.refresh()

    # ------------------------------------------------------------------ holidays
    def _build_holidays(self) -> QWidget:
        w = QWidget()
        self.year = QSpinBox()
        self.year.setRange(2020, 2100)
        self.year.setValue(self.ctx.clock.today().year)
        seed_btn = QPushButton("Isi libur nasional + cuti bersama")
        seed_btn.setToolTip("Tambahkan libur nasional, cuti bersama, tanggal Ramadan (jam kerja Ramadan otomatis) dan upacara "
                            "hari besar tahun ini dari data bawaan (yang sudah ada tidak digandakan)")
        add_btn = QPushButton("Tambah hari libur…")
        add_btn.setObjectName("primary")
        del_btn = QPushButton("Hapus…")
        top = QHBoxLayout()
        top.addWidget(QLabel("Tahun"))
        top.addWidget(self.year)
        top.addStretch(1)
        for b in (seed_btn, add_btn, del_btn):
            top.addWidget(b)
        self.hol_model = RowTableModel([
            ("Tanggal", lambda r: r.date.strftime("%d-%m-%Y")),
            ("Hari", lambda r: WEEKDAYS_ID[r.date.weekday()]),
            ("Nama", lambda r: r.name),
            ("Jenis", lambda r: KINDS.get(r.kind, r.kind)),
        ], background=lambda r, c: KIND_COLOURS.get(r.kind))
        self.hol_table = make_table(self.hol_model, stretch=2)
        self.hol_summary = QLabel("")
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addWidget(self.hol_table, 1)
        lay.addWidget(self.hol_summary)
        self.year.valueChanged.connect(lambda _v: self._refresh_holidays())
        seed_btn.clicked.connect(self._seed_holidays)
        add_btn.clicked.connect(self._add_holiday)
        del_btn.clicked.connect(self._remove_holiday)
        return w

    def _refresh_holidays(self) -> None:
        with self.ctx.db.session() as s:
            rows = list_holidays(s, self.year.value())
        self.hol_model.set_rows(rows)
        by_kind = {k: sum(1 for r in rows if r.kind == k) for k in KINDS}
        self.hol_summary.setText(" · ".join(f"{KINDS[k]}: {n}" for k, n in by_kind.items()) +
                                 ("" if rows else " — tekan 'Isi libur nasional + cuti bersama'"))

    def _run_edit(self, title: str, failed_title: str, fn, *args, on_done=None, **kwargs):  # type: ignore[no-untyped-def]
        """Run one calendar edit + its recompute in the background (one transaction; a refusal rolls back)."""
        op = self.ctx.runner.start(title, run_in_transaction, self.ctx.db, fn, *args, **kwargs)
        self.ops.track(op, title + "…")
        self.tabs.setEnabled(False)  # one edit at a time: the next one must see this one's result

        def finished(result) -> None:  # type: ignore[no-untyped-def]
            self.ctx.notify(Changes(calendar=True, records=True))
            self.ctx.status(f"{title}: selesai, status harian sudah dihitung ulang.")
            if on_done is not None:
                on_done(result)

        op.finished.connect(finished)
        op.failed.connect(lambda exc, _tb: present_refusal(self, exc, failed_title))
        op.cancelled.connect(lambda: self.ctx.status(f"{title} dibatalkan; data tidak berubah."))
        op.done.connect(lambda: self.tabs.setEnabled(True))
        return op

    def _seed_holidays(self) -> None:
        year = self.year.value()
        self._run_edit(f"Isi hari libur {year}", "Hari libur", seed_holidays_and_recompute, [year],
                       self.ctx.user.username,
                       on_done=lambda n: QMessageBox.information(
                           self, "Hari libur", f"{n} hari libur ditambahkan untuk {year}. {HINT}"))

    def _add_holiday(self) -> None:
        dlg = QDialog(self)
        dlg.setWindowTitle("Tambah hari libur")
        dlg.setMinimumWidth(420)
        date = date_edit(dt.date(self.year.value(), 1, 1))
        name = QLineEdit()
        name.setPlaceholderText("mis. Hari Jadi Kabupaten")
        kind = QComboBox()
        for k in ("daerah", "cuti_bersama", "nasional"):
            kind.addItem(KINDS[k], k)
        form = QFormLayout(dlg)
        form.addRow("Tanggal", date)
        form.addRow("Nama", name)
        form.addRow("Jenis", kind)
        buttons = save_buttons()
        buttons.accepted.connect(dlg.accept)
        buttons.rejected.connect(dlg.reject)
        form.addRow(buttons)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        self._run_edit("Tambah hari libur", "Hari libur belum ditambahkan", add_holiday, self.ctx.user.username,
                       pydate(date.date()), name.text(), str(kind.currentData()))

    def _remove_holiday(self) -> None:
        self._delete_selected(self.hol_table, "hari libur", lambda r: f"'{r.name}' ({r.date:%d-%m-%Y})", remove_holiday)

    def _delete_selected(self, table, what: str, describe, remove) -> None:  # type: ignore[no-untyped-def]
        """Delete the selected row of ``table`` after a confirmation; ``remove(session, username, id)``."""
        sel = table.selectionModel().selectedRows()
        if not sel:
            QMessageBox.information(self, "Pilih dulu", f"Pilih satu {what} di tabel dulu.")
            return
        row = table.model().row(sel[0].row())
        if not confirm(self, f"Hapus {what}", f"Hapus {describe(row)}? {HINT}", "Hapus"):
            return
        self._run_edit(f"Hapus {what}", f"{what.capitalize()} belum dihapus", remove, self.ctx.user.username, row.id)

    # ------------------------------------------------------------------ schedules
    def _build_schedules(self) -> QWidget:
        w = QWidget()
        seed_btn = QPushButton("Buat jadwal standar")
        seed_btn.setToolTip("5 hari (Senin–Kamis 07.30–16.00, Jumat 07.30–16.30), 6 hari, Ramadan, shift P/S/M")
        assign_btn = QPushButton("Tetapkan jadwal…")
        assign_btn.setObjectName("primary")
        unassign_btn = QPushButton("Hapus penetapan…")
        top = QHBoxLayout()
        top.addWidget(QLabel("Jadwal kerja"))
        top.addStretch(1)
        top.addWidget(seed_btn)
        self.sch_model = RowTableModel(
            [("Kode", lambda r: r.code), ("Nama", lambda r: r.name), ("Ramadan", lambda r: "Ya" if r.ramadan else ""),
             ("Fleksibel", lambda r: "ikut kebijakan" if r.flex_minutes is None else f"{r.flex_minutes} menit")]
            + [(WEEKDAYS_ID[i], _hours_on(i)) for i in range(7)])
        self.sch_table = make_table(self.sch_model, stretch=1)
        self.asg_model = RowTableModel([
            ("Jadwal", lambda r: r.schedule),
            ("Berlaku untuk", lambda r: r.target),
            ("Mulai", lambda r: r.date_from.strftime("%d-%m-%Y")),
            ("Sampai", lambda r: r.date_to.strftime("%d-%m-%Y") if r.date_to else "seterusnya"),
        ])
        self.asg_table = make_table(self.asg_model, stretch=1)
        mid = QHBoxLayout()
        rule = QLabel("Penetapan jadwal. Bila bertumpuk: jadwal pegawai mengalahkan jadwal unit, jadwal unit "
                      "mengalahkan 'Semua pegawai'; pada tingkat yang sama jadwal Ramadan dan yang terbaru berlaku.")
        rule.setWordWrap(True)
        mid.addWidget(rule, 1)
        mid.addWidget(assign_btn)
        mid.addWidget(unassign_btn)
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addWidget(self.sch_table, 1)
        lay.addLayout(mid)
        lay.addWidget(self.asg_table, 1)
        seed_btn.clicked.connect(self._seed_schedules)
        assign_btn.clicked.connect(self._assign)
        unassign_btn.clicked.connect(self._unassign)
        return w

    def _refresh_schedules(self) -> None:
        with self.ctx.db.session() as s:
            self.sch_model.set_rows(list_schedules(s))
            self.asg_model.set_rows(list_assignments(s))

    def _seed_schedules(self) -> None:
        with self.ctx.db.transaction() as s:
            seed_standard_schedules(s, username=self.ctx.user.username)
        self.ctx.notify(Changes(calendar=True))

    def _assign(self) -> None:
        dlg = _AssignDialog(self.ctx, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            args, kwargs = dlg.values()
            self._run_edit("Tetapkan jadwal", "Jadwal belum ditetapkan", assign_schedule, self.ctx.user.username,
                           *args, **kwargs)

    def _unassign(self) -> None:
        self._delete_selected(self.asg_table, "penetapan jadwal", lambda r: f"penetapan {r.schedule} untuk {r.target}",
                              remove_assignment)

    # ------------------------------------------------------------------ roster
    def _build_roster(self) -> QWidget:
        w = QWidget()
        self.roster_unit = QComboBox()
        self.roster_unit.setMinimumContentsLength(24)
        self.roster_period = PeriodPicker(self.ctx.clock.today())
        top = filter_row(self.roster_period, "Unit", self.roster_unit)
        legend = QLabel(SHIFT_LEGEND)
        legend.setWordWrap(True)
        legend.setTextFormat(Qt.TextFormat.RichText)
        self.roster_hint = QLabel("")
        self.roster_hint.setObjectName("subtitle")
        self.roster_hint.setWordWrap(True)
        self.roster_model = RowTableModel([("Pegawai", lambda r: r[1])])
        self.roster_table = make_table(self.roster_model)
        self.roster_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.roster_table.horizontalHeader().setStretchLastSection(False)
        self.roster_table.doubleClicked.connect(self._roster_cell)
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addWidget(legend)
        lay.addWidget(self.roster_hint)
        lay.addWidget(self.roster_table, 1)
        self.roster_unit.currentIndexChanged.connect(lambda _i: self._refresh_roster())
        self.roster_period.changed.connect(lambda _y, _m: self._refresh_roster())
        return w

    def _refresh_roster(self) -> None:
        unit_id = self.roster_unit.currentData()
        if unit_id is None:
            self.roster_model.set_rows([])
            self.roster_hint.setText("Belum ada unit kerja.")
            return
        year, month = self.roster_period.value()
        with self.ctx.db.session() as s:
            days, rows = roster_month(s, unit_id, year, month)
        self._roster_days = days
        self.roster_hint.setText(
            "" if unit_id in self._roster_units else
            "Unit ini memakai jadwal kerja biasa, bukan shift. Agar rosternya dipakai, tetapkan jadwal ROSTER "
            "untuk unit ini di tab 'Jadwal kerja'.")
        self.roster_hint.setVisible(bool(self.roster_hint.text()))
        cols = [("Pegawai", lambda r: r[1])] + [(f"{d.day}", (lambda r, i=i: r[2][i])) for i, d in enumerate(days)]
        self.roster_model = RowTableModel(cols, background=lambda r, c: SHIFT_COLOURS.get(r[2][c - 1]) if c else None)
        self.roster_model.set_rows(rows)
        self.roster_table.setModel(self.roster_model)
        h = self.roster_table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        h.resizeSection(0, 180)
        for c in range(1, len(days) + 1):
            h.resizeSection(c, ROSTER_DAY_WIDTH)

    def _roster_cell(self, index: QModelIndex) -> None:
        if index.column() == 0:
            return
        row = self.roster_model.row(index.row())
        day = self._roster_days[index.column() - 1]
        with self.ctx.db.session() as s:
            shifts = [(code, name) for code, name in s.execute(select(Shift.code, Shift.name).order_by(Shift.start))]
        options = [f"{code} — {name}" for code, name in shifts] + ["L — Libur"]
        choice = ask_item(self, "Roster shift", f"Shift {row[1]}, {day:%d-%m-%Y}:", options)
        if choice is None:
            return
        code = choice.split(" ")[0]
        # one employee x three days: fast enough to stay on the UI thread (well under 50 ms)
        try:
            with self.ctx.db.transaction() as s:
                set_roster(s, self.ctx.user.username, row[0], day, None if code == "L" else code)
        except UserError as exc:  # e.g. the month is locked
            present_refusal(self, exc, "Roster belum diubah.")
            return
        self._refresh_roster()
        self.ctx.notify(Changes(calendar=True, records=True))

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        self._refresh_holidays()
        self._refresh_schedules()
        current = self.roster_unit.currentData()
        self.roster_unit.blockSignals(True)
        self.roster_unit.clear()
        with self.ctx.db.session() as s:
            # units on a roster schedule come first: those are the ones whose roster gets edited
            roster_units = {uid for uid in s.execute(select(ScheduleAssignment.unit_id).join(
                Schedule, Schedule.id == ScheduleAssignment.schedule_id).where(Schedule.kind == "roster")).scalars()
                if uid is not None}  # an employee-level assignment has no unit
            units = list(s.execute(select(WorkUnit.id, WorkUnit.name).where(WorkUnit.opd_id == self.ctx.opd_id)
                                   .order_by(WorkUnit.name)))
        self._roster_units = roster_units
        for uid, name in sorted(units, key=lambda u: (u[0] not in roster_units, u[1])):
            self.roster_unit.addItem(name + (" (shift)" if uid in roster_units else ""), uid)
        if current is not None:
            idx = self.roster_unit.findData(current)
            if idx >= 0:
                self.roster_unit.setCurrentIndex(idx)
        self.roster_unit.blockSignals(False)
        self._refresh_roster()
