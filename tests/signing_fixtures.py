"""Fixtures for the signing tests: a frozen office clock, the demo PKI server (TSA, CRL, OCSP) and the
esign emulator on loopback ports, and a draft report in a database that runs on the frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.clock import FrozenClock
from services.demo.esign_emulator import EsignEmulator, EsignServer
from services.demo.pki_server import PkiServer
from services.demo.sample_org import create_sample_org
from services.reports.monthly import generate_monthly_report
from services.store.db import Database, open_database
from tests.report_fixtures import lock_period, recap_rows, user
from tests.signing_support import API_PASSWORD, API_USER, FROZEN, NIK, NO_CERT_NIK, PASSPHRASE, TOTP_SECRET, configure


@pytest.fixture(scope="module")
def frozen_clock() -> FrozenClock:
    """The module's PKI and esign emulator run on their own frozen clock (same time as conftest's ``clock``)."""
    return FrozenClock(FROZEN)


@pytest.fixture(scope="module")
def pki(frozen_clock: FrozenClock) -> Iterator[PkiServer]:
    server = PkiServer.start(frozen_clock)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def esign(pki: PkiServer, frozen_clock: FrozenClock) -> Iterator[EsignServer]:
    emu = EsignEmulator(pki.pki, frozen_clock, username=API_USER, password=API_PASSWORD)
    emu.add_user(NIK, "Kepala Dinas Uji", PASSPHRASE, email="kepala@uji.go.id", totp_secret=TOTP_SECRET)
    emu.add_user(NO_CERT_NIK, "Pegawai Tanpa Sertifikat", "apa-saja", status="NO_CERTIFICATE")
    server = emu.serve()
    yield server
    server.stop()


@dataclass
class Draft:
    db: Database
    report_id: int
    pdf_path: Path
    ca_path: Path
    opd_id: int


@pytest.fixture
def fdb(tmp_path: Path, clock: FrozenClock) -> Iterator[Database]:
    database = open_database(tmp_path / "presensi.sqlite", clock=clock)
    yield database
    database.dispose()


@pytest.fixture
def draft(fdb: Database, pki: PkiServer, esign: EsignServer, tmp_path: Path) -> Draft:
    with fdb.transaction() as s:
        org = create_sample_org(s, n_employees=8)
    lock_period(fdb, org.opd_id)
    info = generate_monthly_report(fdb, org.opd_id, 2026, 10, user(fdb, "operator"), rows=recap_rows(fdb))
    ca = tmp_path / "akar-tepercaya.pem"
    ca.write_bytes(pki.pki.root_pem)
    configure(fdb, esign_url=esign.url, tsa_url=pki.tsa_url, trust_roots=(str(ca),), target_level="B-LT")
    return Draft(fdb, info.report_id, info.pdf_path, ca, org.opd_id)
