"""Login throttling: wrong passwords lock the account for growing intervals, in services (GUI and CLI alike)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from services.auth.users import SYSTEM_USER, AccountLockedError, AuthError, lock_state, login, unlock_user
from services.cli import main
from services.clock import FrozenClock
from services.demo.sample_org import DEFAULT_PASSWORD
from services.store.db import Database
from services.store.models import AuditEvent
from tests.cli_login import login_args


def _fail(db: Database, times: int, username: str = "operator") -> AuthError:
    error: AuthError | None = None
    for _ in range(times):
        with pytest.raises(AuthError) as exc:
            login(db, username, "bukan-sandinya")
        error = exc.value
    assert error is not None
    return error


def _actions(db: Database, username: str) -> list[str]:
    with db.session() as s:
        return list(s.execute(select(AuditEvent.action).where(AuditEvent.username == username)
                              .where(AuditEvent.action.like("login%")).order_by(AuditEvent.id)).scalars())


def test_five_failures_lock_for_a_minute_then_doubling(db: Database, org, clock: FrozenClock) -> None:
    assert not isinstance(_fail(db, 4), AccountLockedError)
    assert login(db, "operator", DEFAULT_PASSWORD).username == "operator"  # a success resets the count
    assert not isinstance(_fail(db, 4), AccountLockedError)
    locked = _fail(db, 1)
    until = clock.now() + dt.timedelta(minutes=1)
    assert isinstance(locked, AccountLockedError)
    assert f"dikunci sampai {until:%d-%m-%Y %H:%M:%S}" in str(locked) and "administrator" in str(locked)
    # while locked even the right password is refused, with the same "until when"
    with pytest.raises(AccountLockedError, match=f"sampai {until:%d-%m-%Y %H:%M:%S}"):
        login(db, "operator", DEFAULT_PASSWORD)
    clock.advance(seconds=59)
    with pytest.raises(AccountLockedError):
        login(db, "operator", DEFAULT_PASSWORD)
    clock.advance(seconds=2)
    # the lock is over; another series of five failures locks twice as long
    second = _fail(db, 5)
    assert isinstance(second, AccountLockedError)
    assert f"sampai {clock.now() + dt.timedelta(minutes=2):%d-%m-%Y %H:%M:%S}" in str(second)
    clock.advance(minutes=2, seconds=1)
    third = _fail(db, 5)
    assert f"sampai {clock.now() + dt.timedelta(minutes=4):%d-%m-%Y %H:%M:%S}" in str(third)
    clock.advance(minutes=5)
    assert login(db, "operator", DEFAULT_PASSWORD).username == "operator"
    clock.advance(minutes=1)
    assert isinstance(_fail(db, 5), AccountLockedError)  # back to one minute after a success
    with db.session() as s:
        assert lock_state(s, "operator") == clock.now() + dt.timedelta(minutes=1)
    actions = _actions(db, "operator")
    assert actions.count("login.locked") == 4 and "login.blocked" in actions and actions.count("login") == 2
    assert actions.count("login.failed") == 4 + 4 + 1 + 5 + 5 + 5


def test_admin_unlocks_and_it_is_audited(db: Database, org, clock: FrozenClock, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _fail(db, 5, "kepala")
    dbarg = ["--db", db.location]
    # the CLI goes through the same login: locked, with the time in the message
    assert main([*dbarg, "disiplin", *login_args("kepala", tmp_path)], clock=clock) == 1
    assert "dikunci sampai" in capsys.readouterr().err
    assert main([*dbarg, "user-unlock", "kepala", *login_args("operator", tmp_path)], clock=clock) == 1
    assert main([*dbarg, "user-unlock", "kepala", *login_args("admin", tmp_path)], clock=clock) == 0
    assert "dibuka kuncinya" in capsys.readouterr().out
    assert main([*dbarg, "disiplin", *login_args("kepala", tmp_path)], clock=clock) == 0
    with db.session() as s:
        unlock = s.execute(select(AuditEvent).where(AuditEvent.action == "login.unlock")).scalar_one()
    assert unlock.username == "admin" and '"username": "kepala"' in unlock.detail and '"was_locked": true' in unlock.detail
    with db.transaction() as s:
        assert unlock_user(s, "kepala", SYSTEM_USER) is False


def test_cli_wrong_passwords_lock_the_account(db: Database, org, clock: FrozenClock, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    wrong = login_args("atasan", tmp_path, password="tebak-tebak")
    for _ in range(5):
        assert main(["--db", db.location, "tpp", *wrong], clock=clock) == 1
    assert "dikunci sampai" in capsys.readouterr().err
    assert main(["--db", db.location, "tpp", *login_args("atasan", tmp_path)], clock=clock) == 1
    clock.advance(minutes=1, seconds=1)
    assert main(["--db", db.location, "tpp", *login_args("atasan", tmp_path)], clock=clock) == 0


def test_gui_login_dialog_is_throttled_the_same_way(qtbot, db: Database, org, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    from desktop.login import LoginDialog

    dlg = LoginDialog(db, "Dinas Uji")
    qtbot.addWidget(dlg)
    dlg.username.setText("operator")
    for _ in range(5):
        dlg.password.setText("salah-lagi")
        dlg.try_login()
    assert "dikunci sampai" in dlg.error.text() and dlg.user is None
    dlg.password.setText(DEFAULT_PASSWORD)
    dlg.try_login()
    assert dlg.user is None and "dikunci sampai" in dlg.error.text()
    clock.advance(minutes=2)
    dlg.try_login()
    assert dlg.user is not None and dlg.user.username == "operator"


def test_admin_unlocks_on_the_users_screen(qtbot, db: Database, org, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    from desktop.views.settings import SettingsView
    from tests.gui_helpers import make_context

    _fail(db, 5, "atasan")
    view = SettingsView(make_context(db, "admin"))
    qtbot.addWidget(view)
    view.refresh()
    row = next(i for i, r in enumerate(view.users.rows()) if r[1] == "atasan")
    locked_text = view.users.data(view.users.index(row, 4))
    assert locked_text.startswith("sampai ")
    view.users_table.selectRow(row)
    view.unlock_button.click()
    with db.session() as s:
        assert lock_state(s, "atasan") is None
    assert view.users.data(view.users.index(row, 4)) == "-"
    assert login(db, "atasan", DEFAULT_PASSWORD).username == "atasan"
    assert "login.unlock" in _actions(db, "admin")
