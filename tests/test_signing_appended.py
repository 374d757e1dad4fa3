"""`verify` after a real incremental update appended to a signed report: anything but validation data
(DSS) or a document timestamp after the signature is pdfsig's "not total document signed" failure line,
also when the update only touches metadata (Info dictionary, XMP) that pyHanko's diff policy tolerates."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from services.central.verify import verify_file
from services.demo.testca import make_test_certificates
from services.signing.service import sign_report
from tests.report_fixtures import user
from tests.signing_support import configure

pytest_plugins = ["tests.signing_fixtures"]


def _signed(draft, pki, clock, tmp_path):
    configure(draft.db, tsa_url=pki.tsa_url, target_level="B-T")
    certs = make_test_certificates(clock, pki=pki.pki)
    p12, _ca = certs.write(tmp_path / "cert")
    res = sign_report(draft.db, draft.report_id, user(draft.db, "kepala"), p12, certs.passphrase)
    assert res.level == "B-T"
    return res.signed_path.read_bytes()


def _info_update(data: bytes) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    ref = w.trailer.raw_get("/Info")
    info = ref.get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("Rekap DIUBAH")
    w.mark_update(ref)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _xmp_update(data: bytes) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    xmp = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
           b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
           b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">DIUBAH'
           b'</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
    stream = generic.StreamObject({generic.NameObject("/Type"): generic.NameObject("/Metadata"),
                                   generic.NameObject("/Subtype"): generic.NameObject("/XML")}, stream_data=xmp)
    w.root[generic.NameObject("/Metadata")] = w.add_object(stream)
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _page_update(data: bytes) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    w.add_stream_to_page(0, w.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (X) Tj ET")))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _orphan_update(data: bytes) -> bytes:
    """An update that adds one unreferenced object: harmless-looking, still not validation data."""
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    w.add_object(generic.DictionaryObject({generic.NameObject("/Catatan"): generic.TextStringObject("tambahan")}))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("change", "named"), [
    (_info_update, "informasi dokumen (/Info) diubah: /Title"),
    (_xmp_update, "katalog dokumen"),
    (_page_update, ""),  # pyHanko itself already rates this a content change
    (_orphan_update, "bukan data validasi (DSS) maupun stempel waktu dokumen"),
])
def test_an_appended_update_is_a_failure_line_of_its_own(draft, pki, clock, tmp_path, change, named):
    changed = tmp_path / "diubah.pdf"
    changed.write_bytes(change(_signed(draft, pki, clock, tmp_path)))
    verdict = verify_file(changed, [draft.ca_path])
    failed = [t for ok, t in verdict.checks if not ok]
    assert not verdict.ok, verdict.text()
    assert any(t.startswith("pdfsig (poppler): tanda tangan #1 tidak mencakup seluruh dokumen "
                            "(Not total document signed)") for t in failed), verdict.text()
    assert "Hasil: TIDAK SAH" in verdict.text(), verdict.text()
    assert any(t.startswith("Ada bagian berkas di luar tanda tangan") and named in t for t in failed), failed


def test_the_untouched_signed_report_verifies(draft, pki, clock, tmp_path):
    path = tmp_path / "asli.pdf"
    path.write_bytes(_signed(draft, pki, clock, tmp_path))
    verdict = verify_file(path, [draft.ca_path])
    assert verdict.ok, verdict.text()
