"""PAdES signing of the monthly report: pyHanko validator AND poppler's pdfsig, tamper detection, roles, keyring."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.auth.users import AuthError
from services.reports.monthly import generate_monthly_report, resolve_file
from services.signing.pades import SigningError, pdfsig_check, validate_pdf_bytes
from services.signing.service import PassphraseRequired, remembered_passphrase, sign_report
from services.signing.settings import SETTING_TRUST, set_setting
from services.store.models import AuditEvent, Period, Report
from tests.frozen import make_certs
from tests.report_fixtures import lock_period, pdf_text, recap_rows, tamper, user


@pytest.fixture(scope="module")
def certs():
    return make_certs(signer_name="Kepala Dinas Uji", signer_nip="197001012000031001")


@pytest.fixture
def draft(db, org, certs, tmp_path):
    lock_period(db, org.opd_id)
    set_setting(db, SETTING_TRUST, str(certs.write(tmp_path / "trust")[1]), "admin")
    return generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db))


def test_signed_report_validates_in_pyhanko_and_pdfsig_and_tampering_breaks_it(db, org, draft, certs, tmp_path):
    p12, ca = certs.write(tmp_path)
    kepala = user(db, "kepala")
    res = sign_report(db, draft.report_id, kepala, p12, certs.passphrase)
    data = res.signed_path.read_bytes()
    assert res.signed_path != draft.pdf_path and draft.pdf_path.read_bytes() == data[: len(draft.pdf_path.read_bytes())]

    check = validate_pdf_bytes(data, [ca])
    assert check.ok and check.intact and check.trusted and check.whole_file, check.problems
    assert "Kepala Dinas Uji" in check.signer_subject
    independent = pdfsig_check(res.signed_path, [ca])
    assert independent.available, independent.output
    assert independent.signature_valid and independent.certificate_trusted, independent.output
    assert "Total document signed" in independent.output

    # Visible stamp carries name, NIP and jabatan of the signer's employee record.
    text = pdf_text(res.signed_path)
    assert "Ditandatangani secara elektronik oleh" in text
    with db.session() as s:
        from services.store.models import Employee

        emp = s.get(Employee, kepala.employee_id)
        assert emp.nip in text.replace(" ", "") and emp.name in text

        rep = s.get(Report, draft.report_id)
        assert rep.status == "signed" and rep.signed_sha256 == res.signed_sha256 and rep.signed_by == "kepala"
        assert "BEGIN CERTIFICATE" in rep.signer_cert_pem and resolve_file(db, rep.signed_pdf_path) == res.signed_path
        assert s.get(Period, rep.period_id).status == "signed"
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "report.sign")).scalar_one()

    # One changed byte inside the signed range (the recap text) invalidates the signature everywhere.
    bad = tamper(data)
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(bad))
    assert not validate_pdf_bytes(bytes(bad), [ca]).ok
    assert not pdfsig_check(tampered, [ca]).signature_valid
    # An appended change after signing is not covered by the signature either.
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(data + b"\n% tambahan\n")
    assert not validate_pdf_bytes(appended.read_bytes(), [ca]).whole_file


def test_untrusted_ca_is_reported_by_both_validators(db, org, draft, certs, tmp_path):
    p12, _ca = certs.write(tmp_path)
    other_ca = make_certs().ca_cert_pem
    res = sign_report(db, draft.report_id, user(db, "kepala"), p12, certs.passphrase)
    check = validate_pdf_bytes(res.signed_path.read_bytes(), [other_ca])
    assert check.intact and not check.trusted and not check.ok
    ps = pdfsig_check(res.signed_path, [other_ca])
    assert ps.signature_valid and not ps.certificate_trusted


def test_only_signer_role_may_sign_and_wrong_passphrase_changes_nothing(db, org, draft, certs, tmp_path):
    p12, _ca = certs.write(tmp_path)
    with pytest.raises(AuthError):
        sign_report(db, draft.report_id, user(db, "operator"), p12, certs.passphrase)
    with pytest.raises(SigningError, match="kata sandi salah"):
        sign_report(db, draft.report_id, user(db, "kepala"), p12, "salah")
    with db.session() as s:
        rep = s.get(Report, draft.report_id)
        assert rep.status == "draft" and rep.signed_pdf_path is None
    assert not list(draft.pdf_path.parent.glob("*_ttd.pdf*"))


def test_modified_draft_file_is_not_signed(db, org, draft, certs, tmp_path):
    p12, _ca = certs.write(tmp_path)
    draft.pdf_path.write_bytes(draft.pdf_path.read_bytes() + b"%x\n")
    with pytest.raises(SigningError, match="berubah"):
        sign_report(db, draft.report_id, user(db, "kepala"), p12, certs.passphrase)


def test_passphrase_from_keyring_when_remembered(db, org, draft, certs, tmp_path):
    p12, ca = certs.write(tmp_path)
    kepala = user(db, "kepala")
    with pytest.raises(PassphraseRequired):
        sign_report(db, draft.report_id, kepala, p12)
    res = sign_report(db, draft.report_id, kepala, p12, certs.passphrase, remember=True)
    assert res.remembered and remembered_passphrase(p12) == certs.passphrase
    rev2 = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db, seed=3),
                                   reason="Koreksi")
    res2 = sign_report(db, rev2.report_id, kepala, p12)  # no passphrase: keyring
    assert validate_pdf_bytes(res2.signed_path.read_bytes(), [ca]).ok
    with pytest.raises(SigningError, match="sudah berstatus"):
        sign_report(db, rev2.report_id, kepala, p12)
