"""Screen "Verifikasi Swafoto": the atasan's queue — riskiest first, the selfie beside the best-matching
reference photo, the face score in words, every flag with its evidence; decide by keyboard.

Keys: A = setujui, R = tolak (type the reason, Enter), M = manipulasi (reason, Enter),
arrow keys = previous / next, Esc = cancel typing a reason.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QEvent, QMargins, QObject, QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import refusal_text
from desktop.models.selfie_queue import SelfieQueueModel
from desktop.ops import Operation
from desktop.widgets import OperationStrip, make_table, page_header
from services.calendar.names import HARI
from services.changes import Changes
from services.errors import UserError
from services.selfie.checks import FLAG_LABELS
from services.selfie.queue import VERDICTS, QueueItem, count_unchecked, list_queue, set_verdict
from services.selfie.service import run_checks
from services.timefmt import jam, tanggal_jam_detik

PHOTO_DECODE = 640  # decode once at this size, then scale to whatever room the screen has
PHOTO_MIN = 150
STATUS_CHOICES = [("Menunggu keputusan", "pending"), ("Sudah diputuskan", "decided"), ("Semua", "all")]
INFO_FIELDS = (  # two columns of facts beside each other keep the card short enough for a 768 px screen
    (("time", "Waktu"), ("distance", "Jarak"), ("phone", "ID HP"), ("verdict", "Keputusan"), ("risk", "Risiko")),
    (("flags", "Tanda"), ("face", "Wajah"), ("reference", "Referensi"), ("quality", "Mutu foto"), ("reused", "Foto ganda")),
)


class PhotoLabel(QLabel):
    """A photo that scales with the room it gets (small laptop screens included), aspect kept."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.caption = caption
        self._image = QImage()
        self.setMinimumSize(PHOTO_MIN, PHOTO_MIN)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #e9eef3; border: 1px solid #cfd8e3; color: #5b6b7c;")
        self.show_path(None)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override; never the pixmap's size, so no layout feedback
        return QSize(320, 320)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(PHOTO_MIN, PHOTO_MIN)

    def show_path(self, path: Path | None) -> None:
        self._image = QImage()
        if path is None or not path.exists():
            self.setPixmap(QPixmap())
            self.setText(f"{self.caption}\n(tidak ada)")
            return
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid():  # decode straight to display size: fast and light even for 12 MP photos
            reader.setScaledSize(size.scaled(PHOTO_DECODE, PHOTO_DECODE, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if image.isNull():
            self.setPixmap(QPixmap())
            self.setText(f"{self.caption}\n(tidak dapat dibuka)")
            return
        self._image = image
        self._rescale()

    def _rescale(self) -> None:
        if self._image.isNull():
            return
        room = self.contentsRect().size().shrunkBy(QMargins(1, 1, 1, 1))
        if room.width() < 10 or room.height() < 10:
            room = QSize(320, 320)
        self.setPixmap(QPixmap.fromImage(self._image.scaled(room, Qt.AspectRatioMode.KeepAspectRatio,
                                                            Qt.TransformationMode.SmoothTransformation)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._rescale()


class SelfieQueueView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.allowed = ctx.user.has("verifier")
        self.pending_verdict: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        layout = QVBoxLayout(self)
        page_header("Verifikasi Swafoto",
                    "Tombol: <b>A</b> setujui · <b>R</b> tolak · <b>M</b> manipulasi · <b>↑ ↓</b> pindah. "
                    "Tolak dan manipulasi wajib disertai alasan.", layout)
        self.status_combo = QComboBox()
        for label, _ in STATUS_CHOICES:
            self.status_combo.addItem(label)
        self.status_combo.currentIndexChanged.connect(self.refresh)
        self.flagged_only = QCheckBox("Hanya yang ditandai")
        self.flagged_only.toggled.connect(self.refresh)
        self.check_btn = QPushButton("Periksa foto baru")
        self.check_btn.setToolTip("Hitung kemiripan wajah, mutu foto dan foto ganda untuk swafoto yang belum diperiksa")
        self.check_btn.clicked.connect(self.start_checks)
        self.strip = OperationStrip(bar_width=200, stretch=False)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Tampilkan:"))
        bar.addWidget(self.status_combo)
        bar.addWidget(self.flagged_only)
        bar.addStretch(1)
        bar.addWidget(self.strip)
        bar.addWidget(self.check_btn)

        self.model = SelfieQueueModel(self)
        # Tanda takes the spare width; every cell shows its full text on hover
        self.table = make_table(self.model, stretch=4)
        self.table.setMinimumWidth(420)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show(cur.row()))
        self.table.installEventFilter(self)

        self.selfie = PhotoLabel("Swafoto")
        self.reference = PhotoLabel("Foto referensi")
        photos = QGridLayout()
        for col, (caption, photo) in enumerate((("Swafoto", self.selfie), ("Foto referensi terdekat", self.reference))):
            photos.addWidget(QLabel(f"<b>{caption}</b>"), 0, col)
            photos.addWidget(photo, 1, col)
        photos.setRowStretch(1, 1)
        self.info: dict[str, QLabel] = {}
        who = QLabel("—")  # the employee heads the facts, across the whole card
        who.setStyleSheet("font-weight: 600; font-size: 11pt; color: #1f3b57;")
        who.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info["who"] = who
        facts = QGridLayout()
        facts.setHorizontalSpacing(10)
        facts.setVerticalSpacing(3)
        for half, fields in enumerate(INFO_FIELDS):
            for r, (key, label) in enumerate(fields):
                value = QLabel("—")
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
                self.info[key] = value
                name = QLabel(label + ":")
                name.setObjectName("subtitle")
                name.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
                facts.addWidget(name, r, half * 2)
                facts.addWidget(value, r, half * 2 + 1)
        facts.setColumnStretch(1, 1)
        facts.setColumnStretch(3, 1)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Alasan (wajib untuk tolak / manipulasi), lalu tekan Enter")
        self.reason.returnPressed.connect(self._commit_reason)
        self.reason.installEventFilter(self)
        self.approve_btn = QPushButton("Setujui (A)")
        self.approve_btn.setObjectName("primary")
        self.reject_btn = QPushButton("Tolak (R)")
        self.manip_btn = QPushButton("Manipulasi (M)")
        self.approve_btn.clicked.connect(lambda: self.decide("approved"))
        self.reject_btn.clicked.connect(lambda: self.ask_reason("rejected"))
        self.manip_btn.clicked.connect(lambda: self.ask_reason("manipulation"))
        buttons = QHBoxLayout()
        for b in (self.approve_btn, self.reject_btn, self.manip_btn):
            buttons.addWidget(b)
        self.message = QLabel("")
        self.message.setWordWrap(True)

        detail = QFrame()
        detail.setObjectName("card")
        right = QVBoxLayout(detail)
        right.addLayout(photos, 1)
        right.addWidget(who)
        right.addLayout(facts)
        right.addWidget(self.reason)
        right.addLayout(buttons)
        right.addWidget(self.message)
        split = QSplitter()
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([540, 620])

        layout.addLayout(bar)
        layout.addWidget(split, 1)
        ctx.events.changed.connect(self._on_changes)
        self.refresh()

    @property
    def op(self) -> Operation | None:
        """The running photo check (None when idle)."""
        return self.strip.op

    # ------------------------------------------------------------------ data
    def refresh(self) -> None:
        if not self.allowed:
            self.model.set_rows([])
            self._set_enabled(False)
            self.check_btn.setEnabled(False)
            self._say("Layar ini khusus atasan / verifikator.", error=True)
            return
        status = STATUS_CHOICES[self.status_combo.currentIndex()][1]
        with self.ctx.db.session() as s:
            items = list_queue(s, self.ctx.db.path, self.ctx.user, status=status)
            unchecked = count_unchecked(s, self.ctx.user)
        if self.flagged_only.isChecked():
            items = [it for it in items if it.all_flags]
        self.model.set_rows(items)
        self.check_btn.setText(f"Periksa foto baru ({unchecked})")
        self.check_btn.setEnabled(unchecked > 0 and self.op is None)
        if items:
            self.table.selectRow(0)
            self._show(0)
        else:
            self._show(-1)

    def _on_changes(self, changes: Changes) -> None:
        if (changes.punches or changes.employees) and self.isVisible():  # own verdicts update rows in place
            self.refresh()

    def current_row(self) -> int:
        return self.table.currentIndex().row() if self.table.currentIndex().isValid() else -1

    def current_item(self) -> QueueItem | None:
        r = self.current_row()
        return self.model.item(r) if 0 <= r < self.model.rowCount() else None

    def _show(self, r: int) -> None:
        self._end_reason()
        item = self.model.item(r) if 0 <= r < self.model.rowCount() else None
        self._set_enabled(item is not None)
        if item is None:
            self.selfie.show_path(None)
            self.reference.show_path(None)
            for v in self.info.values():
                v.setText("—")
            self._say("Tidak ada swafoto dalam antrean ini." if self.allowed else self.message.text())
            return
        self.selfie.show_path(item.photo_path)
        self.reference.show_path(item.reference_path)
        self.info["who"].setText(f"{item.employee_name} · NIP {item.nip}")
        self.info["time"].setText(f"{HARI[item.ts.weekday()]}, {tanggal_jam_detik(item.ts)}")
        dist = "tidak diketahui" if item.distance_m is None else f"{item.distance_m:,.0f} m".replace(",", ".")
        self.info["distance"].setText(f"{dist} dari {item.location_name or 'kantor'}")
        self.info["phone"].setText(item.phone_id or "—")
        flags = [FLAG_LABELS.get(f, f) for f in item.all_flags]
        self.info["flags"].setText(", ".join(flags) if flags else "tidak ada")
        self.info["flags"].setToolTip("\n".join(item.explanations))  # each flag with its evidence
        self.info["flags"].setStyleSheet("color: #b3261e; font-weight: 600;" if flags else "color: #1e7b34;")
        face = item.score_words
        if item.face_distance is not None:
            face += f" (jarak {item.face_distance:.2f}; ambang {item.match_threshold or 0:.2f})".replace(".", ",")
        self.info["face"].setText(face)
        other = "low_similarity" in item.all_flags
        self.info["face"].setStyleSheet("color: #b3261e; font-weight: 600;" if other else "")
        self.info["reference"].setText(item.reference_text or "—")
        self.info["risk"].setText(item.risk_words)
        self.info["quality"].setText(f"{item.faces} wajah · ketajaman {item.blur:.0f} · kecerahan {item.brightness:.0f}")
        self.info["reused"].setText(item.reused_of_text or "—")
        verdict = VERDICTS.get(item.verdict, item.verdict)
        if item.verdict != "pending":
            verdict += f" oleh {item.verifier}" + (f": {item.reason}" if item.reason else "")
        self.info["verdict"].setText(verdict)
        self._say("")

    def _set_enabled(self, on: bool) -> None:
        for b in (self.approve_btn, self.reject_btn, self.manip_btn):
            b.setEnabled(on and self.allowed)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b3261e;" if error else "color: #1e7b34;")
        self.message.setText(text)

    # ------------------------------------------------------------- decisions
    def decide(self, verdict: str, reason: str = "") -> bool:
        item = self.current_item()
        if item is None or not self.allowed:
            return False
        try:
            with self.ctx.db.transaction() as s:
                check = set_verdict(s, self.ctx.user, item.check_id, verdict, reason, expected_version=item.version)
                updated = dataclasses.replace(item, verdict=check.verdict, verifier=check.verifier, reason=check.reason,
                                              version=check.version)
        except UserError as exc:  # e.g. the month is locked, a reason is missing
            self._say(str(exc), error=True)
            return False
        r = self.current_row()
        self.model.replace_item(r, updated)
        self.ctx.notify(Changes(selfies=True))
        self._move(1)
        self._say(f"{updated.employee_name}, {updated.ts:%d-%m} {jam(updated.ts)}: {VERDICTS[verdict].lower()}.")
        return True

    def ask_reason(self, verdict: str) -> None:
        if self.current_item() is None or not self.allowed:
            return
        self.pending_verdict = verdict
        self.reason.clear()
        self.reason.setStyleSheet("border: 2px solid #b3261e;")
        self.reason.setFocus()
        self._say(f"Tulis alasan {VERDICTS[verdict].lower()}, lalu tekan Enter (Esc: batal).", error=True)

    def _commit_reason(self) -> None:
        if self.pending_verdict is None:
            return
        verdict = self.pending_verdict
        if not self.reason.text().strip():
            self._say("Alasan wajib diisi.", error=True)
            return
        reason = self.reason.text()
        if self.decide(verdict, reason):
            self.table.setFocus()

    def _end_reason(self) -> None:
        self.pending_verdict = None
        self.reason.clear()
        self.reason.setStyleSheet("")

    def _move(self, step: int) -> None:
        n = self.model.rowCount()
        if n == 0:
            return
        r = min(max(0, self.current_row() + step), n - 1)
        self.table.selectRow(r)
        self._show(r)

    # ------------------------------------------------------------------ keys
    def handle_key(self, key: int) -> bool:
        if key == Qt.Key.Key_A:
            self.decide("approved")
        elif key == Qt.Key.Key_R:
            self.ask_reason("rejected")
        elif key == Qt.Key.Key_M:
            self.ask_reason("manipulation")
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_Right):
            self._move(1)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Left):
            self._move(-1)
        else:
            return False
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not self.handle_key(event.key()):
            super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if watched is self.reason:
                if key == Qt.Key.Key_Escape:
                    self._end_reason()
                    self._say("")
                    self.table.setFocus()
                    return True
                return False
            if watched is self.table and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):  # type: ignore[attr-defined]
                return self.handle_key(key)
        return super().eventFilter(watched, event)

    # ---------------------------------------------------------------- checks
    def start_checks(self) -> None:
        self.check_btn.setEnabled(False)
        op = self.ctx.runner.start("Pemeriksaan swafoto", run_checks, self.ctx.db)
        self.strip.track(op)
        op.finished.connect(lambda res: self._say(f"Selesai: {res.summary()}."))
        op.failed.connect(lambda exc, _tech: self._say(f"Pemeriksaan gagal: {refusal_text(exc)}", error=True))
        op.cancelled.connect(lambda: self._say("Pemeriksaan dibatalkan.", error=True))
        op.done.connect(self._checks_done)

    def _checks_done(self) -> None:
        message = self.message.text()
        self.refresh()
        self._say(message)
