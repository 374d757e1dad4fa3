"""Perangkat: device registry, connection test, sync with progress/cancel, USB import, diagnostics, device users,
scheduled sync; tabs for unmapped PINs (with the device's names and suggestions) and quarantined records."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.autosync import AUTO_TITLE, DEVICE_GROUP
from desktop.context import AppContext
from desktop.errors import refusal_text
from desktop.models.row_table import RowTableModel
from desktop.ops import Operation
from desktop.views.device_actions import DeviceActions
from desktop.views.device_dialog import DeviceDialog, report_html
from desktop.views.device_panels import DiagnosticsPanel, PinPanel, QuarantinePanel
from desktop.views.push_panel import PushPanel
from desktop.widgets import OperationStrip, make_table, page_header
from services.changes import Changes
from services.devices import schedule as os_schedule
from services.devices.autosync import INTERVAL_CHOICES, AutoSyncSchedule, get_schedule, interval_label, set_schedule
from services.devices.punches import tz_label
from services.devices.registry import (
    DEFAULT_DRIFT_THRESHOLD_S,
    ConnectionReport,
    DeviceRow,
    add_device,
    check_connection,
    correct_device_time,
    describe_drift,
    device_rows,
    location_choices,
    set_device_enabled,
    update_device,
)
from services.devices.sync import SyncResult, sync_all, sync_device
from services.devices.usb_import import UsbImportResult, import_usb_attlog
from services.errors import UserError
from services.timefmt import tanggal_jam


def _when(v) -> str:  # type: ignore[no-untyped-def]
    return tanggal_jam(v) if v else "belum pernah"


def _short_status(r: DeviceRow) -> str:
    """First words of the last sync result; the whole text (e.g. the full error) is in the tooltip."""
    text = r.last_sync_status or "belum pernah"
    return text if len(text) <= 46 else text[:45] + "…"


STATUS_COL, DRIFT_COL = 1, 4


class DevicesView(DeviceActions, QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.drift_device: int | None = None
        self.report_box: QMessageBox | None = None

        title, sub = page_header("Perangkat Presensi", "Mesin sidik jari di kantor: daftar mesin, uji koneksi, "
                                 "tarik data kehadiran dan impor dari flashdisk.")

        # Status comes right after the name: a failed sync must be visible on a 1280 px screen without scrolling
        self.model = RowTableModel(
            [
                ("Nama", lambda r: r.name + ("" if r.enabled else " (nonaktif)")),
                ("Status", _short_status),
                ("Sinkron terakhir", lambda r: _when(r.last_sync_at)),
                ("Berhasil terakhir", lambda r: _when(r.last_success_at)),
                ("Jam mesin", lambda r: describe_drift(r.drift_seconds)),
                ("Data terbaru", lambda r: _when(r.high_water_ts)),
                ("Alamat", lambda r: f"{r.ip}:{r.port} {r.protocol.upper()}"),
                ("Lokasi", lambda r: r.location or "-"),
                ("Zona", lambda r: tz_label(r.timezone)),
                ("No. seri", lambda r: r.serial or "-"),
                ("Kunci", lambda r: "ya" if r.has_comm_key else "-"),
            ],
            background=self._device_colour,
            tooltip=self._device_tooltip,
        )
        self.table = make_table(self.model, fixed={STATUS_COL: 300}, alternate=True)
        self.table.doubleClicked.connect(lambda _i: self.edit_device())

        self.btn_add = QPushButton("Tambah…")
        self.btn_edit = QPushButton("Ubah…")
        self.btn_test = QPushButton("Uji koneksi")
        self.btn_toggle = QPushButton("Nonaktifkan")
        self.btn_toggle.setToolTip("Mesin nonaktif dilewati saat 'Tarik data semua mesin' dan sinkron terjadwal.")
        self.btn_sync = QPushButton("Tarik data")
        self.btn_sync.setObjectName("primary")
        self.btn_sync_all = QPushButton("Tarik data semua mesin")
        self.btn_time = QPushButton("Koreksi jam mesin…")
        self.btn_usb = QPushButton("Impor dari flashdisk…")
        self.btn_diag = QPushButton("Diagnosa semua mesin")
        self.btn_upload = QPushButton("Kirim pegawai ke mesin…")
        self.btn_upload.setToolTip("Tulis PIN dan nama semua pegawai yang punya PIN ke mesin terpilih.")
        self.btn_copy = QPushButton("Salin pengguna ke mesin lain…")
        self.btn_copy.setToolTip("Salin pengguna dan sidik jari mesin terpilih ke mesin lain (sidik jari tidak "
                                 "disimpan di komputer).")
        for b, fn in ((self.btn_add, self.add_device), (self.btn_edit, self.edit_device), (self.btn_test, self.test_device),
                      (self.btn_toggle, self.toggle_device),
                      (self.btn_sync, self.sync_selected), (self.btn_sync_all, self.sync_every),
                      (self.btn_time, self.correct_time), (self.btn_usb, self.import_usb),
                      (self.btn_diag, self.diagnose), (self.btn_upload, self.upload_employees),
                      (self.btn_copy, self.copy_users)):
            b.clicked.connect(lambda _checked=False, f=fn: f())
        buttons = QHBoxLayout()
        for b in (self.btn_add, self.btn_edit, self.btn_toggle, self.btn_test):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.btn_time, self.btn_usb, self.btn_sync_all, self.btn_sync):
            buttons.addWidget(b)
        buttons2 = QHBoxLayout()
        for b in (self.btn_diag, self.btn_upload, self.btn_copy):
            buttons2.addWidget(b)
        buttons2.addStretch(1)

        self.clear_log = QCheckBox("Kosongkan log di mesin setelah data tersimpan aman")
        self.clear_log.setToolTip("Hanya dilakukan setelah data tersimpan di database. Bawaan: tidak.")
        self.threshold = QSpinBox()
        self.threshold.setRange(5, 3600)
        self.threshold.setValue(DEFAULT_DRIFT_THRESHOLD_S)
        self.threshold.setSuffix(" detik")
        # automatic pulls (run by the main window's scheduler); changes are saved at once
        self.auto_interval = QComboBox()
        for minutes in INTERVAL_CHOICES:
            self.auto_interval.addItem(interval_label(minutes), minutes)
        self.auto_interval.setToolTip("Selama aplikasi terbuka, data semua mesin aktif ditarik otomatis. "
                                      "Hasilnya tampil di baris status dan kolom Status.")
        self.auto_on_start = QCheckBox("Tarik saat aplikasi dibuka")
        self._load_schedule()
        self.auto_interval.currentIndexChanged.connect(lambda _i: self._save_schedule())
        self.auto_on_start.toggled.connect(lambda _on: self._save_schedule())
        opts = QHBoxLayout()
        opts.addWidget(self.clear_log)
        opts.addStretch(1)
        opts.addWidget(QLabel("Tarik otomatis setiap:"))
        opts.addWidget(self.auto_interval)
        opts.addWidget(self.auto_on_start)
        opts.addSpacing(16)
        opts.addWidget(QLabel("Batas selisih jam mesin:"))
        opts.addWidget(self.threshold)

        self.strip = OperationStrip(bar_width=360, show_counts=True)
        self.progress_box = self.strip  # the name the tests and older code use
        self.btn_cancel = self.strip.cancel_button

        self.result = QPlainTextEdit(readOnly=True)
        self.result.setPlaceholderText("Hasil uji koneksi, tarik data dan impor akan tampil di sini.")
        self.result.setMaximumHeight(120)

        # scheduled sync by the operating system (runs without the app)
        self.os_interval = QComboBox()
        for minutes in os_schedule.INTERVALS:
            self.os_interval.addItem(f"{minutes} menit", minutes)
        self.os_interval.setCurrentIndex(1)
        self.btn_os_install = QPushButton("Pasang jadwal sistem")
        self.btn_os_install.setToolTip("Task Scheduler (Windows) atau timer systemd (Linux) menjalankan "
                                       "`presensi-opd sync` walau aplikasi tertutup.")
        self.btn_os_remove = QPushButton("Hapus jadwal sistem")
        self.btn_os_install.clicked.connect(self.install_os_schedule)
        self.btn_os_remove.clicked.connect(self.remove_os_schedule)
        self.os_last = QLabel("")
        self.os_last.setObjectName("subtitle")
        sched_row = QHBoxLayout()
        sched_row.addWidget(QLabel("Sinkron terjadwal tanpa aplikasi, setiap:"))
        sched_row.addWidget(self.os_interval)
        sched_row.addWidget(self.btn_os_install)
        sched_row.addWidget(self.btn_os_remove)
        sched_row.addSpacing(12)
        sched_row.addWidget(self.os_last, 1)

        machines = QWidget()
        m_lay = QVBoxLayout(machines)
        m_lay.setContentsMargins(0, 0, 0, 0)
        m_lay.addWidget(self.table, 1)
        m_lay.addLayout(buttons)
        m_lay.addLayout(buttons2)
        m_lay.addLayout(opts)
        m_lay.addLayout(sched_row)
        self.pins = PinPanel(ctx, self._say)
        self.quarantine = QuarantinePanel(ctx, self._say)
        self.diagnostics = DiagnosticsPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(machines, "Mesin")
        self.tabs.addTab(self.pins, "PIN belum terpetakan")
        self.tabs.addTab(self.quarantine, "Karantina")
        self.tabs.addTab(self.diagnostics, "Diagnosa")
        # the push receiver (ADMS) and its pending serials
        self.push_panel = PushPanel(ctx)
        self.tabs.addTab(self.push_panel, "Mesin push (ADMS)")
        self.push_panel.pending_changed.connect(lambda n: self.tabs.setTabText(
            4, f"Mesin push (ADMS) — {n} menunggu" if n else "Mesin push (ADMS)"))
        self.push_panel.refresh()
        self.bottom_tabs = self.tabs  # the name the push panel's tests use

        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(sub)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.strip)
        lay.addWidget(self.result)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        ctx.events.changed.connect(self._on_changes)
        # an automatic pull runs outside this screen: no manual pull may overlap it
        ctx.runner.started.connect(self._watch_auto)
        self.refresh()

    # ------------------------------------------------------------------ data
    def _device_colour(self, row: tuple, column: int) -> str | None:
        r: DeviceRow = row  # type: ignore[assignment]
        if column == STATUS_COL and r.last_sync_status.startswith("GAGAL"):
            return "#fde2e1"
        if column == DRIFT_COL and r.drift_seconds is not None and abs(r.drift_seconds) > self.threshold.value():
            return "#fff1c2"
        return None

    @staticmethod
    def _device_tooltip(row: tuple, column: int) -> str | None:
        r: DeviceRow = row  # type: ignore[assignment]
        if column == STATUS_COL:
            return r.last_sync_status or "Belum pernah ditarik datanya."
        if column == 0:
            return f"{r.name} — {r.ip}:{r.port} {r.protocol.upper()}, {r.location or 'lokasi belum ditentukan'}"
        return None

    @property
    def op(self) -> Operation | None:
        """The running device operation (None when idle): one at a time on this screen."""
        return self.strip.op

    def _on_changes(self, changes: Changes) -> None:
        if changes.devices or changes.punches or changes.employees:
            self.refresh()
        if changes.settings:
            self._load_schedule()

    def _watch_auto(self, op: Operation) -> None:
        if op.title == AUTO_TITLE:
            op.done.connect(self._update_buttons)
            self._update_buttons()

    def _auto_running(self) -> bool:
        return any(op.title == AUTO_TITLE for op in self.ctx.runner.active())

    def _load_schedule(self) -> None:
        with self.ctx.db.session() as s:
            schedule = get_schedule(s)
        for w in (self.auto_interval, self.auto_on_start):
            w.blockSignals(True)
        self.auto_interval.setCurrentIndex(max(0, self.auto_interval.findData(schedule.interval_min)))
        self.auto_on_start.setChecked(schedule.on_start)
        for w in (self.auto_interval, self.auto_on_start):
            w.blockSignals(False)

    def _save_schedule(self) -> None:
        schedule = AutoSyncSchedule(int(self.auto_interval.currentData()), self.auto_on_start.isChecked())
        with self.ctx.db.transaction() as s:
            changed = set_schedule(s, schedule, self.ctx.user.username)
        if changed:
            self.ctx.status("Jadwal disimpan: " + schedule.describe() + ".")
            self.ctx.notify(Changes(settings=True))

    def refresh(self) -> None:
        selected = self.selected_device()
        with self.ctx.db.session() as s:
            rows = device_rows(s, self.ctx.opd_id)
            last_run = os_schedule.last_scheduled_run(s)
        self.model.set_rows(rows)
        for i, r in enumerate(rows):
            if selected and r.id == selected.id:
                self.table.selectRow(i)
        if rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        may_edit = self._may_edit()
        self.pins.refresh(may_edit)
        n_pins = self.pins.model.rowCount()
        self.tabs.setTabText(1, f"PIN belum terpetakan ({n_pins})" if n_pins else "PIN belum terpetakan")
        n_q = self.quarantine.refresh(may_edit)
        self.tabs.setTabText(2, f"Karantina ({n_q})" if n_q else "Karantina")
        self.os_last.setText("Sinkron terjadwal terakhir: " + (
            f"{tanggal_jam(last_run.started_at)}, {last_run.devices} mesin, {last_run.new} rekaman baru"
            if last_run else "belum pernah"))
        self._update_buttons()

    # names the tests and older code use for the PIN panel
    @property
    def pin_model(self) -> RowTableModel:
        return self.pins.model

    @property
    def pin_table(self):  # type: ignore[no-untyped-def]
        return self.pins.table

    @property
    def employee(self) -> QComboBox:
        return self.pins.employee

    @property
    def btn_map(self) -> QPushButton:
        return self.pins.btn_map

    def map_selected_pin(self) -> None:
        self.pins.map_selected()

    def _may_edit(self) -> bool:
        return self.ctx.user.has("admin") or self.ctx.user.has("operator")

    def selected_device(self) -> DeviceRow | None:
        idx = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row(idx[0].row()) if idx else None

    def _update_buttons(self) -> None:
        busy = self.op is not None or self._auto_running()
        has = self.selected_device() is not None
        may_edit = self._may_edit()
        for b in (self.btn_edit, self.btn_toggle, self.btn_test, self.btn_sync, self.btn_time, self.btn_upload):
            b.setEnabled(has and not busy and may_edit)
        self.btn_copy.setEnabled(has and not busy and may_edit and self.model.rowCount() > 1)
        self.btn_diag.setEnabled(self.model.rowCount() > 0 and not busy)
        for b in (self.btn_os_install, self.btn_os_remove):
            b.setEnabled(self.ctx.user.has("admin"))
        row = self.selected_device()
        self.btn_toggle.setText("Aktifkan" if row is not None and not row.enabled else "Nonaktifkan")
        self.btn_add.setEnabled(may_edit and not busy)
        self.btn_sync_all.setEnabled(self.model.rowCount() > 0 and not busy and may_edit)
        self.btn_usb.setEnabled(not busy and may_edit)
        self.auto_interval.setEnabled(may_edit)
        self.auto_on_start.setEnabled(may_edit)

    def _say(self, text: str) -> None:
        self.result.setPlainText(text)

    # ---------------------------------------------------------------- registry
    def _save_with_dialog(self, dlg: DeviceDialog, save) -> bool:  # type: ignore[no-untyped-def]
        """Show the dialog until the input saves (errors shown inside it) or the user cancels."""
        while dlg.exec():
            try:
                with self.ctx.db.transaction() as s:
                    save(s, dlg.value())
            except UserError as exc:  # validation and keyring refusals are shown in the dialog
                dlg.show_error(str(exc))
                continue
            self.ctx.notify(Changes(devices=True))
            return True
        return False

    def add_device(self) -> None:
        with self.ctx.db.session() as s:
            locations = location_choices(s, self.ctx.opd_id)
        dlg = DeviceDialog(locations, None, self)
        if self._save_with_dialog(dlg, lambda s, value: add_device(s, self.ctx.opd_id, value, self.ctx.user.username)):
            self._say(f"Perangkat '{dlg.value().name}' ditambahkan. Klik 'Uji koneksi' untuk memeriksa sambungan.")
        self.refresh()

    def edit_device(self) -> None:
        row = self.selected_device()
        if row is None:
            return
        with self.ctx.db.session() as s:
            locations = location_choices(s, self.ctx.opd_id)
        dlg = DeviceDialog(locations, row, self)
        self._save_with_dialog(dlg, lambda s, value: update_device(s, row.id, value, self.ctx.user.username))
        self.refresh()

    def toggle_device(self) -> None:
        row = self.selected_device()
        if row is None:
            return
        with self.ctx.db.transaction() as s:
            set_device_enabled(s, row.id, not row.enabled, self.ctx.user.username)
        self._say(f"Perangkat '{row.name}' {'diaktifkan' if not row.enabled else 'dinonaktifkan'}.")
        self.ctx.notify(Changes(devices=True))

    # -------------------------------------------------------------- operations
    def _start(self, title: str, fn, *args, on_done, op_group: str = DEVICE_GROUP, **kwargs) -> Operation:  # type: ignore[no-untyped-def]
        op = self.ctx.runner.start(title, fn, *args, op_group=op_group, **kwargs)
        self.strip.track(op, title + "…")  # first: the strip forgets the op before _on_op_done refreshes
        op.finished.connect(on_done)
        op.failed.connect(lambda exc, _details: self._say("GAGAL: " + refusal_text(exc)))
        op.cancelled.connect(lambda: self._say("Dibatalkan. Tidak ada data yang disimpan dari proses ini."))
        op.done.connect(self._on_op_done)
        self._update_buttons()
        return op

    def _on_op_done(self) -> None:
        self.ctx.notify(Changes(devices=True))  # refreshes this screen too

    def cancel_op(self) -> None:
        self.strip.cancel()

    def test_device(self) -> None:
        row = self.selected_device()
        if row is None:
            return
        go, key = self._ask_key(row)
        if go:
            self._start(f"Uji koneksi {row.name}", check_connection, self.ctx.db, row.id, float(self.threshold.value()),
                        comm_key=key, on_done=self._show_report)

    def _show_report(self, report: ConnectionReport) -> None:
        self._say(f"Tersambung: seri {report.serial}, firmware {report.firmware}, {report.records} rekaman, "
                  f"jam mesin {report.drift_text()}.")
        box = QMessageBox(self)
        box.setWindowTitle("Uji koneksi berhasil")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(report_html(report))
        fix = box.addButton("Koreksi jam mesin", QMessageBox.ButtonRole.AcceptRole) if report.drift_exceeded else None
        box.addButton("Tutup", QMessageBox.ButtonRole.RejectRole)

        def clicked(button: object) -> None:
            if fix is not None and button is fix:  # the clock is only ever set on this explicit click
                self._do_correct_time(report.device_id)

        box.buttonClicked.connect(clicked)
        self.report_box = box
        box.open()  # not exec(): the rest of the app stays usable

    def sync_selected(self) -> None:
        row = self.selected_device()
        if row is None:
            return
        if self.clear_log.isChecked() and not self._confirm_clear():
            return
        go, key = self._ask_key(row)
        if not go:
            return
        self._start(f"Tarik data {row.name}", sync_device, self.ctx.db, row.id, username=self.ctx.user.username,
                    clear_log=self.clear_log.isChecked(), drift_threshold_s=float(self.threshold.value()),
                    comm_key=key, on_done=lambda r: self._show_sync([r]))

    def sync_every(self) -> None:
        if self.clear_log.isChecked() and not self._confirm_clear():
            return
        keys = self._keys_for_all()
        if keys is None:
            return
        self._start("Tarik data semua mesin", sync_all, self.ctx.db, username=self.ctx.user.username,
                    clear_log=self.clear_log.isChecked(), drift_threshold_s=float(self.threshold.value()),
                    opd_id=self.ctx.opd_id, comm_keys=keys, on_done=self._show_sync)

    def _confirm_clear(self) -> bool:
        return QMessageBox.question(
            self, "Kosongkan log mesin?",
            "Log di mesin akan dikosongkan SETELAH semua data tersimpan di database.\n"
            "Data yang sudah terhapus di mesin tidak bisa ditarik ulang. Lanjutkan?",
        ) == QMessageBox.StandardButton.Yes

    def _show_sync(self, results: list[SyncResult]) -> None:
        lines: list[str] = []
        self.drift_device = None
        for r in results:
            lines.append(r.summary())
            lines.extend("   • " + e for e in r.errors[:15])
            if len(r.errors) > 15:
                lines.append(f"   • … dan {len(r.errors) - 15} catatan lain (lihat riwayat impor)")
            if r.drift_exceeded:
                self.drift_device = r.device_id
        if self.drift_device is not None:
            lines.append("Jam mesin menyimpang melebihi batas. Gunakan 'Koreksi jam mesin…' bila ingin menyetelnya.")
        self._say("\n".join(lines) or "Tidak ada perangkat aktif.")

    def correct_time(self) -> None:
        row = self.selected_device()
        if row is None:
            return
        drift = describe_drift(row.drift_seconds)
        if QMessageBox.question(
            self, "Koreksi jam mesin",
            f"Setel jam mesin '{row.name}' ke jam komputer ini ({tz_label(row.timezone)})?\n"
            f"Selisih terakhir tercatat: {drift}.",
        ) == QMessageBox.StandardButton.Yes:
            self._do_correct_time(row.id)

    def _do_correct_time(self, device_id: int) -> None:
        row = next((r for r in self.model.rows() if r.id == device_id), None)
        go, key = self._ask_key(row) if row is not None else (True, None)
        if go:
            self._start("Koreksi jam mesin", correct_device_time, self.ctx.db, device_id, self.ctx.user.username,
                        comm_key=key,
                        on_done=lambda d: self._say(f"Jam mesin sudah disetel (sebelumnya {describe_drift(d)})."))

    def import_usb(self, path: str | None = None, from_selected: bool | None = None) -> None:
        """from_selected: the file came from the selected device (None = ask the operator)."""
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Pilih berkas log dari flashdisk", "",
                                                  "Log kehadiran (*_attlog.dat *.dat);;Semua berkas (*)")
        if not path:
            return
        row = self.selected_device()
        device_id = None
        if row is not None and from_selected is None:
            from_selected = QMessageBox.question(
                self, "Asal berkas",
                f"Apakah berkas {Path(path).name} diambil dari mesin '{row.name}'?\n"
                "Jika ya, rekaman yang sudah ditarik lewat jaringan tidak akan tercatat dobel.",
            ) == QMessageBox.StandardButton.Yes
        if row is not None and from_selected:
            device_id = row.id
        self._start(f"Impor {Path(path).name}", import_usb_attlog, self.ctx.db, Path(path), device_id=device_id,
                    username=self.ctx.user.username, on_done=self._show_usb, op_group="")  # a file, not a device

    def _show_usb(self, r: UsbImportResult) -> None:
        text = r.summary()
        if r.errors:
            text += "\nBaris yang ditolak (baris lain tetap diimpor):\n" + "\n".join("   • " + e for e in r.errors)
        self._say(text)
