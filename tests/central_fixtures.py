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
def make_central(pg_admin_url: str, opds: dict[str, tuple[str, ...]], prefix: str = "central") -> Iterator[Central]:
    """A fresh migrated central DB; ``opds`` maps a key to (code, name[, timezone]); "bk" is the BKPSDM login."""
    suffix = uuid.uuid4().hex[:8]
    name = f"presensi_{prefix}_{suffix}"
    url = admin.create_database(pg_admin_url, name)
    c = Central(admin=url)
    try:
        admin.migrate_central(url)
        for key, (code, opd_name, *zone) in opds.items():
            role, pw = f"opd_{key}_{suffix}", f"sandi-{key}-{suffix}"
            admin.register_opd(url, code, opd_name, role, pw, *(zone or ["Asia/Jakarta"]))
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


INSERT_AS_SERVER = (
    "INSERT INTO submission (opd_code, year, month, revision, reason, sha256, signed_pdf, signer_subject,"
    " signer_cert_pem, summary, employee_count, recap_xlsx, recap_xlsx_sha256, sptjm_pdf, sptjm_sha256,"
    " pengantar_pdf, pengantar_sha256, manifest, bundle_sha256, audit_head_id, audit_head_hash, submitted_at)"
    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::jsonb,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id"
)


def insert_stamped(admin_url: str, payload: SubmissionPayload, files: dict[str, bytes], submitted_at: Any) -> int:
    """A submission as if the server had stamped it at ``submitted_at`` (owner, stamp trigger off for this row).

    For tests that need fixed server times (the deadline board with a frozen app clock).
    """
    import json

    import psycopg

    with psycopg.connect(admin_url) as owner:
        owner.execute("ALTER TABLE submission DISABLE TRIGGER submission_stamp")
        row = owner.execute(INSERT_AS_SERVER, (
            payload.opd_code, payload.year, payload.month, payload.revision, payload.reason, payload.sha256,
            files["recap_pdf"], payload.signer_subject, payload.signer_cert_pem, json.dumps(payload.summary),
            len(payload.summary), files["recap_xlsx"], payload.file_sha256["recap_xlsx"], files["sptjm_pdf"],
            payload.file_sha256["sptjm_pdf"], files["pengantar_pdf"], payload.file_sha256["pengantar_pdf"],
            payload.manifest, payload.bundle_sha256, payload.audit_head_id, payload.audit_head_hash, submitted_at,
        )).fetchone()
        owner.execute("ALTER TABLE submission ENABLE TRIGGER submission_stamp")
    return int(row[0])


def review_stamped(admin_url: str, submission_id: int, decision: str, reason: str, reviewed_at: Any,
                   reviewer: str = "bkpsdm_uji") -> None:
    import psycopg

    with psycopg.connect(admin_url) as owner:
        owner.execute("ALTER TABLE review DISABLE TRIGGER review_stamp")
        owner.execute("INSERT INTO review (submission_id, decision, reason, reviewed_by, reviewed_at)"
                      " VALUES (%s, %s, %s, %s, %s)", (submission_id, decision, reason, reviewer, reviewed_at))
        owner.execute("ALTER TABLE review ENABLE TRIGGER review_stamp")


def certs_around(*office_times: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    """Test certificates valid at the given frozen office times (WIB) and at the machine's real time."""
    import datetime as dt

    from services.clock import FrozenClock, SystemClock
    from services.demo.testca import make_test_certificates

    instants = [FrozenClock(t).utcnow() for t in office_times] + [SystemClock().utcnow()]
    start = min(instants) - dt.timedelta(days=1)
    days = (max(instants) - start).days + 730
    return make_test_certificates(SystemClock(), not_before=start, valid_days=days, **kwargs)
