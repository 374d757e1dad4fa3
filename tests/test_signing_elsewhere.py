"""Sign elsewhere: export the frozen PDF, sign it with another application (poppler's pdfsig with NSS,
or a PAdES B-T signer like BeSign), re-import; tampered, foreign and other-document files are refused."""

from __future__ import annotations

import asyncio
import io
import subprocess

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from services.clock import FrozenClock
from services.demo.esign_emulator import DemoTsa
from services.demo.testca import make_test_certificates
from services.reports.monthly import generate_monthly_report
from services.signing.elsewhere import export_for_signing, import_signed
from services.signing.pades import SignerIdentity, SigningError, _sign, load_signer, sign_pdf_bytes
from services.signing.pdfsig import pdfsig_check
from services.store.models import Report
from tests.report_fixtures import lock_period, recap_rows, user

pytest_plugins = ["tests.signing_fixtures"]


def _nss_sign(src, dst, p12_path, passphrase, nick, tmp_path):
    """Sign with poppler's pdfsig (NSS): an implementation that is not pyHanko."""
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["pk12util", "-i", str(p12_path), "-d", f"sql:{nss}", "-W", passphrase], check=True,
                   capture_output=True)
    subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", "-add-signature", "-nick", nick, "-reason", "Disetujui",
                    str(src), str(dst)], check=True, capture_output=True)


@pytest.fixture
def exported(draft, tmp_path):
    out = export_for_signing(draft.db, draft.report_id, user(draft.db, "kepala"), tmp_path)
    assert out.read_bytes() == draft.pdf_path.read_bytes()
    return out


def test_signed_with_pdfsig_nss_and_reimported(draft, pki, clock, exported, tmp_path):
    certs = make_test_certificates(clock, signer_name="Kepala Luar Aplikasi", pki=pki.pki)
    p12, _ca = certs.write(tmp_path / "c")
    signed = tmp_path / "ditandatangani.pdf"
    _nss_sign(exported, signed, p12, certs.passphrase, "Kepala Luar Aplikasi", tmp_path)
    res = import_signed(draft.db, draft.report_id, user(draft.db, "kepala"), signed)
    assert "bukan PAdES" in res.message  # adbe.pkcs7.detached: valid, but no PAdES level
    with draft.db.session() as s:
        rep = s.get(Report, draft.report_id)
        assert rep.status == "signed" and rep.signing_backend == "elsewhere" and "Kepala Luar" in rep.signer_subject
    assert res.signed_path.read_bytes() == signed.read_bytes()  # stored as is


def test_signed_at_bt_elsewhere_keeps_its_level(draft, pki, clock, exported, tmp_path):
    certs = make_test_certificates(clock, signer_name="Kepala via BeSign", pki=pki.pki)
    data = sign_pdf_bytes(exported.read_bytes(), certs.p12, certs.passphrase, SignerIdentity("K", "1", "Kepala"),
                          (400, 60, 560, 130), clock=clock, timestamper=DemoTsa(pki.pki)).data
    signed = tmp_path / "besign.pdf"
    signed.write_bytes(data)
    res = import_signed(draft.db, draft.report_id, user(draft.db, "kepala"), signed)
    assert res.level == "B-T"
    ps = pdfsig_check(res.signed_path, [draft.ca_path])
    assert ps.signature_valid and ps.certificate_trusted


def test_tampered_other_document_and_foreign_signer_are_refused(draft, pki, clock, exported, tmp_path):
    db = draft.db
    kepala = user(db, "kepala")
    certs = make_test_certificates(clock, pki=pki.pki)
    frozen = exported.read_bytes()

    tampered = bytearray(frozen)
    at = tampered.index(b"stream") + 40
    tampered[at] ^= 0x01
    bad = tmp_path / "diubah_sebelum_ttd.pdf"
    bad.write_bytes(sign_pdf_bytes(bytes(tampered), certs.p12, certs.passphrase, SignerIdentity("K", "1", "K"),
                                   (400, 60, 560, 130), clock=clock).data)
    with pytest.raises(SigningError, match="bukan laporan Oktober 2026 revisi 1 yang dibekukan"):
        import_signed(db, draft.report_id, kepala, bad)

    lock_period(db, draft.opd_id, 2026, 9)
    september = generate_monthly_report(db, draft.opd_id, 2026, 9, user(db, "operator"), rows=recap_rows(db))
    other = tmp_path / "laporan_september.pdf"
    other.write_bytes(sign_pdf_bytes(september.pdf_path.read_bytes(), certs.p12, certs.passphrase,
                                     SignerIdentity("K", "1", "K"), (400, 60, 560, 130), clock=clock).data)
    with pytest.raises(SigningError, match="bukan laporan Oktober 2026 revisi 1 yang dibekukan"):
        import_signed(db, draft.report_id, kepala, other)

    stranger = make_test_certificates(FrozenClock("2026-11-25 08:00"), signer_name="Orang Lain")  # foreign CA
    foreign = tmp_path / "ca_asing.pdf"
    foreign.write_bytes(sign_pdf_bytes(frozen, stranger.p12, stranger.passphrase, SignerIdentity("X", "1", "X"),
                                       (400, 60, 560, 130), clock=clock).data)
    with pytest.raises(SigningError, match="tidak diterbitkan oleh CA yang dipercaya"):
        import_signed(db, draft.report_id, kepala, foreign)

    with pytest.raises(Exception, match="bukan PDF"):
        (tmp_path / "x.pdf").write_bytes(b"bukan pdf")
        import_signed(db, draft.report_id, kepala, tmp_path / "x.pdf")
    with db.session() as s:
        assert s.get(Report, draft.report_id).status == "draft"


def _stamp_and_sign(frozen: bytes, certs, clock) -> bytes:
    """A tool that writes onto the page AND signs, in one revision (the frozen bytes stay a prefix)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(frozen))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 50 50 Td (LUNAS) Tj ET")))
    fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name="Sig", on_page=0, box=(400, 60, 560, 130)))
    meta = signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    signer = load_signer(certs.p12, certs.passphrase)
    return asyncio.run(_sign(signers.PdfSigner(meta, signer=signer), writer, clock, {}))


def test_content_changed_in_the_signing_revision_or_after_it_is_refused(draft, pki, clock, exported, tmp_path):
    db = draft.db
    kepala = user(db, "kepala")
    certs = make_test_certificates(clock, pki=pki.pki)
    frozen = exported.read_bytes()
    same_rev = tmp_path / "stempel_di_halaman.pdf"
    same_rev.write_bytes(_stamp_and_sign(frozen, certs, clock))
    with pytest.raises(SigningError, match="mengubah bagian laporan yang dibekukan"):
        import_signed(db, draft.report_id, kepala, same_rev)

    signed = sign_pdf_bytes(frozen, certs.p12, certs.passphrase, SignerIdentity("K", "1", "K"), (400, 60, 560, 130),
                            clock=clock).data
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 50 50 Td (X) Tj ET")))
    out = io.BytesIO()
    writer.write(out)
    after = tmp_path / "diubah_sesudah_ttd.pdf"
    after.write_bytes(out.getvalue())
    with pytest.raises(SigningError, match="tidak mencakup seluruh berkas"):
        import_signed(db, draft.report_id, kepala, after)
