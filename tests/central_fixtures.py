"""Helpers for tests against the real central PostgreSQL server (unique database and role names)."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from services.central import admin
from services.central.bundle import build_manifest
from services.central.client import SubmissionPayload

PASSWORDS = {"bk": "sandi-bkpsdm"}


@dataclass
class Central:
    admin: str  # owner/superuser URL of the test database
    urls: dict[str, str] = field(default_factory=dict)  # key -> login URL (no password)
    roles: dict[str, str] = field(default_factory=dict)  # key -> role name
    passwords: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # key -> OPD code

    def login(self, key: str) -> tuple[str, str]:
        return self.urls[key], self.passwords[key]


@contextlib.contextmanager
def make_central(pg_admin_url: str, opds: dict[str, tuple[str, str]], prefix: str = "central") -> Iterator[Central]:
    """A fresh migrated central DB; ``opds`` maps a key to (code, name); key "bk" is the BKPSDM login."""
    suffix = uuid.uuid4().hex[:8]
    name = f"presensi_{prefix}_{suffix}"
    url = admin.create_database(pg_admin_url, name)
    c = Central(admin=url)
    try:
        admin.migrate_central(url)
        for key, (code, opd_name) in opds.items():
            role, pw = f"opd_{key}_{suffix}", f"sandi-{key}-{suffix}"
            admin.register_opd(url, code, opd_name, role, pw)
            c.urls[key], c.roles[key], c.passwords[key], c.codes[key] = admin.with_user(url, role), role, pw, code
        bk = f"bkpsdm_{suffix}"
        admin.register_bkpsdm(url, bk, PASSWORDS["bk"])
        c.urls["bk"], c.roles["bk"], c.passwords["bk"] = admin.with_user(url, bk), bk, PASSWORDS["bk"]
        yield c
    finally:
        admin.drop_database(pg_admin_url, name)
        for role in c.roles.values():
            admin.drop_role(pg_admin_url, role)


def fake_bundle(opd: str, pdf: bytes, year: int = 2026, month: int = 10, revision: int = 1, reason: str = "",
                summary: list[dict[str, Any]] | None = None, pad: int = 0) -> tuple[SubmissionPayload, dict[str, bytes]]:
    """A consistent bundle of arbitrary bytes (for schema tests; real bundles come from build_bundle)."""
    files = {"recap_pdf": pdf, "recap_xlsx": b"PK xlsx " + pdf, "sptjm_pdf": b"%PDF sptjm " + pdf,
             "pengantar_pdf": b"%PDF pengantar " + pdf + b"\0" * pad}
    head = (7, hashlib.sha256(b"audit" + pdf).hexdigest())
    summary = summary if summary is not None else [{"nip": "1", "name": "X", "counts": {"H": 20}}]
    manifest = build_manifest(opd, year, month, revision, {k: (f"{k}.bin", v) for k, v in files.items()}, head,
                              len(summary), "CN=Uji")
    payload = SubmissionPayload(
        opd_code=opd, year=year, month=month, revision=revision, reason=reason,
        sha256=hashlib.sha256(pdf).hexdigest(), signer_subject="CN=Uji", signer_cert_pem="-", summary=summary,
        bundle_sha256=hashlib.sha256(manifest.encode()).hexdigest(), manifest=manifest,
        file_sha256={k: hashlib.sha256(v).hexdigest() for k, v in files.items()},
        audit_head_id=head[0], audit_head_hash=head[1])
    return payload, files
