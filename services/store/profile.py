"""This PC's connection to its OPD store: the local SQLite file (default) or a shared PostgreSQL database.

The profile (``opd-store.json`` in the data folder) holds the address, the TLS settings and the
folder for stored files, never the password: that lives in the OS keyring (services.secrets,
kind ``opd-db``), saved by the first-run wizard or ``presensi-opd db-init``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from services.clock import Clock
from services.errors import BadInputError
from services.paths import data_dir, default_db_path
from services.store.db import SECRET_KIND, Database, is_pg_url, pg_url, secret_name

PROFILE_NAME = "opd-store.json"
FILES_ENV = "PRESENSI_OPD_FILES_DIR"  # overrides the stored-files folder of a PostgreSQL OPD (tests, shared drive)
SSL_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full")


@dataclass
class StoreProfile:
    url: str  # postgresql://user@host:port/db (no password)
    sslmode: str = ""
    sslrootcert: str = ""
    files_dir: str = ""  # shared folder for photos/PDFs ("" = this PC's data folder)


def profile_path() -> Path:
    return data_dir() / PROFILE_NAME


def load_profile() -> StoreProfile | None:
    path = profile_path()
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    return StoreProfile(**{k: str(raw.get(k, "")) for k in ("url", "sslmode", "sslrootcert", "files_dir")})


def check_url(url: str) -> str:
    """A PostgreSQL address without a password in it (passwords go to keyring, never to files or shell history)."""
    if not is_pg_url(url):
        raise BadInputError(f"Alamat database harus diawali postgresql:// (diberikan: {url!r}).")
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if not parsed.username or not parsed.database:
        raise BadInputError("Alamat database PostgreSQL harus memuat pengguna dan nama database, "
                            "mis. postgresql://umpeg1@192.168.1.10:5432/presensi_opd.")
    if parsed.password:
        raise BadInputError("Jangan menulis kata sandi di alamat database: kata sandi disimpan di keyring "
                            "(isi lewat --password-stdin atau wizard).")
    return url


def save_profile(profile: StoreProfile) -> Path:
    check_url(profile.url)
    if profile.sslmode and profile.sslmode not in SSL_MODES:
        raise BadInputError(f"sslmode '{profile.sslmode}' tidak dikenal; pilih salah satu: {', '.join(SSL_MODES)}.")
    if profile.sslrootcert and not Path(profile.sslrootcert).is_file():
        raise BadInputError(f"Berkas sertifikat CA (sslrootcert) tidak ditemukan: {profile.sslrootcert}")
    path = profile_path()
    path.write_text(json.dumps(asdict(profile), indent=2), encoding="utf-8")
    return path


def save_password(url: str, password: str) -> None:
    from services.secrets import set_secret

    set_secret(SECRET_KIND, secret_name(pg_url(url)), password)


def connect_options(profile: StoreProfile | None) -> dict[str, Any]:
    """Database(...) keyword options of a profile: TLS settings and the stored-files folder."""
    options: dict[str, Any] = {}
    tls: dict[str, Any] = {}
    if profile is not None:
        if profile.sslmode:
            tls["sslmode"] = profile.sslmode
        if profile.sslrootcert:
            tls["sslrootcert"] = profile.sslrootcert
        if profile.files_dir:
            options["files_root"] = Path(profile.files_dir)
    if tls:
        options["connect_args"] = tls
    return options


def resolve_location(given: Path | str | None) -> Path | str:
    """What to open: the --db given, else this PC's PostgreSQL profile, else the local SQLite file."""
    if given is not None:
        return given
    profile = load_profile()
    return profile.url if profile is not None else default_db_path()


def open_store(location: Path | str, clock: Clock | None = None, *, migrate: bool = True) -> Database:
    """Open an OPD store; a PostgreSQL address gets this PC's TLS/files settings from its profile."""
    if is_pg_url(location):
        profile = load_profile()
        same = profile if profile is not None and profile.url == location else None
        db = Database(location, clock, **connect_options(same))
    else:
        db = Database(location, clock)
    if migrate:
        db.migrate()
    return db


def connect_shared(profile: StoreProfile, password: str, clock: Clock | None = None) -> tuple[Database, bool]:
    """Set this PC up on a shared PostgreSQL OPD database: connect with the user's own login, migrate,
    then keep the password in keyring and the address in this PC's profile.

    Returns (the migrated Database, whether the OPD there is already set up by another PC).
    Nothing is saved when the connection or the migration fails.
    """
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError

    from services.errors import UnreachableError
    from services.store.models import Opd

    check_url(profile.url)
    options = connect_options(profile)
    db = Database(profile.url, clock, password=password or None, **options)
    try:
        db.migrate()
        with db.session() as s:
            ready = bool(s.execute(select(func.count(Opd.id))).scalar())
    except OperationalError as exc:
        db.dispose()
        raise UnreachableError(f"Database {db.location} tidak dapat dihubungi: "
                               f"{str(exc.orig or exc).strip()[:300]}") from None
    if password:
        save_password(profile.url, password)
    save_profile(profile)
    return db, ready
