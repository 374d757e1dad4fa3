"""Certificate checks before signing (at the office clock's time) and the PAdES levels with a local .p12:
B-B without a TSA, B-T, B-LTA with an archive timestamp; verify's pdfsig lines."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from services.central.verify import verify_file
from services.demo.pki import DemoPki
from services.demo.testca import make_test_certificates
from services.signing.certs import CertificateRefused
from services.signing.pdfsig import pdfsig_check
from services.signing.service import sign_report
from services.store.models import Report
from tests.report_fixtures import user
from tests.signing_support import FROZEN, configure

pytest_plugins = ["tests.signing_fixtures"]

FROZEN_UTC = dt.datetime.fromisoformat(FROZEN).replace(tzinfo=dt.timezone(dt.timedelta(hours=7))).astimezone(dt.UTC)


def _p12(tmp_path, clock, pki_server=None, **kw):
    kw.setdefault("pki", pki_server.pki if pki_server else None)
    certs = make_test_certificates(clock, **kw)
    return certs.write(tmp_path / "cert")[0], certs.passphrase


def test_certificate_is_checked_at_the_office_clock_time(draft, pki, clock, tmp_path):
    db = draft.db
    kepala = user(db, "kepala")
    expired, pw = _p12(tmp_path / "a", clock, pki, not_before=FROZEN_UTC - dt.timedelta(days=400),
                       not_after=FROZEN_UTC - dt.timedelta(days=1))
    with pytest.raises(CertificateRefused, match="sudah kedaluwarsa pada 24-11-2026"):
        sign_report(db, draft.report_id, kepala, expired, pw)
    future, pw = _p12(tmp_path / "b", clock, pki, not_before=FROZEN_UTC + dt.timedelta(days=10))
    with pytest.raises(CertificateRefused, match="belum berlaku: berlaku mulai 05-12-2026"):
        sign_report(db, draft.report_id, kepala, future, pw)
    foreign, pw = _p12(tmp_path / "c", clock)  # its own CA, not the configured root
    with pytest.raises(CertificateRefused, match="tidak berantai ke akar tepercaya.*CA Demo Presensi OPD"):
        sign_report(db, draft.report_id, kepala, foreign, pw)
    configure(db, trust_roots=())
    good, pw = _p12(tmp_path / "d", clock, pki)
    with pytest.raises(CertificateRefused, match="Belum ada sertifikat akar tepercaya"):
        sign_report(db, draft.report_id, kepala, good, pw)
    with db.session() as s:
        assert s.get(Report, draft.report_id).status == "draft"


def test_a_certificate_valid_at_the_frozen_time_signs_even_if_it_expired_on_the_wall_clock(draft, clock, tmp_path):
    """The checks use db.clock: a certificate that ends one day after the frozen time still signs."""
    db = draft.db
    pki = DemoPki(clock, name="CA Singkat")
    ca = tmp_path / "singkat.pem"
    ca.write_bytes(pki.root_pem)
    configure(db, trust_roots=(str(ca),), tsa_url="", target_level="B-B")
    p12, pw = _p12(tmp_path, clock, None, pki=pki, not_before=FROZEN_UTC - dt.timedelta(days=1),
                   not_after=FROZEN_UTC + dt.timedelta(hours=2))
    res = sign_report(db, draft.report_id, user(db, "kepala"), p12, pw)
    assert res.level == "B-B"


def test_local_p12_levels_bb_bt_and_blta(draft, pki, clock, tmp_path):
    db = draft.db
    p12, pw = _p12(tmp_path, clock, pki, signer_name="Kepala Dinas Uji")
    configure(db, tsa_url=pki.tsa_url, target_level="B-LTA")
    res = sign_report(db, draft.report_id, user(db, "kepala"), p12, pw)
    assert res.level == "B-LTA", res.notes
    verdict = verify_file(res.signed_path, [draft.ca_path])
    assert verdict.ok and verdict.level == "B-LTA", verdict.text()
    ps = pdfsig_check(res.signed_path, [draft.ca_path])
    assert ps.signature_valid and ps.certificate_trusted, ps.output
    assert len(ps.approvals) == 1 and len(ps.signatures) == 2  # + the archive timestamp
    # pdfsig says "not total document signed" (DSS and archive timestamp follow); verify explains it on its own line
    assert not ps.approvals[0].total_document_signed
    line = next(t for ok, t in verdict.checks if "Not total document signed" in t)
    assert "hanya data validasi" in line and "[OK] " + line in verdict.text()
    assert any("sepakat" in t for ok, t in verdict.checks if ok)


def test_without_tsa_the_signature_is_bb(draft, pki, clock, tmp_path):
    db = draft.db
    configure(db, tsa_url="", target_level="B-LT")
    p12, pw = _p12(tmp_path, clock, pki)
    res = sign_report(db, draft.report_id, user(db, "kepala"), p12, pw)
    assert res.level == "B-B" and any("target B-LT" in n for n in res.notes)
    verdict = verify_file(res.signed_path, [draft.ca_path])
    assert verdict.ok and verdict.level == "B-B" and "Tingkat PAdES: B-B" in verdict.text()


def test_a_change_after_signing_is_a_pdfsig_failure_line_of_its_own(draft, pki, clock, tmp_path):
    db = draft.db
    configure(db, tsa_url=pki.tsa_url, target_level="B-T")
    p12, pw = _p12(tmp_path, clock, pki)
    res = sign_report(db, draft.report_id, user(db, "kepala"), p12, pw)
    assert res.level == "B-T"
    writer = IncrementalPdfFileWriter(io.BytesIO(res.signed_path.read_bytes()))
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (DIUBAH) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream))
    changed = tmp_path / "diubah.pdf"
    out = io.BytesIO()
    writer.write(out)
    changed.write_bytes(out.getvalue())
    verdict = verify_file(changed, [draft.ca_path])
    assert not verdict.ok
    failed = [t for ok, t in verdict.checks if not ok]
    assert any(t.startswith("pdfsig (poppler): tanda tangan #1 tidak mencakup seluruh dokumen") for t in failed)
    assert "Tingkat PAdES: tidak tercapai" in verdict.text()


def test_blt_document_still_verifies_when_the_ocsp_server_is_gone(draft, clock, tmp_path):
    """pdfsig checks OCSP online; with the responder down the DSS of a B-LT document is what proves it."""
    from services.demo.pki_server import PkiServer

    db = draft.db
    own = PkiServer.start(clock)
    try:
        ca = tmp_path / "own-ca.pem"
        ca.write_bytes(own.pki.root_pem)
        configure(db, trust_roots=(str(ca),), tsa_url=own.tsa_url, target_level="B-LT")
        p12, pw = _p12(tmp_path, clock, own)
        res = sign_report(db, draft.report_id, user(db, "kepala"), p12, pw)
        assert res.level == "B-LT"
    finally:
        own.stop()
    verdict = verify_file(res.signed_path, [ca])
    assert verdict.ok and verdict.level == "B-LT", verdict.text()
    assert any("server OCSP tidak terjangkau" in t and "DSS" in t for ok, t in verdict.checks if ok)
