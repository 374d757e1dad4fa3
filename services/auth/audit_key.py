"""The per-installation key of the audit chain (HMAC-SHA256), and where it lives.

Why a key: a plain hash chain can be recomputed by anyone who can write the database file (edit a
row, recompute every later hash). With the key outside the file, a rewritten row no longer
verifies. Where the key is kept, in order:

1. the system keyring (Windows Credential Manager / Secret Service), entry ``audit-key:<installation id>``
   (services/secrets.py): the normal case; nothing about the key is in the database;
2. without a keyring: the key is wrapped (AES-256-GCM) under each user's password, stretched with
   argon2id (the same cost as the password hash), one ``audit_key_wrap`` row per user. A login
   unwraps it for that process (``open_for_login``); creating a user or changing a password
   (done by a logged-in admin, so the key is open) adds/renews that user's wrap. The key is thus
   "derived from a login": whoever can write the database file but knows no password cannot
   forge events. (Every user gets a wrap, not only the admin, because an operator's work must be
   audited while no admin is logged in; the price is that the weakest password guards the key
   against an offline guesser, which is why docs/SECURITY.md asks for good passwords.)

One exception: the scheduled sync account (role ``sinkron``) always gets a wrap, keyring or not,
because a scheduled run may not see the desktop session's keyring (a systemd timer, a locked Secret
Service). Its password is long and random and sits in an owner-only file (schedule-sync); whoever
can read that file can open the key, which docs/SECURITY.md lists as a known limit.

The key record also says from which event id the chain is keyed (``from_id``): databases older than
the key keep their plain sha256 rows below it, and the record (in the keyring, or inside the
authenticated wrap) cannot be moved by someone editing the database. A marker setting
(``audit.keyed_from``) tells the app a key exists, so a process that cannot open it refuses to write
audit events instead of silently starting a second key.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services import secrets
from services.errors import UserError
from services.store.models import AuditEvent, AuditKeyWrap, Setting, User

SECRET_KIND = "audit-key"
SETTING_INSTALLATION = "audit.installation_id"
SETTING_KEYED_FROM = "audit.keyed_from"


class AuditKeyUnavailable(UserError):
    pass


@dataclass(frozen=True)
class AuditKey:
    key: bytes
    from_id: int  # events with id >= from_id carry an HMAC; older ones a plain sha256

    def encode(self) -> str:
        return json.dumps({"v": 1, "key": self.key.hex(), "from_id": self.from_id})

    @staticmethod
    def decode(text: str) -> AuditKey:
        doc = json.loads(text)
        return AuditKey(bytes.fromhex(doc["key"]), int(doc["from_id"]))


_cache: dict[str, AuditKey] = {}  # installation id -> key opened in this process
_cache_lock = threading.Lock()


def installation_id(session: Session) -> str:
    row = session.get(Setting, SETTING_INSTALLATION)
    if row is None:
        row = Setting(key=SETTING_INSTALLATION, value=os.urandom(16).hex())
        session.add(row)
        session.flush()
    return row.value


def _remember(iid: str, key: AuditKey) -> AuditKey:
    with _cache_lock:
        _cache[iid] = key
    return key


def forget_all() -> None:
    """Drop every key opened in this process (tests: a new process that has not logged in yet)."""
    with _cache_lock:
        _cache.clear()


def _from_keyring(iid: str) -> AuditKey | None:
    text = secrets.get_secret(SECRET_KIND, iid)
    return AuditKey.decode(text) if text else None


def current_key(session: Session) -> AuditKey | None:
    """The key if this process can use it now (cache, then keyring); None otherwise."""
    iid = installation_id(session)
    with _cache_lock:
        cached = _cache.get(iid)
    if cached is not None:
        return cached
    found = _from_keyring(iid)
    return _remember(iid, found) if found is not None else None


def is_keyed(session: Session) -> bool:
    return session.get(Setting, SETTING_KEYED_FROM) is not None


def ensure_key(session: Session) -> AuditKey:
    """The key for writing the next event; creates the installation's key the first time."""
    key = current_key(session)
    if key is not None:
        return key
    if is_keyed(session):
        raise AuditKeyUnavailable(
            "Kunci log audit tidak dapat dibuka: tidak ada di keyring sistem, dan belum ada pengguna yang masuk "
            "(login) pada proses ini. Masuk dengan akun Anda lalu ulangi; bila keyring dipindah atau dihapus, "
            "hubungi administrator (docs/SECURITY.md).")
    iid = installation_id(session)
    last = session.execute(select(func.max(AuditEvent.id))).scalar() or 0
    key = AuditKey(os.urandom(32), int(last) + 1)
    try:
        secrets.set_secret(SECRET_KIND, iid, key.encode())
    except secrets.SecretStoreUnavailable:
        pass  # no keyring: wrapped under each user's password as they log in or are created
    session.add(Setting(key=SETTING_KEYED_FROM, value=str(key.from_id)))
    session.flush()
    return _remember(iid, key)


# -- wraps (no keyring) ----------------------------------------------------------------------------
def _kek(password: str, salt_spec: str) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    t, m, p, salt = salt_spec.split(":")
    return hash_secret_raw(password.encode("utf-8"), bytes.fromhex(salt), time_cost=int(t), memory_cost=int(m),
                           parallelism=int(p), hash_len=32, type=Type.ID)


def _aad(iid: str, user_id: int) -> bytes:
    return f"presensi-opd audit key {iid} user {user_id}".encode()


def _write_wrap(session: Session, iid: str, user: User, password: str, key: AuditKey) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from services.auth import users

    hasher = users._hasher  # same stretching cost as the password hash (tests lower it for both)
    salt_spec = f"{hasher.time_cost}:{hasher.memory_cost}:{hasher.parallelism}:{os.urandom(16).hex()}"
    nonce = os.urandom(12)
    sealed = AESGCM(_kek(password, salt_spec)).encrypt(nonce, key.encode().encode(), _aad(iid, user.id))
    row = session.get(AuditKeyWrap, user.id)
    if row is None:
        row = AuditKeyWrap(user_id=user.id, salt="", nonce="", wrapped="")
        session.add(row)
    row.salt, row.nonce, row.wrapped = salt_spec, nonce.hex(), sealed.hex()
    session.flush()


def _unwrap(row: AuditKeyWrap, iid: str, password: str) -> AuditKey | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        plain = AESGCM(_kek(password, row.salt)).decrypt(bytes.fromhex(row.nonce), bytes.fromhex(row.wrapped),
                                                         _aad(iid, row.user_id))
    except (InvalidTag, ValueError):
        return None
    return AuditKey.decode(plain.decode())


def open_for_login(session: Session, user: User, password: str) -> None:
    """After a successful login: make the key usable in this process; keep this user's wrap current."""
    iid = installation_id(session)
    key = current_key(session)
    wrap = session.get(AuditKeyWrap, user.id)
    if key is None and wrap is not None:
        opened = _unwrap(wrap, iid, password)
        key = _remember(iid, opened) if opened is not None else None
    if key is None and not is_keyed(session):
        key = ensure_key(session)
    if key is not None and wrap is None and (_needs_wrap_anyway(user) or _from_keyring(iid) is None):
        _write_wrap(session, iid, user, password, key)


def _needs_wrap_anyway(user: User) -> bool:
    from services.auth.users import SYNC_ROLE

    return SYNC_ROLE in user.roles.split(",")


def wrap_for(session: Session, user: User, password: str) -> None:
    """A user was created / got a new password: renew their wrap (only without a keyring)."""
    iid = installation_id(session)
    key = current_key(session) if is_keyed(session) else ensure_key(session)
    if key is None or (_from_keyring(iid) is not None and not _needs_wrap_anyway(user)):
        return
    _write_wrap(session, iid, user, password, key)
