"""Dasbor → "Langkah berikutnya": the set-up checklist, each item ticked from data and clickable."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout

from desktop.context import AppContext
from desktop.errors import present_refusal
from services.errors import UserError
from services.org.checklist import ChecklistItem, confirm_standard_schedules, setup_checklist


class SetupChecklist(QFrame):
    """Shown to operators/admins while any item is open; hidden once everything is done."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("card")
        self.items: list[ChecklistItem] = []
        self.buttons: dict[str, QPushButton] = {}
        self.details: dict[str, QLabel] = {}
        head = QLabel("<b>Langkah berikutnya</b> — penyiapan OPD")
        self.grid = QGridLayout()
        self.grid.setColumnStretch(1, 1)
        self.grid.setVerticalSpacing(2)
        self.confirm = QPushButton("Jadwal standar sudah sesuai")
        self.confirm.setToolTip("Semua pegawai bekerja lima hari (Senin–Jumat): tandai butir jadwal selesai")
        self.confirm.clicked.connect(self._confirm_schedules)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(head)
        lay.addLayout(self.grid)
        self.hide()

    def refresh(self) -> None:
        if not (self.ctx.user.has("operator") or self.ctx.user.has("admin")):
            self.hide()
            return
        with self.ctx.db.session() as s:
            self.items = setup_checklist(s, self.ctx.opd_id)
        while self.grid.count():
            taken = self.grid.takeAt(0)
            w = taken.widget() if taken is not None else None
            if w is not None and w is not self.confirm:
                w.deleteLater()
        self.buttons.clear()
        self.details.clear()
        for row, item in enumerate(self.items):
            b = QPushButton(("☑  " if item.done else "☐  ") + item.label)
            b.setFlat(True)
            b.setStyleSheet("text-align: left; font-weight: 600;" + ("color: #1e7b34;" if item.done else ""))
            b.setToolTip(f"Buka layar untuk: {item.label}")
            b.clicked.connect(lambda _c=False, key=item.screen: self.ctx.go(key))
            detail = QLabel(item.detail)
            detail.setObjectName("subtitle")
            detail.setWordWrap(True)
            self.grid.addWidget(b, row, 0)
            self.grid.addWidget(detail, row, 1)
            self.buttons[item.key], self.details[item.key] = b, detail
            if item.key == "schedules" and not item.done:
                self.grid.addWidget(self.confirm, row, 2)
        self.confirm.setVisible(any(i.key == "schedules" and not i.done for i in self.items))
        self.setVisible(not all(i.done for i in self.items))

    def _confirm_schedules(self) -> None:
        try:
            with self.ctx.db.transaction() as s:
                changes = confirm_standard_schedules(s, self.ctx.user)
        except UserError as exc:
            present_refusal(self, exc)
            return
        self.ctx.notify(changes)
        self.refresh()
