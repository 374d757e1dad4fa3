"""Constants and helpers of the signing tests (the fixtures are in tests/signing_fixtures.py)."""

from __future__ import annotations

from dataclasses import replace

from services.auth.users import SYSTEM_USER
from services.signing.backends import EsignServerBackend
from services.signing.esign_client import EsignConfig
from services.signing.settings import load_settings, save_settings
from services.store.db import Database
from tests.frozen import FROZEN_NOW

FROZEN = FROZEN_NOW  # the suite's frozen office time
NIK = "3201010101700001"
PASSPHRASE = "Rahasia#Uji-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
NO_CERT_NIK = "3201010101700002"
API_USER, API_PASSWORD = "esign", "esign-uji-rahasia"


def configure(db: Database, password: str | None = None, **values: object) -> None:
    cur = load_settings(db)
    save_settings(db, SYSTEM_USER, replace(cur, esign_user=API_USER, **values), password)  # type: ignore[arg-type]


def esign_backend(url: str, api: str = "v2", *, nik: str = NIK, email: str = "", timeout: float = 60.0,
                  password: str = API_PASSWORD) -> EsignServerBackend:
    return EsignServerBackend(EsignConfig(url, API_USER, password, api, timeout=timeout), nik=nik, email=email)
