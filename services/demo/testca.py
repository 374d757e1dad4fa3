"""A test CA and signer PKCS#12 for tests and the demo (built on services.demo.pki.DemoPki).

Real deployments use a certificate from BSrE (or a Perkada-appointed CA). Dates
come from the given clock: a test on FrozenClock("2026-11-25 08:00") gets a
certificate valid around that time. Nothing generated here is ever committed:
callers write the files to a temp or data folder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from services import secrets
from services.clock import Clock
from services.demo.pki import DemoPki
from services.store.db import Database


@dataclass(frozen=True)
class TestCertificates:
    ca_cert_pem: bytes
    signer_cert_pem: bytes
    p12: bytes  # signer key + cert + CA cert, encrypted with `passphrase`
    passphrase: str
    pki: DemoPki | None = None

    __test__ = False  # not a pytest class

    def write(self, folder: Path, stem: str = "penandatangan") -> tuple[Path, Path]:
        """Write <stem>.p12 and test-ca.pem into folder; returns (p12 path, CA path)."""
        folder.mkdir(parents=True, exist_ok=True)
        p12_path = folder / f"{stem}.p12"
        ca_path = folder / "test-ca.pem"
        p12_path.write_bytes(self.p12)
        p12_path.chmod(0o600)
        ca_path.write_bytes(self.ca_cert_pem)
        return p12_path, ca_path


def make_test_certificates(
    clock: Clock,
    signer_name: str = "Kepala Dinas Uji",
    signer_nip: str = "",
    organisation: str = "Pemerintah Daerah (UJI COBA)",
    passphrase: str = "rahasia-uji",
    key_size: int = 2048,
    valid_days: int = 730,
    *,
    pki: DemoPki | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> TestCertificates:
    """A signer certificate from ``pki`` (a new offline CA by default) valid around ``clock``'s now."""
    pki = pki or DemoPki(clock, name="CA Uji Presensi OPD", organisation=organisation, key_size=key_size)
    start = not_before or clock.utcnow() - dt.timedelta(days=30)
    issued = pki.issue(signer_name, serial=signer_nip, not_before=start,
                       not_after=not_after or start + dt.timedelta(days=valid_days))
    return TestCertificates(ca_cert_pem=pki.root_pem, signer_cert_pem=issued.cert_pem, p12=issued.p12(passphrase),
                            passphrase=passphrase, pki=pki)


def install_test_certificate(db: Database, folder: Path, username: str = "kepala",
                             passphrase: str = "rahasia-uji") -> tuple[Path, Path, bool]:
    """Demo/test only: make a test CA + signer .p12 in ``folder`` and set them up for ``username``.

    The CA becomes the trusted root, the .p12 the user's default certificate, and the
    passphrase goes to keyring when one is available. Returns (p12, CA PEM, remembered).
    """
    from services.signing.service import passphrase_key
    from services.signing.settings import SETTING_P12, SETTING_TRUST, set_setting
    from services.store.models import Employee, User

    with db.session() as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        emp = s.get(Employee, u.employee_id) if u is not None and u.employee_id else None
        name = emp.name if emp else (u.full_name if u else "Kepala OPD (UJI)")
        nip = emp.nip if emp else ""
    # demo certificates outlive the demo by far: validators check them at the real date, years later
    certs = make_test_certificates(db.clock, signer_name=name, signer_nip=nip, passphrase=passphrase,
                                   not_before=db.clock.utcnow() - dt.timedelta(days=1), valid_days=20 * 365)
    p12, ca = certs.write(folder)
    set_setting(db, SETTING_TRUST, str(ca.resolve()), "system")
    set_setting(db, SETTING_P12 + username, str(p12.resolve()), "system")
    try:
        secrets.set_secret("certificate", passphrase_key(p12), passphrase)
        remembered = True
    except secrets.SecretStoreUnavailable:
        remembered = False
    return p12, ca, remembered
