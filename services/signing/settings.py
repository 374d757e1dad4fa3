"""Signing settings (admin only): esign server, its Basic-auth login, API version, TSA, trusted roots.

Stored as Setting rows; the esign client password lives only in keyring (kind
"esign", name = server URL). Per signer the last used certificate file and the
last used NIK/e-mail are remembered (not secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services import secrets
from services.auth import audit
from services.auth.users import CurrentUser
from services.changes import Changes
from services.errors import BadInputError, UserError
from services.store.db import Database
from services.store.models import Setting

SETTING_P12 = "signing.p12_path."  # + username: the signer's last used certificate file
SETTING_ESIGN_ID = "signing.esign_id."  # + username: the NIK / e-mail last used at the esign server
SETTING_TRUST = "signing.trust_roots"  # ';'-separated PEM files of trusted roots (BSrE / demo CA)
SETTING_ESIGN_URL = "signing.esign_url"
SETTING_ESIGN_USER = "signing.esign_user"
SETTING_ESIGN_API = "signing.esign_api"  # v1 / v2
SETTING_ESIGN_TIMEOUT = "signing.esign_timeout"
SETTING_TSA_URL = "signing.tsa_url"
SETTING_LEVEL = "signing.target_level"  # B-T / B-LT / B-LTA: how far the app extends a signature
SECRET_ESIGN = "esign"
TARGET_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class SigningSettings:
    esign_url: str = ""
    esign_user: str = ""
    esign_api: str = "v2"
    esign_timeout: float = 120.0
    tsa_url: str = ""
    trust_roots: tuple[str, ...] = ()
    target_level: str = "B-LT"

    def trust_paths(self) -> list[Path]:
        return [Path(p) for p in self.trust_roots if Path(p).is_file()]


def get_setting(db: Database, key: str) -> str | None:
    with db.session() as s:
        row = s.get(Setting, key)
        return row.value if row else None


def set_setting(db: Database, key: str, value: str, username: str) -> None:
    with db.transaction() as s:
        _put(s, key, value, username)


def _put(s, key: str, value: str, username: str) -> None:  # type: ignore[no-untyped-def]
    row = s.get(Setting, key)
    old = row.value if row else None
    if row is None:
        s.add(Setting(key=key, value=value))
    else:
        row.value = value
    if old != value:
        audit.record(s, username, "setting.set", "setting", key, {"value": value})


def load_settings(db: Database) -> SigningSettings:
    with db.session() as s:
        rows = {r.key: r.value for r in s.query(Setting).filter(Setting.key.like("signing.%"))}
    try:
        timeout = float(rows.get(SETTING_ESIGN_TIMEOUT) or 120)
    except ValueError:
        timeout = 120.0
    return SigningSettings(
        esign_url=rows.get(SETTING_ESIGN_URL, ""), esign_user=rows.get(SETTING_ESIGN_USER, ""),
        esign_api=rows.get(SETTING_ESIGN_API, "v2") or "v2", esign_timeout=timeout,
        tsa_url=rows.get(SETTING_TSA_URL, ""),
        trust_roots=tuple(p for p in (rows.get(SETTING_TRUST) or "").split(";") if p.strip()),
        target_level=rows.get(SETTING_LEVEL, "B-LT") or "B-LT",
    )


def trust_roots_from_settings(db: Database) -> list[Path]:
    return load_settings(db).trust_paths()


def esign_password(url: str) -> str | None:
    return secrets.get_secret(SECRET_ESIGN, url.rstrip("/"))


def save_settings(db: Database, user: CurrentUser, new: SigningSettings, esign_password_value: str | None = None
                  ) -> Changes:
    """Validate and store the signing settings (admin only); the esign password goes to keyring."""
    user.require("admin")
    if new.esign_api not in ("v1", "v2"):
        raise BadInputError(f"Versi API esign harus v1 atau v2, bukan '{new.esign_api}'.")
    if new.target_level not in TARGET_LEVELS:
        raise BadInputError(f"Tingkat PAdES harus salah satu dari {', '.join(TARGET_LEVELS)}.")
    for label, url in (("Alamat server esign", new.esign_url), ("Alamat TSA", new.tsa_url)):
        if url and not url.startswith(("http://", "https://")):
            raise BadInputError(f"{label} harus diawali http:// atau https:// (isi sekarang: '{url}').")
    if not 5 <= new.esign_timeout <= 900:
        raise BadInputError("Batas waktu server esign harus 5–900 detik.")
    for path in new.trust_roots:
        if not Path(path).is_file():
            raise BadInputError(f"Berkas akar tepercaya tidak ditemukan: {path}")
        from services.signing.certs import load_certs

        try:
            if not load_certs([Path(path)]):
                raise ValueError("kosong")
        except (ValueError, OSError) as exc:
            raise BadInputError(f"Berkas akar tepercaya {path} bukan sertifikat PEM/DER: {exc}") from None
    if esign_password_value:
        if not new.esign_url:
            raise BadInputError("Isi alamat server esign sebelum kata sandinya.")
        try:
            secrets.set_secret(SECRET_ESIGN, new.esign_url.rstrip("/"), esign_password_value)
        except secrets.SecretStoreUnavailable as exc:
            raise UserError(str(exc)) from None
    values = {SETTING_ESIGN_URL: new.esign_url.rstrip("/"), SETTING_ESIGN_USER: new.esign_user,
              SETTING_ESIGN_API: new.esign_api, SETTING_ESIGN_TIMEOUT: f"{new.esign_timeout:g}",
              SETTING_TSA_URL: new.tsa_url, SETTING_TRUST: ";".join(new.trust_roots),
              SETTING_LEVEL: new.target_level}
    with db.transaction() as s:
        for key, value in values.items():
            _put(s, key, value, user.username)
    return Changes(settings=True)
