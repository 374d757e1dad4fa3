"""Managing accounts: add a user, change one's own password, reset a password, (de)activate, set roles.

Who may do what is decided here, not in the screens: only an administrator manages other accounts;
everyone may change their own password after proving the current one. An administrator cannot take
away the last active administrator (the office would be locked out of its own settings). Every
change is audited; passwords never appear in the audit detail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth import users as _users
from services.auth.users import ROLES, AuthError, CurrentUser, change_password, create_user
from services.changes import Changes
from services.errors import BadInputError, NotFoundError
from services.store.db import clock_of
from services.store.models import User

MIN_PASSWORD = 8
CHANGED = Changes(users=True)


class AccountError(BadInputError):
    pass


@dataclass(frozen=True)
class AccountRow:
    id: int
    username: str
    full_name: str
    roles: tuple[str, ...]
    active: bool
    employee_id: int | None
    locked_until: dt.datetime | None = None  # login throttled until then (None: not locked now)

    @property
    def role_labels(self) -> str:
        return ", ".join(ROLES.get(r, r) for r in self.roles)


def _verify(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_users._hasher.verify(password_hash, password))  # the module's hasher (cheaper in tests)
    except (VerificationError, InvalidHashError):
        return False


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
    if password.strip().lower() == username.strip().lower():
        raise AccountError("Kata sandi tidak boleh sama dengan nama pengguna.")


def _get(session: Session, user_id: int) -> User:
    row = session.get(User, user_id)
    if row is None:
        raise NotFoundError(f"Pengguna id {user_id} tidak ditemukan.")
    return row


def _active_admins(session: Session) -> list[int]:
    rows = session.execute(select(User.id, User.roles).where(User.active.is_(True))).all()
    return [i for i, roles in rows if "admin" in roles.split(",")]


def list_accounts(session: Session, by: CurrentUser) -> list[AccountRow]:
    by.require("admin")
    now = clock_of(session).now()
    return [AccountRow(u.id, u.username, u.full_name, tuple(r for r in u.roles.split(",") if r), bool(u.active),
                       u.employee_id, u.locked_until if u.locked_until is not None and u.locked_until > now else None)
            for u in session.execute(select(User).order_by(User.username)).scalars()]


def add_account(session: Session, by: CurrentUser, username: str, full_name: str, password: str, roles: list[str],
                employee_id: int | None = None) -> int:
    """A new login (administrator only). A verifier (atasan) should be linked to their employee record:
    the selfie queue shows the punches of the employees they supervise."""
    by.require("admin")
    username = username.strip()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AccountError("Nama pengguna wajib diisi: huruf, angka, titik, garis bawah atau tanda hubung.")
    if not roles:
        raise AccountError("Pilih minimal satu peran.")
    if "verifier" in roles and employee_id is None:
        raise AccountError("Akun Atasan / Verifikator harus ditautkan ke data pegawainya (atasan langsung siapa).")
    _check_password(password, username)
    user = create_user(session, username, full_name.strip() or username, password, roles, by=by.username,
                       employee_id=employee_id)
    return user.id


def change_own_password(session: Session, me: CurrentUser, current: str, new: str) -> Changes:
    """The logged-in user's own password; the current one must be right (a walk-up user cannot change it)."""
    row = _get(session, me.id)
    if not _verify(row.password_hash, current):
        audit.record(session, me.username, "user.password_failed", "user", me.id)
        raise AuthError("Kata sandi saat ini salah; kata sandi tidak diubah.")
    _check_password(new, row.username)
    if current == new:
        raise AccountError("Kata sandi baru sama dengan yang lama.")
    change_password(session, me.id, new, by=me.username)  # also renews the user's audit-key wrap
    return CHANGED


def reset_password(session: Session, by: CurrentUser, user_id: int, new: str) -> Changes:
    """An administrator sets another user's password (forgotten password); audited with who did it."""
    by.require("admin")
    row = _get(session, user_id)
    _check_password(new, row.username)
    change_password(session, user_id, new, by=by.username)  # audited "user.password" by the admin
    return CHANGED


def set_account_active(session: Session, by: CurrentUser, user_id: int, active: bool) -> Changes:
    by.require("admin")
    row = _get(session, user_id)
    if not active:
        if user_id == by.id:
            raise AccountError("Anda tidak dapat menonaktifkan akun Anda sendiri.")
        if _active_admins(session) == [user_id]:
            raise AccountError(f"{row.username} adalah satu-satunya Administrator aktif; tambahkan Administrator "
                               "lain dulu.")
    row.active = active
    audit.record(session, by.username, "user.activate" if active else "user.deactivate", "user", user_id,
                 {"username": row.username})
    return CHANGED


def set_account_roles(session: Session, by: CurrentUser, user_id: int, roles: list[str],
                      employee_id: int | None) -> Changes:
    by.require("admin")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError(f"Peran tidak dikenal: {', '.join(sorted(unknown))}")
    if not roles:
        raise AccountError("Pilih minimal satu peran.")
    row = _get(session, user_id)
    if "admin" not in roles and _active_admins(session) == [user_id]:
        raise AccountError(f"{row.username} adalah satu-satunya Administrator aktif; peran itu tidak dapat dicabut.")
    if "verifier" in roles and employee_id is None:
        raise AccountError("Akun Atasan / Verifikator harus ditautkan ke data pegawainya.")
    before = row.roles
    row.roles = ",".join(r for r in ROLES if r in roles)
    row.employee_id = employee_id
    audit.record(session, by.username, "user.roles", "user", user_id,
                 {"from": before, "to": row.roles, "employee_id": employee_id})
    return CHANGED
