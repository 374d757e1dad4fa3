"""Users, roles and argon2 password hashes."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.errors import PermissionDeniedError
from services.store.models import User

ROLES = {
    "operator": "Operator Umpeg",
    "verifier": "Atasan / Verifikator",
    "signer": "Kepala OPD (penanda tangan)",
    "admin": "Administrator",
    "bkpsdm": "Peninjau BKPSDM",  # reviews every OPD's submissions at the central database
}

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


def authenticate(session: Session, username: str, password: str) -> CurrentUser:
    user = session.execute(select(User).where(User.username == username, User.active.is_(True))).scalar()
    if user is None:
        raise AuthError("Nama pengguna atau kata sandi salah.")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        audit.record(session, username, "login.failed", "user", user.id)
        raise AuthError("Nama pengguna atau kata sandi salah.") from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, username, "login", "user", user.id)
    return to_current(user)


def change_password(session: Session, user_id: int, new_password: str, by: str) -> None:
    if len(new_password) < 6:
        raise AuthError("Kata sandi minimal 6 karakter.")
    user = session.get(User, user_id)
    if user is None:
        raise AuthError("Pengguna tidak ditemukan.")
    user.password_hash = hash_password(new_password)
    audit.record(session, by, "user.password", "user", user_id)
