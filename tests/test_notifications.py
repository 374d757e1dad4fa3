"""Results and failures of background work stay in the main window's message list until read."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow
from desktop.notifications import ERROR, OK
from services.changes import Changes
from services.errors import UnreachableError
from tests.gui_helpers import make_context
from tests.shots import shots_dir


def _job_ok(*, progress, cancel):  # type: ignore[no-untyped-def]
    progress(1, 1, "selesai")
    return Changes(records=True)


def _job_refused(*, progress, cancel):  # type: ignore[no-untyped-def]
    raise UnreachableError("Mesin Lobi (10.0.0.9:4370) tidak menjawab dalam 5 detik; tidak ada data yang diubah.")


def _job_bug(*, progress, cancel):  # type: ignore[no-untyped-def]
    raise ZeroDivisionError("bug")


def test_operation_results_and_failures_are_kept_until_read(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(db, "operator")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    center, bar = win.notifications, win.notice_bar
    qtbot.waitUntil(lambda: win.reminders.last_day is not None, timeout=3000)  # the deadline reminder (25 Nov)
    assert any("BKPSDM" in n.text or "laporan" in n.text.lower() for n in center.notices)
    center.clear()
    assert bar.bell.text() == "Pesan" and center.notices == []

    # a screen's own result message becomes the text of its operation's one notice
    op = ctx.runner.start("Hitung ulang November 2026", _job_ok)
    op.finished.connect(lambda _r: ctx.status("Hitung ulang selesai: 30 hari, 360 baris ditulis."))
    qtbot.waitUntil(lambda: not op.running, timeout=5000)
    [notice] = center.notices
    assert (notice.level, notice.title, notice.text) == (OK, "Hitung ulang November 2026",
                                                        "Hitung ulang selesai: 30 hari, 360 baris ditulis.")
    assert bar.bell.text() == "Pesan (1)" and "Hitung ulang selesai" in bar.message.toolTip()

    # a refusal (a device that does not answer) is an error notice, shown where the user looks
    failed = ctx.runner.start("Tarik data Mesin Lobi", _job_refused)
    qtbot.waitUntil(lambda: not failed.running, timeout=5000)
    assert center.latest().level == ERROR and "tidak menjawab" in center.latest().text
    assert bar.bell.text() == "Pesan (2)"
    assert "tidak menjawab" in bar.message.toolTip() and bar.message.isVisible()
    win.grab().save(str(shots_dir() / "notifications_unread.png"))

    # a bug also goes to the crash dialog, and to the list
    bug = ctx.runner.start("Ekspor TPP", _job_bug)
    qtbot.waitUntil(lambda: not bug.running, timeout=5000)
    assert "kesalahan tak terduga" in center.latest().text
    for w in QApplication.topLevelWidgets():
        if type(w).__name__ == "CrashDialog":
            w.close()

    # a plain status message; the same message again is counted, not repeated
    ctx.status("Profil OPD disimpan.")
    ctx.status("Profil OPD disimpan.")
    assert center.latest().repeats == 2 and len(center.notices) == 4
    assert len(center.unread()) == 4

    # clicking the bell opens the list (newest first) and marks everything read
    qtbot.mouseClick(bar.bell, Qt.MouseButton.LeftButton)
    listing = bar.dialog
    assert listing.isVisible() and listing.list.count() == 4
    assert "Profil OPD disimpan. (×2)" in listing.list.item(0).text()
    assert "Hitung ulang selesai" in listing.list.item(3).text()
    assert center.unread() == [] and bar.bell.text() == "Pesan" and bar.message.text() == ""
    listing.grab().save(str(shots_dir() / "notifications_list.png"))
    listing.close()
    win.close()


def test_failures_in_free_text_are_errors_and_zero_rejections_are_not() -> None:
    from desktop.notifications import INFO, level_of

    assert level_of("Tarik otomatis 25-11-2026 08.00: 10 rekaman baru, 0 ditolak.") == INFO
    assert level_of("Impor pegawai selesai: 3 baru, 1 diperbarui") == INFO
    assert level_of("Impor: 12 baru, 3 ditolak.") == ERROR
    assert level_of("Tarik otomatis gagal: Mesin Lobi tidak menjawab") == ERROR
    assert level_of("Kiriman ditolak: sertifikat kedaluwarsa") == ERROR


def test_autosync_cancel_and_messages_reach_the_list(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(db, "operator")
    win = MainWindow(ctx)
    qtbot.addWidget(win)

    def slow(*, progress, cancel):  # type: ignore[no-untyped-def]
        import time

        from services.jobs import Cancelled

        for _ in range(200):
            if cancel.cancelled:
                raise Cancelled()
            time.sleep(0.01)
        return None

    op = ctx.runner.start("Impor bundel mobile", slow)
    assert win.op_bar.isVisible() or not win.isVisible()  # the running work shows in the top bar strip
    op.cancel()
    qtbot.waitUntil(lambda: not op.running, timeout=5000)
    assert "dibatalkan" in win.notifications.latest().text
    win.close()
