"""The BSrE esign backend against the local emulator over real HTTP: levels in pyHanko and pdfsig,
v1 and v2, refusals with Indonesian messages, timeouts that leave the outcome unknown."""

from __future__ import annotations

import io
import logging
import subprocess
import time

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore
from sqlalchemy import select

from services.central.verify import verify_file
from services.demo.esign_emulator import totp_code
from services.signing.backends import Credential
from services.signing.elsewhere import import_signed
from services.signing.esign_client import (
    EsignAuthError,
    EsignClient,
    EsignConfig,
    EsignNoCertificate,
    EsignNotRegistered,
    EsignOutcomeUnknown,
    EsignServerDown,
    EsignWrongPassphrase,
    Secret,
)
from services.signing.pdfsig import pdfsig_check
from services.signing.service import (
    SigningOutcomeUnknown,
    pending_attempt,
    resolve_unknown_attempt,
    sign_report_with,
)
from services.store.models import AuditEvent, Report, Setting, SigningAttempt
from tests.report_fixtures import user
from tests.signing_support import API_PASSWORD, NO_CERT_NIK, PASSPHRASE, TOTP_SECRET, configure, esign_backend

pytest_plugins = ["tests.signing_fixtures"]

GOOD = Credential(passphrase=Secret(PASSPHRASE))


def _report(db, report_id):
    with db.session() as s:
        return s.get(Report, report_id)


def _openssl_has_timestamp_token(pdf_path, tmp_path) -> bool:
    """Independent of pyHanko: pdfsig dumps the CMS blob, openssl lists its unsigned attributes."""
    for old in tmp_path.glob("*.sig0"):
        old.unlink()
    subprocess.run(["pdfsig", "-nocert", "-dump", str(pdf_path)], cwd=tmp_path, check=True, capture_output=True)
    dumped = sorted(tmp_path.glob("*.sig0"))
    assert dumped, "pdfsig -dump wrote no signature"
    out = subprocess.run(["openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", str(dumped[0])],
                         check=True, capture_output=True, text=True).stdout
    return "id-smime-aa-timeStampToken" in out


def test_v2_report_signed_at_server_reaches_blt_in_pyhanko_and_pdfsig(draft, esign, pki, tmp_path):
    db = draft.db
    res = sign_report_with(db, draft.report_id, user(db, "kepala"), esign_backend(esign.url, "v2"), GOOD)
    assert res.level == "B-LT", res.notes
    rep = _report(db, draft.report_id)
    assert rep.status == "signed" and rep.signature_level == "B-LT" and rep.signing_backend == "esign"
    assert rep.signed_at.isoformat() == "2026-11-25T08:00:00"  # the office clock, not the wall clock
    data = res.signed_path.read_bytes()
    assert data.startswith(draft.pdf_path.read_bytes())

    # B-LT: the DSS carries certificates, CRL and OCSP responses
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(data)))
    assert dss.crls and dss.ocsps and dss.certs

    verdict = verify_file(res.signed_path, [draft.ca_path], expected_sha256=rep.signed_sha256)
    assert verdict.ok and verdict.level == "B-LT", verdict.text()
    assert "Tingkat PAdES: B-LT" in verdict.text()
    ps = pdfsig_check(res.signed_path, [draft.ca_path])
    assert ps.signature_valid and ps.certificate_trusted, ps.output
    assert "ETSI.CAdES.detached" in ps.output  # PAdES, as BSrE signs
    assert _openssl_has_timestamp_token(res.signed_path, tmp_path)
    # the signature revision itself is timestamped by the emulator's "BSSN" TSA
    assert "Timestamp Authority Demo" in verdict.text()


def test_v1_multipart_signature_at_target_bt(draft, esign, pki, tmp_path):
    db = draft.db
    configure(db, target_level="B-T")
    res = sign_report_with(db, draft.report_id, user(db, "kepala"), esign_backend(esign.url, "v1"), GOOD)
    assert res.level == "B-T"
    verdict = verify_file(res.signed_path, [draft.ca_path])
    assert verdict.ok and verdict.level == "B-T", verdict.text()
    ps = pdfsig_check(res.signed_path, [draft.ca_path])
    assert ps.signature_valid and ps.certificate_trusted and ps.approvals[0].total_document_signed, ps.output
    assert _openssl_has_timestamp_token(res.signed_path, tmp_path)
    # the server's own verify endpoint agrees, in both API versions
    for api in ("v1", "v2"):
        answer = EsignClient(EsignConfig(esign.url, "esign", API_PASSWORD, api)).verify_pdf(res.signed_path.read_bytes())
        assert answer["conclusion"] == "VALID" and answer["signatureCount"] == 1


def test_totp_by_email_on_v2(draft, esign, clock):
    db = draft.db
    code = totp_code(TOTP_SECRET, clock.utcnow().timestamp())
    res = sign_report_with(db, draft.report_id, user(db, "kepala"),
                           esign_backend(esign.url, nik="", email="kepala@uji.go.id"), Credential(totp=Secret(code)))
    assert res.level in ("B-LT", "B-LTA")


def test_wrong_passphrase_is_refused_and_changes_nothing(draft, esign):
    db = draft.db
    kepala = user(db, "kepala")
    with pytest.raises(EsignWrongPassphrase, match="Passphrase sertifikat elektronik untuk NIK .* salah"):
        sign_report_with(db, draft.report_id, kepala, esign_backend(esign.url), Credential(passphrase=Secret("x")))
    assert _report(db, draft.report_id).status == "draft"
    assert pending_attempt(db, draft.report_id) is None  # a refusal is certain: signing again is allowed
    with db.session() as s:
        assert s.execute(select(SigningAttempt.outcome)).scalars().all() == ["failed"]
    assert sign_report_with(db, draft.report_id, kepala, esign_backend(esign.url, "v1"), GOOD).level == "B-LT"


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_not_registered_and_no_certificate_are_refused_before_sending_the_document(draft, esign, api):
    db = draft.db
    emu = esign.emulator
    before = emu.sign_requests
    with pytest.raises(EsignNotRegistered, match="belum terdaftar sebagai pengguna BSrE"):
        sign_report_with(db, draft.report_id, user(db, "kepala"), esign_backend(esign.url, api, nik="3201019999999999"),
                         GOOD)
    with pytest.raises(Exception, match="belum memiliki sertifikat elektronik aktif"):
        sign_report_with(db, draft.report_id, user(db, "kepala"), esign_backend(esign.url, api, nik=NO_CERT_NIK), GOOD)
    assert emu.sign_requests == before  # only the status check was asked
    # the server gives the same answers to a direct sign call
    client = EsignClient(EsignConfig(esign.url, "esign", API_PASSWORD, api))
    with pytest.raises(EsignNoCertificate):
        client.sign_pdf(draft.pdf_path.read_bytes(), nik=NO_CERT_NIK, passphrase=Secret("apa-saja"))
    with pytest.raises(EsignNotRegistered):
        client.sign_pdf(draft.pdf_path.read_bytes(), nik="3201019999999999", passphrase=Secret("a"))


def test_wrong_basic_login_and_server_down_have_their_own_messages(draft, esign):
    db = draft.db
    with pytest.raises(EsignAuthError, match="menolak login klien esign"):
        sign_report_with(db, draft.report_id, user(db, "kepala"),
                         esign_backend(esign.url, password="salah"), GOOD)
    with pytest.raises(EsignServerDown, match="tidak dapat dihubungi.*Tidak ada dokumen yang dikirim"):
        sign_report_with(db, draft.report_id, user(db, "kepala"), esign_backend("http://127.0.0.1:9"), GOOD)
    assert _report(db, draft.report_id).status == "draft" and pending_attempt(db, draft.report_id) is None


def test_timeout_leaves_status_unknown_and_is_never_retried_blindly(draft, esign, tmp_path):
    db = draft.db
    kepala = user(db, "kepala")
    emu = esign.emulator
    emu.delay = 2.5
    try:
        before_requests, before_signed = emu.sign_requests, len(emu.signed_documents)
        with pytest.raises(EsignOutcomeUnknown, match="TIDAK DIKETAHUI"):
            sign_report_with(db, draft.report_id, kepala, esign_backend(esign.url, "v1", timeout=1.0), GOOD)
        deadline = time.monotonic() + 10
        while len(emu.signed_documents) == before_signed and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        emu.delay = 0
    assert len(emu.signed_documents) == before_signed + 1  # the server did sign
    pending = pending_attempt(db, draft.report_id)
    assert pending is not None and pending.outcome == "unknown" and "TIDAK DIKETAHUI" in pending.message
    assert _report(db, draft.report_id).status == "draft"

    # no blind retry: the next sign call is refused before anything is sent
    with pytest.raises(SigningOutcomeUnknown, match="Periksa dulu"):
        sign_report_with(db, draft.report_id, kepala, esign_backend(esign.url, "v1"), GOOD)
    assert emu.sign_requests == before_requests + 1

    # the signer fetches the document the server signed (v1 download) and imports it: resolved
    doc_id = next(reversed(emu.documents))
    client = EsignClient(EsignConfig(esign.url, "esign", API_PASSWORD, "v1"))
    status, _ctype, _h, pdf = client._call("GET", f"/api/sign/download/{doc_id}", None, "", 10, False)
    assert status == 200
    signed = tmp_path / "dari_server.pdf"
    signed.write_bytes(pdf)
    res = import_signed(db, draft.report_id, kepala, signed)
    assert res.level == "B-T" and pending_attempt(db, draft.report_id) is None
    with db.session() as s:
        outcomes = s.execute(select(SigningAttempt.outcome)).scalars().all()
    assert outcomes == ["resolved"]


def test_unknown_state_resolved_by_the_signer_allows_signing_again(draft, esign):
    db = draft.db
    kepala = user(db, "kepala")
    emu = esign.emulator
    emu.delay = 2.0
    try:
        with pytest.raises(EsignOutcomeUnknown):
            sign_report_with(db, draft.report_id, kepala, esign_backend(esign.url, "v2", timeout=0.8), GOOD)
    finally:
        time.sleep(2.2)
        emu.delay = 0
    with pytest.raises(Exception, match="minimal 10 karakter"):
        resolve_unknown_attempt(db, draft.report_id, kepala, "ok")
    with pytest.raises(Exception, match="penanda tangan"):
        resolve_unknown_attempt(db, draft.report_id, user(db, "operator"), "dicek di server, belum ada")
    resolve_unknown_attempt(db, draft.report_id, kepala, "Dicek bersama admin TTE: dokumen tidak dipakai.")
    assert sign_report_with(db, draft.report_id, kepala, esign_backend(esign.url), GOOD).level == "B-LT"


def test_passphrase_is_never_logged_stored_or_audited(draft, esign, caplog, tmp_path):
    db = draft.db
    kepala = user(db, "kepala")
    caplog.set_level(logging.DEBUG)
    wrong = "Salah#Passphrase-777"
    with pytest.raises(EsignWrongPassphrase) as refused:
        sign_report_with(db, draft.report_id, kepala, esign_backend(esign.url, "v1"), Credential(passphrase=Secret(wrong)))
    res = sign_report_with(db, draft.report_id, kepala, esign_backend(esign.url, "v2"), GOOD)
    assert res.level == "B-LT"
    assert "***" in repr(GOOD) and PASSPHRASE not in repr(GOOD) and PASSPHRASE not in str(GOOD.passphrase)
    for secret in (PASSPHRASE, wrong):
        assert secret not in caplog.text
        assert secret not in str(refused.value)
        with db.session() as s:
            blob = " ".join([*(e.detail for e in s.execute(select(AuditEvent)).scalars()),
                             *(r.value for r in s.execute(select(Setting)).scalars()),
                             *(a.message for a in s.execute(select(SigningAttempt)).scalars())])
        assert secret not in blob
        db.dispose()
        raw = (tmp_path / "presensi.sqlite").read_bytes()
        for suffix in ("-wal", "-shm"):
            extra = tmp_path / f"presensi.sqlite{suffix}"
            raw += extra.read_bytes() if extra.exists() else b""
        assert secret.encode() not in raw
        assert secret.encode() not in res.signed_path.read_bytes()
