"""One error base for expected refusals; one presenter; bugs reach the crash dialog."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.crash import CrashDialog
from desktop.errors import present_refusal, refusal_text
from desktop.ops import OperationRunner
from services.auth.users import AuthError
from services.cli import main
from services.demo.sample_org import SampleOrg
from services.devices.client import DeviceUnreachable
from services.errors import BadInputError, PeriodLockedError, UserError
from services.letters.register import LetterError
from services.reconcile.corrections import CorrectionError
from services.reconcile.period import PeriodLockedError as PeriodLockedFromPeriod
from services.reconcile.period import lock_period
from services.store.db import Database
from tests.cli_login import login_args
from tests.report_fixtures import user


def test_refusals_share_one_base_and_locked_is_not_an_os_error() -> None:
    assert PeriodLockedFromPeriod is PeriodLockedError
    assert not issubclass(PeriodLockedError, OSError)
    for cls in (PeriodLockedError, AuthError, DeviceUnreachable, LetterError, CorrectionError, BadInputError):
        assert issubclass(cls, UserError), cls
    assert not issubclass(RuntimeError, UserError)


def test_locked_month_refusal_is_a_user_error(db: Database, org: SampleOrg) -> None:
    from services.reconcile.corrections import add_correction

    with db.transaction() as s:
        lock_period(s, org.opd_id, 2026, 10, user(db, "kepala"))
    with pytest.raises(UserError) as info, db.transaction() as s:
        add_correction(s, user(db, "operator"), org.employee_ids[0], dt.date(2026, 10, 5), "check_in", "07:20",
                       "lupa absen masuk, disaksikan atasan")
    assert isinstance(info.value, PeriodLockedError)
    assert "dikunci" in str(info.value)


def _fail_expected(**_job: object) -> None:
    raise BadInputError("Baris 3, kolom 'nip': NIP harus 18 angka.")


def _fail_bug(**_job: object) -> None:
    raise RuntimeError("indeks di luar batas")


def _open_crash_dialogs() -> list[CrashDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]


def test_operation_refusal_is_shown_by_the_screen_and_a_bug_opens_the_crash_dialog(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = OperationRunner()
    seen: list[str] = []
    op = runner.start("Impor uji", _fail_expected)
    op.failed.connect(lambda exc, _tb: seen.append(refusal_text(exc)))
    qtbot.waitUntil(lambda: not op.running, timeout=5000)
    assert seen == ["Baris 3, kolom 'nip': NIP harus 18 angka."]
    assert _open_crash_dialogs() == []

    bug = runner.start("Hitung uji", _fail_bug)
    details: list[str] = []
    bug.failed.connect(lambda exc, tb: details.append(tb))
    qtbot.waitUntil(lambda: not bug.running, timeout=5000)
    dialogs = _open_crash_dialogs()
    assert len(dialogs) == 1
    assert "RuntimeError" in dialogs[0].details.toPlainText() and "indeks di luar batas" in details[0]
    for d in dialogs:
        d.close()
        d.deleteLater()  # a top-level dialog left alive until interpreter exit crashes Qt's teardown
    runner.wait_all()
    QApplication.processEvents()


def test_presenter_uses_the_refusal_title(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: shown.append((title, text)))
    present_refusal(None, PeriodLockedError("Periode Oktober 2026 sudah dikunci."), "Koreksi tidak disimpan.")
    present_refusal(None, RuntimeError("bug"))  # not a refusal: the crash dialog's job, nothing shown here
    assert shown == [("Periode terkunci", "Koreksi tidak disimpan.\n\nPeriode Oktober 2026 sudah dikunci.")]


def test_cli_prints_refusals_without_traceback(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["--db", str(tmp_path / "tidak-ada.sqlite"), "device-list", *login_args("operator", tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("Gagal: Database tidak ditemukan") and "Traceback" not in err
