"""Operations of the Perangkat screen beyond pulling: comm keys per session, diagnostics, device users, OS schedule.

A mixin of DevicesView (it uses the view's table, model, result box and operation strip).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from services.devices import schedule as os_schedule
from services.devices.diagnostics import DeviceDiagnostics, diagnose_all
from services.devices.registry import DeviceRow, stored_comm_key
from services.devices.users import CopyResult, UploadResult, copy_users, upload_employees
from services.timefmt import tanggal_jam

if TYPE_CHECKING:
    from desktop.context import AppContext


class DeviceActions:
    ctx: AppContext
    model: Any
    tabs: Any
    diagnostics: Any
    os_interval: Any

    def _dialog_parent(self) -> QWidget:
        return cast(QWidget, self)  # the mixin is only ever used by a QWidget view

    if TYPE_CHECKING:  # provided by the view
        def _say(self, text: str) -> None: ...
        def selected_device(self) -> DeviceRow | None: ...
        def _start(self, title: str, fn: Any, *args: Any, on_done: Any, **kwargs: Any) -> Any: ...

    def _ask_key(self, row: DeviceRow) -> tuple[bool, int | None]:
        """(go on?, key) — asks once per session when the device needs a key and no keyring holds it.

        The typed key stays in memory (ctx.comm_keys) until the app closes; it is never written anywhere.
        """
        if not row.has_comm_key or stored_comm_key(row.id, row.serial or None) is not None:
            return True, None
        if row.id in self.ctx.comm_keys:
            return True, self.ctx.comm_keys[row.id]
        text, ok = QInputDialog.getText(
            self, "Comm key", "Keyring sistem tidak tersedia, jadi kunci tidak disimpan di komputer.\n"  # type: ignore[arg-type]
            f"Masukkan comm key mesin '{row.name}' (diingat sampai aplikasi ditutup):", QLineEdit.EchoMode.Password)
        if not ok:
            return False, None
        if not text.strip().isdigit() or int(text.strip()) > 999999:
            QMessageBox.warning(self._dialog_parent(), "Comm key", "Comm key harus berupa angka 0–999999.")
            return False, None
        self.ctx.comm_keys[row.id] = int(text.strip())
        return True, self.ctx.comm_keys[row.id]

    def _keys_for_all(self) -> dict[int, int] | None:
        """Session keys for every device that needs one (asking for the missing ones); None when cancelled."""
        for row in self.model.rows():
            r: DeviceRow = row
            if r.enabled and not self._ask_key(r)[0]:
                return None
        return dict(self.ctx.comm_keys)

    # ------------------------------------------------------ diagnostics, users
    def diagnose(self) -> None:
        keys = self._keys_for_all()
        if keys is None:
            return
        self.tabs.setCurrentWidget(self.diagnostics)
        self._start("Diagnosa mesin", diagnose_all, self.ctx.db, opd_id=self.ctx.opd_id, comm_keys=keys,
                    on_done=self._show_diagnostics)

    def _show_diagnostics(self, results: list[DeviceDiagnostics]) -> None:
        self.diagnostics.show_results(results, tanggal_jam(self.ctx.db.clock.now()))
        self._say("\n".join(line for r in results for line in r.lines()))

    def upload_employees(self) -> None:
        row = self.selected_device()
        if row is None:
            return
        from services.devices.pins import pin_map

        with self.ctx.db.session() as s:
            ids = sorted(set(pin_map(s).values()))
        if not ids:
            self._say("Belum ada pegawai yang punya PIN mesin.")
            return
        if QMessageBox.question(self._dialog_parent(), "Kirim pegawai ke mesin",
                                f"Tulis PIN dan nama {len(ids)} pegawai ke mesin '{row.name}'?\n"
                                "Pengguna yang PIN-nya sudah ada di mesin diperbarui namanya; sidik jari tidak "
                                "berubah.") != QMessageBox.StandardButton.Yes:
            return
        go, key = self._ask_key(row)
        if go:
            self._start(f"Kirim pegawai ke {row.name}", upload_employees, self.ctx.db, row.id, ids,
                        self.ctx.user.username, comm_key=key, on_done=self._show_upload)

    def _show_upload(self, r: UploadResult) -> None:
        self._say("\n".join([r.summary(), *("   • " + x for x in r.skipped[:30] + r.errors)]))

    def copy_users(self) -> None:
        row = self.selected_device()
        if row is None:
            return
        others = [r for r in self.model.rows() if r.id != row.id]
        names = [r.name for r in others]
        choice, ok = QInputDialog.getItem(self._dialog_parent(), "Salin pengguna", f"Salin pengguna dan sidik jari dari '{row.name}' ke:",
                                          names, 0, False)
        if not ok or choice not in names:
            return
        target = others[names.index(choice)]
        go1, key1 = self._ask_key(row)
        go2, key2 = self._ask_key(target)
        if not (go1 and go2):
            return
        keys = {k: v for k, v in ((row.id, key1), (target.id, key2)) if v is not None}
        self._start(f"Salin pengguna ke {choice}", copy_users, self.ctx.db, row.id, target.id,
                    self.ctx.user.username, comm_keys=keys, on_done=self._show_copy)

    def _show_copy(self, r: CopyResult) -> None:
        self._say("\n".join([r.summary(), *("   • " + x for x in r.errors)]))

    # ------------------------------------------------------ OS schedule
    def install_os_schedule(self) -> None:
        minutes = int(self.os_interval.currentData())
        try:
            result = os_schedule.install(self.ctx.db.path.resolve(), minutes)
        except Exception as exc:  # noqa: BLE001 - the scheduler's own message is shown
            QMessageBox.warning(self._dialog_parent(), "Jadwal sistem", str(exc))
            return
        self._say(result.message)

    def remove_os_schedule(self) -> None:
        try:
            self._say(os_schedule.remove().message)
        except Exception as exc:  # noqa: BLE001
            QMessageBox.warning(self._dialog_parent(), "Jadwal sistem", str(exc))
