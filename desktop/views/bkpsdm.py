"""Kiriman OPD (BKPSDM): every OPD's month against the deadline; open, verify, accept or return bundles.

The BKPSDM mode of the same app: a local user with the role "Peninjau BKPSDM" connects to the
central database with the BKPSDM login. The month's status is computed from the server's
``submitted_at`` stamps against the 10th of the following month; "today" (overdue or not) is the
office clock's date, ``ctx.clock.today()``. Every central call runs off the UI thread.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.errors import refusal_text
from desktop.models.row_table import RowTableModel
from desktop.ops import Operation
from desktop.views.bkpsdm_dialogs import ConnectDialog, HistoryDialog, ReturnDialog
from desktop.widgets import OperationStrip, button, make_table, page_header, result_box
from services.calendar.names import BULAN
from services.central.bkpsdm_login import BkpsdmLogin, bkpsdm_url, check_login, remembered_password, save_login
from services.central.bpkad import RegionExport, export_region_tpp_job
from services.central.client import connect, fetch_submission_by_id
from services.central.review import load_board, record_review, require_bkpsdm
from services.central.status import (
    DECISION_LABELS,
    STATUS_COLOURS,
    STATUS_LABELS,
    OpdMonthStatus,
    board_counts,
    previous_month,
)
from services.central.verify import Verdict, verify_central_submission
from services.errors import NotFoundError
from services.jobs import CancelToken, ProgressFn
from services.signing.service import trust_roots_from_settings
from services.store.models import Opd
from services.timefmt import tanggal_jam


def _when(ts: dt.datetime | None, zone: str) -> str:
    return tanggal_jam(ts.astimezone(ZoneInfo(zone))) if ts else "-"


def _decision(r: OpdMonthStatus) -> str:
    s = r.latest
    if s is None or s.decision is None:
        return "-" if s is None else "Menunggu keputusan"
    text = f"{DECISION_LABELS[s.decision]} {_when(s.reviewed_at, r.opd.timezone)} ({s.reviewed_by})"
    return text + (f": {s.review_reason}" if s.review_reason else "")


def _board_job(login: BkpsdmLogin, year: int, month: int, as_of: dt.date, *, progress: ProgressFn,
               cancel: CancelToken) -> list[OpdMonthStatus]:
    progress(0, 1, "Membaca kiriman seluruh OPD")
    with connect(login.url, login.password) as conn:
        require_bkpsdm(conn)
        return load_board(conn, year, month, as_of)


def _login_job(url: str, password: str | None, *, progress: ProgressFn, cancel: CancelToken) -> BkpsdmLogin:
    progress(0, 1, "Memeriksa login BKPSDM")
    return check_login(url, password)


def _open_job(login: BkpsdmLogin, submission_id: int, folder: Path, trust: list[Path], *, progress: ProgressFn,
              cancel: CancelToken) -> tuple[Verdict, Path]:
    """Fetch one bundle, save its files into ``folder`` and verify it."""
    progress(0, 2, "Mengunduh bundel")
    with connect(login.url, login.password) as conn:
        sub = fetch_submission_by_id(conn, submission_id)
    if sub is None:
        raise NotFoundError(f"Kiriman id {submission_id} tidak ditemukan di server pusat.")
    names = {k: v.get("name", k) for k, v in (json.loads(sub.manifest).get("files", {}) if sub.manifest else {}
                                                  ).items()}
    target = folder / f"{sub.opd_code}_{sub.year}-{sub.month:02d}_r{sub.revision}"
    target.mkdir(parents=True, exist_ok=True)
    for kind, data in sub.files.items():
        (target / Path(names.get(kind, f"{kind}.bin")).name).write_bytes(data)
    cancel.raise_if_cancelled()
    progress(1, 2, "Memeriksa hash dan tanda tangan")
    return verify_central_submission(sub, trust), target


def _review_job(login: BkpsdmLogin, submission_id: int, decision: str, reason: str, *, progress: ProgressFn,
                cancel: CancelToken) -> str:
    progress(0, 1, "Mencatat keputusan di server pusat")
    with connect(login.url, login.password) as conn:
        out = record_review(conn, submission_id, decision, reason)
    word = "diterima" if decision == "accepted" else "dikembalikan"
    return f"Kiriman {word}" + (" (sudah tercatat sebelumnya)." if out.existed else ".")


class BkpsdmView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.login: BkpsdmLogin | None = None
        self.board: list[OpdMonthStatus] = []
        self.op: Operation | None = None
        self.last_verdict: Verdict | None = None
        self.last_export: RegionExport | None = None
        lay = QVBoxLayout(self)
        page_header("Kiriman OPD (BKPSDM)", "Status laporan bulanan setiap OPD terhadap batas tanggal 10 bulan "
                    "berikutnya; buka dan verifikasi bundel, terima atau kembalikan dengan alasan, ekspor tabel TPP "
                    "untuk BPKAD.", layout=lay)
        if not ctx.user.has("bkpsdm"):
            msg = QLabel("Layar ini untuk peninjau BKPSDM. Minta Administrator memberi akun Anda peran "
                         "'Peninjau BKPSDM'.")
            msg.setWordWrap(True)
            lay.addWidget(msg)
            lay.addStretch()
            self.table = None
            return
        year, month = previous_month(ctx.clock.today())
        self.month = QComboBox()
        for i, name in enumerate(BULAN, 1):
            self.month.addItem(name, i)
        self.month.setCurrentIndex(month - 1)
        self.year = QSpinBox(minimum=2020, maximum=2100, value=year)
        self.conn_label = QLabel("Belum terhubung ke server pusat.")
        self.connect_button = button("Hubungkan…", self.connect_dialog)
        self.reload_button = button("Muat ulang", self.reload, primary=True)
        top = QHBoxLayout()
        for w in (QLabel("Bulan"), self.month, self.year, self.reload_button):
            top.addWidget(w)
        top.addSpacing(16)
        top.addWidget(self.conn_label, 1)
        top.addWidget(self.connect_button)
        self.counts = QLabel("")
        self.counts.setWordWrap(True)
        self.model = RowTableModel(
            [("Kode", lambda r: r.opd.code), ("Perangkat daerah", lambda r: r.opd.name),
             ("Status", lambda r: r.label), ("Ketepatan", lambda r: r.timeliness),
             ("Revisi", lambda r: r.latest.revision if r.latest else "-"),
             ("Pertama dikirim", lambda r: _when(r.first_submitted_at, r.opd.timezone)),
             ("Revisi terakhir", lambda r: _when(r.latest.submitted_at if r.latest else None, r.opd.timezone)),
             ("Pegawai", lambda r: r.latest.employee_count if r.latest else "-"),
             ("Keputusan", _decision)],
            background=lambda r, c: STATUS_COLOURS.get(r.status) if c == 2 else None,
        )
        self.table = make_table(self.model, stretch=8)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.open_button = button("Buka && verifikasi", self.open_selected, primary=True)
        self.accept_button = button("Terima", self.accept_selected)
        self.return_button = button("Kembalikan…", self.return_selected)
        self.history_button = button("Riwayat…", self.show_history)
        self.only_accepted = QCheckBox("hanya revisi yang diterima")
        self.only_accepted.setChecked(True)
        self.export_button = button("Ekspor tabel TPP (BPKAD)…", self.export_tpp)
        actions = QHBoxLayout()
        for w in (self.open_button, self.accept_button, self.return_button, self.history_button):
            actions.addWidget(w)
        actions.addStretch()
        actions.addWidget(self.only_accepted)
        actions.addWidget(self.export_button)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.strip = OperationStrip(bar_width=320)
        lay.addLayout(top)
        lay.addWidget(self.counts)
        lay.addWidget(self.table, 1)
        lay.addLayout(actions)
        lay.addWidget(self.message)
        lay.addWidget(self.strip)
        self.month.currentIndexChanged.connect(self.reload)
        self.year.valueChanged.connect(self.reload)
        self._restore_login()
        self._update_buttons()

    # ------------------------------------------------------------------ connection
    def _restore_login(self) -> None:
        url = bkpsdm_url(self.ctx.db)
        if url:
            self.login = BkpsdmLogin(url, remembered_password(url), "")
            self.conn_label.setText(f"Server pusat: {url.split('://', 1)[-1]}")

    def connect_dialog(self) -> None:
        dialog = ConnectDialog(self.login.url if self.login else (bkpsdm_url(self.ctx.db) or ""), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.connect_with(*dialog.values())

    def connect_with(self, url: str, password: str | None, remember: bool = False):  # type: ignore[no-untyped-def]
        def done(login: BkpsdmLogin) -> None:
            save_login(self.ctx.db, self.ctx.user, url, password, remember)
            self.login = login
            self.conn_label.setText(f"Terhubung sebagai {login.role} — {url.split('://', 1)[-1]}")
            self.reload()

        return self._run("Menghubungkan ke server pusat", _login_job, url, password, on_done=done)

    # ------------------------------------------------------------------ data
    def period(self) -> tuple[int, int]:
        return self.year.value(), int(self.month.currentData())

    def refresh(self) -> None:
        if self.table is not None and self.login is not None and not self.board:
            self.reload()

    def reload(self):  # type: ignore[no-untyped-def]
        if self.table is None or self.login is None:
            return None
        year, month = self.period()
        as_of = self.ctx.clock.today()
        return self._run(f"Status kiriman {BULAN[month - 1]} {year}", _board_job, self.login, year, month, as_of,
                         on_done=lambda rows: self._show_board(rows, as_of))

    def _show_board(self, rows: list[OpdMonthStatus], as_of: dt.date) -> None:
        keep = self.selected()
        self.board = rows
        self.model.set_rows(rows)
        if keep is not None:
            self.select_opd(keep.opd.code)  # a reload after a decision keeps the reviewer's place
        counts = board_counts(rows)
        overdue = sum(1 for r in rows if r.overdue)
        parts = [f"{STATUS_LABELS[k]} {v}" for k, v in counts.items()]
        deadline = rows[0].deadline if rows else None
        self.counts.setText(f"{len(rows)} OPD · " + " · ".join(parts)
                            + (f" (lewat batas: {overdue})" if overdue else "")
                            + (f" · batas {deadline:%d-%m-%Y}, per {as_of:%d-%m-%Y}" if deadline else ""))
        self._update_buttons()

    def selected(self) -> OpdMonthStatus | None:
        if self.table is None:
            return None
        idx = self.table.selectionModel().selectedRows()
        return self.model.row(idx[0].row()) if idx else None

    def select_opd(self, code: str) -> bool:
        for i, r in enumerate(self.model.rows()):
            if r.opd.code == code:
                self.table.selectRow(i)  # type: ignore[union-attr]
                return True
        return False

    def _update_buttons(self) -> None:
        if self.table is None:
            return
        r = self.selected()
        busy = self.op is not None and self.op.running
        has = r is not None and r.latest is not None
        undecided = has and r.latest.decision is None  # type: ignore[union-attr]
        for b, ok in ((self.open_button, has), (self.accept_button, undecided), (self.return_button, undecided),
                      (self.history_button, has), (self.export_button, self.login is not None),
                      (self.reload_button, self.login is not None)):
            b.setEnabled(bool(ok) and not busy)

    # ------------------------------------------------------------------ operations
    def _run(self, title: str, fn, *args, on_done=None, **kwargs):  # type: ignore[no-untyped-def]
        self.message.setText("")
        op = self.ctx.runner.start(title, fn, *args, **kwargs)
        self.op = op
        self.strip.track(op)
        op.failed.connect(lambda exc, _d: self._show_message(refusal_text(exc), error=True))
        op.cancelled.connect(lambda: self._show_message("Dibatalkan.", error=True))
        if on_done is not None:
            op.finished.connect(on_done)
        op.done.connect(self._update_buttons)
        self._update_buttons()
        return op

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b3261e;" if error else "color: #1e7b34;")
        self.message.setText(text)

    def open_selected(self):  # type: ignore[no-untyped-def]
        r = self.selected()
        if r is None or r.latest is None or self.login is None:
            return None
        folder = self.ctx.data_dir / "bkpsdm"
        return self._run(f"Verifikasi kiriman {r.opd.code}", _open_job, self.login, r.latest.id, folder,
                         trust_roots_from_settings(self.ctx.db), on_done=self._show_verdict)

    def _show_verdict(self, result: tuple[Verdict, Path]) -> None:
        verdict, folder = result
        self.last_verdict = verdict
        head = verdict.text().splitlines()[1]
        self._show_message(f"{head} — berkas disimpan di {folder}", error=not verdict.ok)
        failed = [t for ok, t in verdict.checks if not ok]
        summary = f"<b>{head.removeprefix('Hasil: ')}</b><br>Berkas bundel: {folder}"
        if failed:
            summary += "<br><br>Yang gagal:<br>" + "<br>".join(f"• {t}" for t in failed)
        self._verdict_box = result_box(self, "Verifikasi bundel kiriman", summary, verdict.text(), ok=verdict.ok)
        self._verdict_box.show()

    def accept_selected(self, confirm: bool = True):  # type: ignore[no-untyped-def]
        r = self.selected()
        if r is None or r.latest is None or self.login is None:
            return None
        if confirm and QMessageBox.question(
                self, "Terima kiriman", f"Terima kiriman {r.opd.name} revisi {r.latest.revision}? Keputusan tidak "
                                        f"dapat diubah.") != QMessageBox.StandardButton.Yes:
            return None
        return self._run(f"Menerima kiriman {r.opd.code}", _review_job, self.login, r.latest.id, "accepted", "",
                         on_done=self._after_review)

    def return_selected(self, reason: str | None = None):  # type: ignore[no-untyped-def]
        r = self.selected()
        if r is None or r.latest is None or self.login is None:
            return None
        if reason is None:
            dialog = ReturnDialog(r, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            reason = dialog.text()
        return self._run(f"Mengembalikan kiriman {r.opd.code}", _review_job, self.login, r.latest.id, "returned",
                         reason, on_done=self._after_review)

    def _after_review(self, message: str) -> None:
        self._show_message(message)
        self.ctx.status(message)
        self.reload()

    def show_history(self) -> HistoryDialog | None:
        r = self.selected()
        if r is None:
            return None
        dialog = HistoryDialog(r, self)
        dialog.show()
        self._history = dialog
        return dialog

    def export_tpp(self, path: Path | None = None):  # type: ignore[no-untyped-def]
        if self.login is None:
            return None
        year, month = self.period()
        if path is None:
            chosen, _f = QFileDialog.getSaveFileName(self, "Simpan tabel TPP untuk BPKAD",
                                                     str(self.ctx.data_dir / f"TPP-daerah-{year}-{month:02d}.xlsx"),
                                                     "Excel (*.xlsx)")
            if not chosen:
                return None
            path = Path(chosen if chosen.lower().endswith(".xlsx") else chosen + ".xlsx")
        with self.ctx.db.session() as s:
            opd = s.get(Opd, self.ctx.opd_id)
            region = opd.region_name if opd else ""
        clock = self.ctx.clock

        def done(res: RegionExport) -> None:
            self.last_export = res
            self._show_message("Tabel TPP tersimpan: " + res.summary())

        return self._run(f"Ekspor TPP {BULAN[month - 1]} {year}", export_region_tpp_job, self.login.url,
                         self.login.password, year, month, path, on_done=done, as_of=clock.today(),
                         generated_at=clock.now(), region_name=region, only_accepted=self.only_accepted.isChecked())
