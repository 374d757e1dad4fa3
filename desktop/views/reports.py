"""Laporan Bulanan: generate the recap PDF, sign it (PAdES), send it to BKPSDM, verify it.

The three steps are laid out left to right as cards so staff can see where a month
stands at a glance; every long step runs through ctx.runner with a progress bar.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import OperationalError

from desktop.context import AppContext
from desktop.errors import refusal_text
from desktop.models.row_table import RowTableModel
from desktop.ops import Operation
from desktop.views.sign_dialog import SignDialog, SignFlow  # noqa: F401 - SignDialog re-exported
from desktop.widgets import OperationStrip, button, confirm_irreversible, make_table, page_header, result_box
from services.calendar.names import BULAN
from services.central.client import CentralError
from services.central.opd_sync import LocalReviewState, decisions_by_revision, review_state, sync_reviews
from services.central.outbox import (
    central_password,
    central_url,
    enqueue_submission,
    flush_outbox,
    outbox_rows,
    retry_item,
    submission_confirmation_text,
)
from services.central.status import DECISION_LABELS
from services.central.verify import Verdict, verify_file, verify_submission
from services.jobs import CancelToken, ProgressFn
from services.reports.monthly import generate_monthly_report
from services.reports.monthly_status import REPORT_LABELS, MonthOverview, month_overview
from services.signing.service import pending_attempt, sign_report, signature_info, trust_roots_from_settings
from services.store.models import Opd
from services.timefmt import tanggal_jam

log = logging.getLogger(__name__)

STATUS_COLOURS = {"draft": "#fff4d6", "signed": "#e3f0ff", "queued": "#fde7d9", "submitted": "#dff3e4",
                  "pending": "#fde7d9", "sent": "#dff3e4", "failed": "#f9d6d5"}
OUTBOX_LABELS = {"pending": "Menunggu kirim", "sent": "Terkirim", "failed": "Ditolak server"}


def _fmt(ts: dt.datetime | None) -> str:
    return tanggal_jam(ts) if ts else "-"


def _without_scheme(url: str) -> str:
    return url.split("://", 1)[-1]


def _send_job(db, report_id: int, user, *, progress: ProgressFn, cancel: CancelToken):  # type: ignore[no-untyped-def]
    """Bundle (once) and queue the signed report, then try to send it and fetch BKPSDM's decisions."""
    progress(0, 3, "Menyusun bundel kiriman (rekap Excel, SPTJM, surat pengantar)")
    enqueue_submission(db, report_id, user)
    cancel.raise_if_cancelled()
    return _flush_job(db, user.username, False, progress=progress, cancel=cancel)


def _flush_job(db, username: str, force: bool, *, progress: ProgressFn, cancel: CancelToken):  # type: ignore[no-untyped-def]
    res = flush_outbox(db, username=username, force=force, progress=progress, cancel=cancel)
    if res.sent or res.already_there or not res.still_queued:
        try:
            synced = sync_reviews(db)
            res.messages.extend(synced.messages)
            res.also = synced.changes
        except CentralError as exc:
            res.messages.append(f"Keputusan BKPSDM belum dapat diperiksa: {exc}")
    return res


def _sync_job(db, *, progress: ProgressFn, cancel: CancelToken):  # type: ignore[no-untyped-def]
    progress(0, 1, "Memeriksa keputusan BKPSDM")
    return sync_reviews(db)


def _card(title: str) -> tuple[QFrame, QVBoxLayout, QLabel]:
    frame = QFrame()
    frame.setObjectName("card")
    lay = QVBoxLayout(frame)
    head = QLabel(title)
    head.setStyleSheet("font-weight: 600; font-size: 11pt; color: #1f3b57;")
    status = QLabel("")
    status.setWordWrap(True)
    status.setMinimumHeight(48)
    status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    lay.addWidget(head)
    lay.addWidget(status)
    return frame, lay, status


class ReportsView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.overview = MonthOverview(None, [])
        self.last_verdict: Verdict | None = None
        self.review: LocalReviewState | None = None
        self.decisions: dict = {}
        today = ctx.clock.today()
        last = today.replace(day=1) - dt.timedelta(days=1)

        title, subtitle = page_header("Laporan Bulanan", "Rekap kehadiran bulanan → tanda tangan elektronik Kepala "
                                      "OPD → kirim ke BKPSDM (batas tanggal 10 bulan berikutnya).")

        self.month = QComboBox()
        for i, name in enumerate(BULAN, 1):
            self.month.addItem(name, i)
        self.month.setCurrentIndex(last.month - 1)
        self.year = QSpinBox(minimum=2020, maximum=2100, value=last.year)
        self.paper = QComboBox()
        self.paper.addItems(["A4", "F4"])
        self.period_label = QLabel("")
        self.period_label.setStyleSheet("padding: 3px 10px; border-radius: 10px; background: #e9eef3;")
        top = QHBoxLayout()
        top.addWidget(QLabel("Bulan"))
        top.addWidget(self.month)
        top.addWidget(self.year)
        top.addSpacing(10)
        top.addWidget(QLabel("Kertas"))
        top.addWidget(self.paper)
        top.addSpacing(16)
        top.addWidget(QLabel("Status periode:"))
        top.addWidget(self.period_label, 1)

        # step 1
        c1, l1, self.gen_status = _card("1. Buat laporan")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Alasan revisi (wajib bila revisi sebelumnya sudah ditandatangani)")
        self.gen_button = button("Buat laporan PDF", self.generate, primary=True)
        self.open_button = button("Buka PDF", self.open_pdf)
        self.print_button = button("Cetak…", self.print_pdf, tooltip="Pratinjau cetak dan pilihan printer")
        b1 = QHBoxLayout()
        b1.addWidget(self.gen_button)
        b1.addWidget(self.open_button)
        b1.addWidget(self.print_button)
        b1.addStretch()
        l1.addWidget(self.reason)
        l1.addLayout(b1)
        # step 2
        c2, l2, self.sign_status = _card("2. Tanda tangan Kepala OPD")
        self.sign_button = button("Tanda tangani…", self.sign, primary=True)
        self.verify_button = button("Verifikasi…", self.verify,
                                    tooltip="Periksa keutuhan PDF dan keabsahan tanda tangannya")
        b2 = QHBoxLayout()
        b2.addWidget(self.sign_button)
        b2.addWidget(self.verify_button)
        b2.addStretch()
        l2.addStretch()
        l2.addLayout(b2)
        # step 3
        c3, l3, self.send_status = _card("3. Kirim ke BKPSDM")
        self.send_button = button("Kirim ke BKPSDM", self.submit, primary=True,
                                  tooltip="Laporan bertanda tangan dikirim sebagai satu bundel bersama rekap Excel, "
                                          "SPTJM dan surat pengantar. Bila server pusat tidak dapat dihubungi, "
                                          "bundel masuk antrean dan dikirim otomatis kemudian")
        self.check_button = button("Periksa keputusan BKPSDM", self.check_reviews,
                                   tooltip="Ambil keputusan BKPSDM (diterima / dikembalikan) dari server pusat")
        b3 = QHBoxLayout()
        b3.addWidget(self.send_button)
        b3.addWidget(self.check_button)
        b3.addStretch()
        l3.addStretch()
        l3.addLayout(b3)
        cards = QHBoxLayout()
        for c in (c1, c2, c3):
            cards.addWidget(c, 1)

        # revisions
        self.rev_model = RowTableModel(
            [("Revisi", lambda r: r.revision), ("Status", lambda r: REPORT_LABELS.get(r.status, r.status)),
             ("Dibuat", lambda r: f"{_fmt(r.created_at)} ({r.created_by})"),
             ("Ditandatangani", lambda r: f"{_fmt(r.signed_at)} ({r.signed_by})" if r.signed_at else "-"),
             ("Pegawai", lambda r: r.employees), ("Alasan revisi", lambda r: r.reason or "-"),
             ("Keputusan BKPSDM", self._decision_text),
             ("sha256 (bertanda tangan)", lambda r: (r.signed_sha256 or r.pdf_sha256)[:16] + "…")],
            background=lambda r, _c: STATUS_COLOURS.get(r.status),
        )
        self.rev_table = self._table(self.rev_model)
        # outbox
        self.out_model = RowTableModel(
            [("Antrean", lambda r: f"#{r.id}"), ("Laporan", lambda r: r.label),
             ("Status", lambda r: OUTBOX_LABELS.get(r.status, r.status)), ("Percobaan", lambda r: r.attempts),
             ("Coba lagi", lambda r: _fmt(r.next_attempt_at) if r.status == "pending" else "-"),
             ("Terkirim", lambda r: _fmt(r.sent_at)), ("Keterangan", lambda r: r.last_error or "-")],
            background=lambda r, _c: STATUS_COLOURS.get(r.status),
        )
        self.out_table = self._table(self.out_model)
        self.retry_button = button("Coba kirim lagi sekarang", self.retry)
        out_head = QHBoxLayout()
        out_title = QLabel("Antrean kiriman ke server pusat")
        out_title.setStyleSheet("font-weight: 600;")
        out_head.addWidget(out_title)
        out_head.addStretch()
        out_head.addWidget(self.retry_button)
        rev_title = QLabel("Riwayat revisi bulan ini")
        rev_title.setStyleSheet("font-weight: 600;")

        self.strip = OperationStrip(bar_width=320)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.review_banner = QLabel("")
        self.review_banner.setWordWrap(True)
        self.review_banner.hide()

        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addLayout(top)
        lay.addWidget(self.review_banner)
        lay.addLayout(cards)
        lay.addWidget(self.message)
        lay.addWidget(rev_title)
        lay.addWidget(self.rev_table, 2)
        lay.addLayout(out_head)
        lay.addWidget(self.out_table, 1)
        lay.addWidget(self.strip)

        self.op: Operation | None = None
        # The outbox retries by itself while this screen exists (the backoff decides what is due).
        self.auto_timer = QTimer(self)
        self.auto_timer.setInterval(60_000)
        self.auto_timer.timeout.connect(self.auto_flush)
        self.auto_timer.start()
        self.month.currentIndexChanged.connect(self.refresh)
        self.year.valueChanged.connect(self.refresh)
        ctx.events.changed.connect(lambda ch: self.refresh() if (ch.reports or ch.records or ch.periods) else None)
        self.refresh()

    @staticmethod
    def _table(model: RowTableModel) -> QTableView:
        return make_table(model)

    # ------------------------------------------------------------------ state
    def period(self) -> tuple[int, int]:
        return self.year.value(), int(self.month.currentData())

    def refresh(self) -> None:
        year, month = self.period()
        self.overview = month_overview(self.ctx.db, self.ctx.opd_id, year, month)
        ov, user = self.overview, self.ctx.user
        self.period_label.setText(ov.period_label)
        latest = ov.latest
        busy = self.op is not None and self.op.running
        can_make = ov.period_status not in (None, "open") and (user.has("operator") or user.has("signer"))
        needs_reason = latest is not None and latest.status != "draft"
        self.reason.setVisible(needs_reason)
        self.gen_button.setText("Buat revisi baru" if needs_reason else ("Buat ulang draf" if latest else
                                                                         "Buat laporan PDF"))
        self.gen_button.setEnabled(can_make and not busy)
        self.open_button.setEnabled(latest is not None)
        self.print_button.setEnabled(latest is not None)
        if latest is None:
            self.gen_status.setText("Belum ada laporan." if can_make or ov.period_status not in (None, "open")
                                    else "Periode harus dikunci dulu di layar Rekonsiliasi.")
        else:
            self.gen_status.setText(f"Revisi {latest.revision}: {REPORT_LABELS.get(latest.status, latest.status)}\n"
                                    f"{latest.employees} pegawai · dibuat {_fmt(latest.created_at)} oleh "
                                    f"{latest.created_by}")
        signable = latest is not None and latest.status == "draft"
        self.sign_button.setEnabled(signable and user.has("signer") and not busy)
        self.verify_button.setEnabled(latest is not None and bool(latest.signed_path) and not busy)
        if latest is not None and latest.status == "draft" and pending_attempt(self.ctx.db, latest.id):
            self.sign_status.setText("Status tanda tangan TIDAK DIKETAHUI (server esign tidak menjawab). "
                                     "Periksa dulu sebelum menandatangani lagi.")
            self.sign_button.setText("Periksa tanda tangan…")
        elif latest is None or latest.status == "draft":
            self.sign_button.setText("Tanda tangani…")
            who = "" if user.has("signer") else " (hanya pengguna berperan Penanda tangan)"
            self.sign_status.setText("Menunggu tanda tangan Kepala OPD" + who + "." if latest else "-")
        else:
            level, backend = signature_info(self.ctx.db, latest.id)
            self.sign_status.setText(f"Ditandatangani {_fmt(latest.signed_at)} oleh {latest.signed_by}"
                                     + (f" · PAdES {level}" if level else "") + (f" ({backend})" if backend else "")
                                     + f".\nsha256 {latest.signed_sha256[:24]}…")
        rows = outbox_rows(self.ctx.db, self.ctx.opd_id)
        self.send_button.setEnabled(latest is not None and latest.status in ("signed", "queued") and not busy
                                    and (user.has("operator") or user.has("signer")))
        pending = [r for r in rows if r.status == "pending"]
        if latest is not None and latest.status == "submitted":
            self.send_status.setText("Terkirim ke server pusat BKPSDM.")
        elif latest is not None and latest.status == "queued":
            self.send_status.setText("Dalam antrean; dikirim otomatis saat server pusat dapat dihubungi.")
        elif latest is not None and latest.status == "signed":
            self.send_status.setText("Siap dikirim.")
        else:
            self.send_status.setText("Laporan harus ditandatangani dulu.")
        url = central_url(self.ctx.db)
        self.send_status.setText(self.send_status.text() + "\nServer pusat: " + (
            _without_scheme(url) if url else "belum diatur (menu Pengaturan)"))
        self.retry_button.setEnabled(bool(pending or [r for r in rows if r.status == "failed"]) and not busy)
        self.check_button.setEnabled(bool(url) and not busy)
        with self.ctx.db.session() as s:
            self.review = review_state(s, self.ctx.opd_id, year, month)
            self.decisions = decisions_by_revision(s, year, month)
        self._show_review()
        self.rev_model.set_rows(ov.reports)
        self.out_model.set_rows(rows)

    def _decision_text(self, r) -> str:  # type: ignore[no-untyped-def]
        d = self.decisions.get(r.revision)
        if d is None:
            return "-"
        return f"{DECISION_LABELS.get(d.decision, d.decision)} {_fmt(d.reviewed_at)}" + (
            f": {d.reason}" if d.reason else "")

    def _show_review(self) -> None:
        """The banner over the cards: a return (with its reason) waiting for a new revision, or the acceptance."""
        rv = self.review
        if rv is None:
            self.review_banner.hide()
            return
        returned = rv.decision == "returned" and not rv.newer_submitted
        colour = ("#f9d6d5", "#b3261e") if returned else ("#dff3e4", "#1e7b34")
        self.review_banner.setStyleSheet(f"background: {colour[0]}; color: {colour[1]}; padding: 8px; "
                                         f"border-radius: 6px; font-weight: 600;")
        self.review_banner.setText(rv.text())
        self.review_banner.show()
        if rv.awaiting_answer and rv.newer_revision is None and not self.reason.text():
            self.reason.setText(f"Menjawab pengembalian BKPSDM atas revisi {rv.revision}: {rv.reason}"[:480])

    # ------------------------------------------------------------------ operations
    def _run(self, title: str, fn, *args, on_done=None, **kwargs):  # type: ignore[no-untyped-def]
        self.message.setText("")
        op = self.ctx.runner.start(title, fn, *args, **kwargs)
        self.op = op
        self.strip.track(op)
        op.failed.connect(lambda exc, _details: self._show_message(refusal_text(exc), error=True))
        op.cancelled.connect(lambda: self._show_message("Dibatalkan; tidak ada yang berubah.", error=True))
        if on_done is not None:
            op.finished.connect(on_done)

        op.done.connect(self.refresh)  # what the operation changed reaches the other screens from its result
        self.refresh()
        return op

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message.setObjectName("error" if error else "ok")
        self.message.setStyleSheet("color: #b3261e;" if error else "color: #1e7b34;")
        self.message.setText(text)

    def generate(self) -> None:
        year, month = self.period()
        self._run(f"Membuat laporan {BULAN[month - 1]} {year}", generate_monthly_report, self.ctx.db,
                  self.ctx.opd_id, year, month, self.ctx.user, paper_name=self.paper.currentText(),
                  reason=self.reason.text(),
                  on_done=lambda info: self._show_message(
                      f"Laporan revisi {info.revision} selesai: {info.pages} halaman, {info.employees} pegawai."))

    def open_pdf(self) -> None:
        latest = self.overview.latest
        if latest is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(latest.signed_path or latest.pdf_path))

    def print_pdf(self):  # type: ignore[no-untyped-def]
        """Print preview of the latest revision (the signed file once it exists)."""
        from desktop.printing import show_print_preview

        latest = self.overview.latest
        if latest is None:
            return None
        return show_print_preview(self, latest.signed_path or latest.pdf_path, "Laporan bulanan", self.ctx.status)

    def sign(self) -> None:
        latest = self.overview.latest
        if latest is not None:
            SignFlow(self, latest.id).start()  # backend choice, passphrase, confirmation: desktop/views/sign_dialog.py

    def sign_with(self, cert: Path, passphrase: str | None, remember: bool) -> None:
        latest = self.overview.latest
        if latest is None:
            return
        self._run("Menandatangani laporan", sign_report, self.ctx.db, latest.id, self.ctx.user, cert, passphrase,
                  remember=remember, on_done=lambda res: self._show_message(res.message))

    def submit(self):  # type: ignore[no-untyped-def]
        latest = self.overview.latest
        if latest is None:
            return None
        text = submission_confirmation_text(self.ctx.db, latest.id)
        if not confirm_irreversible(self, "Kirim ke BKPSDM", text, "Kirim"):
            self._show_message("Tidak dikirim; laporan tetap di komputer ini.")
            return None

        def done(res) -> None:  # type: ignore[no-untyped-def]
            error = bool(res.failed or res.still_queued)
            self._show_message(" ".join([res.summary(), *res.messages[-2:]]), error=error)

        return self._run("Mengirim bundel ke BKPSDM", _send_job, self.ctx.db, latest.id, self.ctx.user, on_done=done)

    def check_reviews(self):  # type: ignore[no-untyped-def]
        def done(res) -> None:  # type: ignore[no-untyped-def]
            self._show_message(" ".join(res.messages) if res.messages else "Belum ada keputusan baru dari BKPSDM.")

        return self._run("Memeriksa keputusan BKPSDM", _sync_job, self.ctx.db, on_done=done)

    def retry(self) -> None:
        for r in outbox_rows(self.ctx.db, self.ctx.opd_id):
            if r.status in ("pending", "failed"):
                retry_item(self.ctx.db, r.id, self.ctx.user)
        self._flush(force=True)

    def auto_flush(self) -> None:
        """Timer tick: send due items quietly when nothing else runs."""
        if self.op is not None and self.op.running:
            return
        try:
            if not central_url(self.ctx.db):
                return
            now = self.ctx.clock.now()
            due = any(r.status == "pending" and (r.next_attempt_at is None or r.next_attempt_at <= now)
                      for r in outbox_rows(self.ctx.db, self.ctx.opd_id))
        except OperationalError as exc:  # the OPD's PostgreSQL server is away: try again at the next tick, quietly
            log.warning("Antrean kiriman BKPSDM tidak diperiksa: basis data tidak terjangkau (%s)", exc.orig)
            return
        if due:
            self._flush(force=False)

    def _flush(self, force: bool) -> None:
        def done(res) -> None:  # type: ignore[no-untyped-def]
            error = bool(res.failed or res.still_queued)
            self._show_message(" ".join([res.summary(), *res.messages[-2:]]), error=error)

        self._run("Mengirim ke server pusat", _flush_job, self.ctx.db, self.ctx.user.username, force, on_done=done)

    def verify(self) -> None:
        latest = self.overview.latest
        path = latest.signed_path if latest is not None and latest.signed_path else ""
        if not path:
            path, _f = QFileDialog.getOpenFileName(self, "Pilih PDF bertanda tangan", "", "PDF (*.pdf)")
            if not path:
                return
        trust = trust_roots_from_settings(self.ctx.db)
        expected = latest.signed_sha256 if latest is not None and path == latest.signed_path else None

        url = central_url(self.ctx.db)
        central = None
        if latest is not None and latest.status == "submitted" and url and path == latest.signed_path:
            with self.ctx.db.session() as s:
                opd_code = s.get(Opd, self.ctx.opd_id).code  # type: ignore[union-attr]
            central = (url, opd_code, *self.period(), latest.revision)

        def job(*, progress, cancel):  # type: ignore[no-untyped-def]
            progress(0, 2 if central else 1, "Memeriksa berkas lokal")
            verdict = verify_file(path, trust, expected_sha256=expected)
            if central is not None:
                cancel.raise_if_cancelled()
                progress(1, 2, "Memeriksa kiriman di server pusat")
                c_url, code, year, month, revision = central
                try:
                    remote = verify_submission(c_url, code, year, month, revision, password=central_password(c_url),
                                               trust_roots=trust)
                except CentralError as exc:
                    verdict.add(False, f"Kiriman di server pusat tidak dapat diperiksa: {exc}")
                else:
                    same = remote.sha256 == verdict.sha256
                    verdict.add(remote.ok and same, "Kiriman di server pusat: " + (
                        "sama persis dengan berkas lokal dan sah" if remote.ok and same else "TIDAK cocok / tidak sah"))
                verdict.ok = all(ok for ok, _t in verdict.checks)
            return verdict

        self._run("Verifikasi tanda tangan", job, on_done=self._show_verdict)

    def _show_verdict(self, verdict: Verdict) -> None:
        self.last_verdict = verdict
        head = verdict.text().splitlines()[1]
        self._show_message(head, error=not verdict.ok)
        passed = sum(1 for ok, _t in verdict.checks if ok)
        failed = [t for ok, t in verdict.checks if not ok]
        summary = (f"<b>{head.removeprefix('Hasil: ')}</b><br>{verdict.text().splitlines()[2]}<br>{passed} dari "
                   f"{len(verdict.checks)} pemeriksaan lulus.")
        if failed:
            summary += "<br><br>Yang gagal:<br>" + "<br>".join(f"• {t}" for t in failed)
        # the subject holds the full file path: it goes to the details, where it can wrap and be copied
        box = result_box(self, "Hasil verifikasi tanda tangan", summary, verdict.text(), ok=verdict.ok)
        box.show()
        self._verdict_box = box
