"""Users, roles, argon2 password hashes and the one login path (throttled, audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.errors import PermissionDeniedError
from services.store.db import Database, clock_of
from services.store.models import User

SYNC_ROLE = "sinkron"
ROLES = {
    "operator": "Operator Umpeg",
    "verifier": "Atasan / Verifikator",
    "signer": "Kepala OPD (penanda tangan)",
    "admin": "Administrator",
    "bkpsdm": "Peninjau BKPSDM",  # reviews every OPD's submissions at the central database
    # the scheduled headless sync logs in as a dedicated account that may only pull devices
    SYNC_ROLE: "Akun sinkron terjadwal (hanya menarik data mesin presensi)",
}
# Roles of people at the office PC: what a command that reads personal data needs (any one of them).
STAFF_ROLES = ("operator", "verifier", "signer", "admin")

# Login throttling. Why these numbers: five typos are plausible for a person, a guesser needs thousands;
# doubling from one minute makes an online guess of a 6-character password take years, while a colleague
# who mistyped waits a minute. They are not regional rules (nothing in a regulation), so they live here.
LOCK_AFTER_FAILURES = 5
FIRST_LOCK = dt.timedelta(minutes=1)
LONGEST_LOCK = dt.timedelta(hours=24)

_hasher = PasswordHasher()


class AuthError(PermissionDeniedError):
    pass


@dataclass(frozen=True)
class CurrentUser:
    """What the UI and services need to know about the logged-in user (thread-safe, no ORM)."""

    id: int
    username: str
    full_name: str
    roles: frozenset[str]
    employee_id: int | None = None

    def has(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles

    def require(self, role: str) -> None:
        if not self.has(role):
            raise AuthError(f"Aksi ini memerlukan peran '{ROLES.get(role, role)}'.")

    def require_any(self, roles: Iterable[str], action: str = "Aksi ini") -> None:
        """Refuse unless the user holds one of ``roles`` (admin holds every role)."""
        wanted = list(roles)
        if not any(self.has(r) for r in wanted):
            names = " / ".join(f"'{ROLES.get(r, r)}'" for r in wanted)
            raise AuthError(f"{action} memerlukan peran {names}; pengguna '{self.username}' tidak memilikinya.")


SYSTEM_USER = CurrentUser(id=0, username="system", full_name="Sistem", roles=frozenset({"admin"}))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session,
    username: str,
    full_name: str,
    password: str,
    roles: list[str],
    by: str = "system",
    employee_id: int | None = None,
) -> User:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AuthError(f"Peran tidak dikenal: {', '.join(sorted(unknown))}")
    if len(password) < 6:
        raise AuthError("Kata sandi minimal 6 karakter.")
    if session.execute(select(User).where(User.username == username)).scalar():
        raise AuthError(f"Nama pengguna '{username}' sudah dipakai.")
    user = User(
        username=username,
        full_name=full_name,
        password_hash=hash_password(password),
        roles=",".join(roles),
        employee_id=employee_id,
    )
    session.add(user)
    session.flush()
    from services.auth import audit_key

    audit_key.wrap_for(session, user, password)  # no keyring: this user's login opens the audit key too
    audit.record(session, by, "user.create", "user", user.id, {"username": username, "roles": roles})
    return user


def to_current(user: User) -> CurrentUser:
    return CurrentUser(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        roles=frozenset(r for r in user.roles.split(",") if r),
        employee_id=user.employee_id,
    )


class AccountLockedError(AuthError):
    pass


def _lock_message(username: str, until: dt.datetime) -> str:
    return (f"Akun '{username}' dikunci sampai {until:%d-%m-%Y %H:%M:%S} karena kata sandi salah "
            f"{LOCK_AFTER_FAILURES} kali berturut-turut. Coba lagi setelah waktu itu, atau minta administrator "
            "membukanya (Pengaturan > Pengguna, atau `presensi-opd user-unlock`).")


def lock_duration(level: int) -> dt.timedelta:
    """The n-th lock in a row lasts FIRST_LOCK * 2^(n-1), at most LONGEST_LOCK."""
    return min(FIRST_LOCK * (2 ** max(level - 1, 0)), LONGEST_LOCK)


def _failed(session: Session, user: User, now: dt.datetime, via: str) -> AuthError:
    user.failed_logins = (user.failed_logins or 0) + 1
    audit.record(session, user.username, "login.failed", "user", user.id,
                 {"via": via, "failures": user.failed_logins}, defer_without_key=True)
    if user.failed_logins < LOCK_AFTER_FAILURES:
        return AuthError("Nama pengguna atau kata sandi salah.")
    user.lock_level = (user.lock_level or 0) + 1
    user.failed_logins = 0  # the next lock needs another series of failures, and lasts twice as long
    user.locked_until = now + lock_duration(user.lock_level)
    audit.record(session, user.username, "login.locked", "user", user.id,
                 {"until": user.locked_until.isoformat(), "level": user.lock_level}, defer_without_key=True)
    return AccountLockedError(_lock_message(user.username, user.locked_until))


def authenticate(session: Session, username: str, password: str, via: str = "aplikasi") -> CurrentUser:
    """The one login check of the GUI dialog and the CLI: argon2, throttled, every outcome audited.

    The caller must commit the session also when this raises (failed attempts and locks are state).
    """
    now = clock_of(session).now()
    user = session.execute(select(User).where(User.username == username, User.active.is_(True))).scalar()
    if user is None:
        audit.record(session, username, "login.failed", "user", "", {"via": via, "reason": "tidak dikenal"},
                     defer_without_key=True)
        raise AuthError("Nama pengguna atau kata sandi salah.")
    if user.locked_until is not None and now < user.locked_until:
        audit.record(session, username, "login.blocked", "user", user.id, {"via": via}, defer_without_key=True)
        raise AccountLockedError(_lock_message(username, user.locked_until))
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise _failed(session, user, now, via) from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins, user.lock_level, user.locked_until = 0, 0, None
    current = to_current(user)
    from services.auth import audit_key

    audit_key.open_for_login(session, user, password)  # without a keyring the audit key is unwrapped by a login
    if audit_key.current_key(session) is not None:
        audit.flush_pending(session)
    audit.record(session, username, "login", "user", user.id, {"via": via})
    return current


def unlock_user(session: Session, username: str, by: CurrentUser) -> bool:
    """Admin: lift a login lock now. Returns whether the account was locked."""
    by.require("admin")
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise AuthError(f"Pengguna '{username}' tidak ditemukan.")
    now = clock_of(session).now()
    was_locked = user.locked_until is not None and now < user.locked_until
    user.failed_logins, user.lock_level, user.locked_until = 0, 0, None
    audit.record(session, by.username, "login.unlock", "user", user.id, {"username": username, "was_locked": was_locked})
    return was_locked


def lock_state(session: Session, username: str) -> dt.datetime | None:
    """Until when ``username`` is locked (None = not locked now)."""
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None or user.locked_until is None or clock_of(session).now() >= user.locked_until:
        return None
    return user.locked_until


def change_password(session: Session, user_id: int, new_password: str, by: str) -> None:
    if len(new_password) < 6:
        raise AuthError("Kata sandi minimal 6 karakter.")
    user = session.get(User, user_id)
    if user is None:
        raise AuthError("Pengguna tidak ditemukan.")
    user.password_hash = hash_password(new_password)
    from services.auth import audit_key

    audit_key.wrap_for(session, user, new_password)
    audit.record(session, by, "user.password", "user", user_id)


SYNC_ACCOUNT = "sinkron"


def provision_sync_account(session: Session, by: CurrentUser, username: str = SYNC_ACCOUNT) -> str:
    """Admin: create (or give a fresh password to) the account the scheduled sync logs in as.

    Its only role is SYNC_ROLE: it can pull devices and nothing else. Returns the new random
    password, which the caller writes to an owner-only password file for the scheduler.
    """
    import secrets as pysecrets

    by.require("admin")
    password = pysecrets.token_urlsafe(24)
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        create_user(session, username, "Sinkron terjadwal", password, [SYNC_ROLE], by=by.username)
        return password
    if set(user.roles.split(",")) != {SYNC_ROLE}:
        raise AuthError(f"Pengguna '{username}' sudah ada dengan peran lain; akun sinkron harus khusus.")
    user.active = True
    change_password(session, user.id, password, by=by.username)
    return password


def login(db: Database, username: str, password: str, via: str = "aplikasi") -> CurrentUser:
    """Log in through ``authenticate`` in its own write transaction, committed whatever the outcome.

    The GUI login dialog and the CLI both come here: a failed attempt, a lock or a refused
    attempt while locked is stored and audited even though the caller gets an AuthError.
    """
    from services.store.writer import write_transaction

    error: AuthError | None = None
    user: CurrentUser | None = None
    with write_transaction(db) as s:
        try:
            user = authenticate(s, username, password, via)
        except AuthError as exc:
            error = exc  # leave the block normally: the failure is committed
    if error is not None:
        raise error
    assert user is not None
    return user
