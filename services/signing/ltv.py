"""PAdES B-LT and B-LTA: embed validation data in the DSS, then an archive (document) timestamp.

Works on any signed PDF, whoever made the signature (local PKCS#12, the esign
server): the signer chain and the timestamp authority's chain come from the CMS,
their CRLs and OCSP responses are fetched from the URLs in the certificates
(CRL distribution points, AIA OCSP), and pyHanko writes them, after validating
the chain with exactly that data, to the Document Security Store in one
incremental update. Nothing in the signed revision changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as c_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as c_ocsp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext

from services.signing.certs import TrustSource, load_certs

log = logging.getLogger(__name__)
MAX_REVINFO = 4 << 20


@dataclass
class RevocationData:
    crls: list[bytes] = field(default_factory=list)
    ocsps: list[bytes] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _get(url: str, timeout: float, body: bytes | None = None, ctype: str = "") -> bytes:
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if ctype:
        req.add_header("Content-Type", ctype)
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - URLs come from CA certificates
        data: bytes = resp.read(MAX_REVINFO + 1)
    if len(data) > MAX_REVINFO:
        raise ValueError("jawaban terlalu besar")
    return data


def signature_certificates(signed_data: asn1_cms.SignedData) -> list[asn1_x509.Certificate]:
    """Certificates in a CMS SignedData and in its signature timestamp token (the TSA chain)."""
    out = [c.chosen for c in signed_data["certificates"] or () if c.name == "certificate"]
    for signer_info in signed_data["signer_infos"]:
        for attr in signer_info["unsigned_attrs"] or ():
            if attr["type"].native == "signature_time_stamp_token":
                for token in attr["values"]:
                    out.extend(c.chosen for c in token["content"]["certificates"] or () if c.name == "certificate")
    seen: set[bytes] = set()
    unique = []
    for cert in out:
        if cert.sha256 not in seen:
            seen.add(cert.sha256)
            unique.append(cert)
    return unique


def fetch_revocation(certs: Sequence[asn1_x509.Certificate], timeout: float = 15.0) -> RevocationData:
    """CRLs and OCSP responses for every non-self-signed certificate, from the URLs the certificates name."""
    data = RevocationData()
    by_subject = {c.subject.dump(): c for c in certs}
    crl_urls: list[str] = []
    for cert in certs:
        if cert.self_signed != "no":
            continue
        issuer = by_subject.get(cert.issuer.dump())
        for url in cert.ocsp_urls:
            if issuer is None:
                data.problems.append(f"Penerbit {cert.issuer.human_friendly} tidak ada di rantai; OCSP dilewati.")
                break
            c_cert = c_x509.load_der_x509_certificate(cert.dump())
            c_issuer = c_x509.load_der_x509_certificate(issuer.dump())
            req = c_ocsp.OCSPRequestBuilder().add_certificate(c_cert, c_issuer, hashes.SHA1()).build()
            try:
                raw = _get(url, timeout, req.public_bytes(serialization.Encoding.DER), "application/ocsp-request")
                if c_ocsp.load_der_ocsp_response(raw).response_status == c_ocsp.OCSPResponseStatus.SUCCESSFUL:
                    data.ocsps.append(raw)
                    break
                data.problems.append(f"Server OCSP {url} tidak memberi status untuk {cert.subject.human_friendly}.")
            except (urllib.error.URLError, OSError, ValueError) as exc:
                data.problems.append(f"Server OCSP {url} tidak dapat dihubungi: {getattr(exc, 'reason', exc)}")
        for dp in cert.crl_distribution_points:
            for url in dp.url and [dp.url] or []:
                if url not in crl_urls:
                    crl_urls.append(url)
    for url in crl_urls:
        try:
            data.crls.append(_get(url, timeout))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            data.problems.append(f"Daftar pencabutan (CRL) {url} tidak dapat diunduh: {getattr(exc, 'reason', exc)}")
    return data


@dataclass
class LtvResult:
    data: bytes
    added: bool
    problems: list[str]


def add_ltv(pdf: bytes, trust_roots: Sequence[TrustSource], moment: dt.datetime, *,
            timeout: float = 15.0) -> LtvResult:
    """Append a DSS revision with the certificates, CRLs and OCSP responses of the last signature (B-T → B-LT)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    sig = reader.embedded_signatures[-1]
    certs = signature_certificates(sig.signed_data)
    rev = fetch_revocation(certs, timeout)
    if not rev.crls and not rev.ocsps:
        return LtvResult(pdf, False, rev.problems or ["Sertifikat tidak mencantumkan alamat CRL/OCSP."])
    vc = ValidationContext(trust_roots=load_certs(trust_roots), other_certs=certs, crls=rev.crls, ocsps=rev.ocsps,
                           moment=moment, allow_fetching=False, revocation_mode="hard-fail")
    try:
        out = add_validation_info(sig, vc, in_place=False)
    except Exception as exc:  # noqa: BLE001 - any validation failure leaves the document at B-T, reported
        log.info("DSS tidak ditambahkan: %s", exc)
        return LtvResult(pdf, False, [*rev.problems, f"Data validasi tidak lengkap untuk B-LT: {exc}"])
    return LtvResult(out.getvalue(), True, rev.problems)


def add_archive_timestamp(pdf: bytes, timestamper: TimeStamper, trust_roots: Sequence[TrustSource],
                          moment: dt.datetime, *, timeout: float = 15.0) -> LtvResult:
    """B-LT → B-LTA: a document timestamp over the whole file, with the TSA's own validation data in the DSS."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    tsa_certs: list[asn1_x509.Certificate] = []
    for sig in reader.embedded_signatures:
        tsa_certs.extend(signature_certificates(sig.signed_data))
    rev = fetch_revocation(tsa_certs, timeout)
    vc = ValidationContext(trust_roots=load_certs(trust_roots), other_certs=tsa_certs, crls=rev.crls,
                           ocsps=rev.ocsps, moment=moment, allow_fetching=False, revocation_mode="soft-fail")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = asyncio.run(PdfTimeStamper(timestamper, field_name="StempelWaktuArsip").async_timestamp_pdf(
        writer, "sha256", validation_context=vc))
    return LtvResult(out.getvalue(), True, rev.problems)
