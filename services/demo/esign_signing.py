"""What the emulated esign server does with a document: sign it (PAdES B-T) and verify it."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from typing import Any

from pyhanko.pdf_utils import text as pdf_text
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from services.clock import Clock
from services.demo.pki import DemoPki, IssuedCert
from services.signing.pades import _sign
from services.signing.validation import validate_pdf_bytes

DEFAULT_REASON = "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik (DEMO)"


def _stamp(props: dict[str, Any], signer_name: str) -> TextStampStyle:
    image = props.get("image")
    if image:
        from PIL import Image
        from pyhanko.pdf_utils.images import PdfImage

        return TextStampStyle(stamp_text="", background=PdfImage(Image.open(io.BytesIO(image))),
                              background_opacity=1, border_width=0)
    return TextStampStyle(stamp_text=f"Ditandatangani secara elektronik oleh\n{signer_name}\n%(ts)s",
                          text_box_style=pdf_text.TextBoxStyle(font_size=7, leading=9), border_width=1)


def sign_as_server(pdf: bytes, cert: IssuedCert, props: dict[str, Any], clock: Clock, tsa: TimeStamper) -> bytes:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signer = signers.SimpleSigner(
        signing_cert=cert.asn1_cert(), signing_key=cert.asn1_key(),
        cert_registry=SimpleCertificateStore.from_certs([cert.asn1_cert(), *[
            IssuedCert(cert.key, c, []).asn1_cert() for c in cert.chain]]),
    )
    field_name = f"sig_{int(clock.utcnow().timestamp() * 1000)}"
    existing = {s.field_name for s in reader.embedded_signatures}
    while field_name in existing:
        field_name += "_"
    box: tuple[int, int, int, int] | None = None
    page_index = 0
    if props.get("tampilan") == "VISIBLE":
        pages = int(reader.root["/Pages"]["/Count"])
        page_index = min(max(int(props.get("page", 1)), 1), pages) - 1
        media = reader.root["/Pages"]["/Kids"][page_index]["/MediaBox"]
        height = float(media[3]) - float(media[1])
        x, y, w, h = (float(props[k]) for k in ("x", "y", "width", "height"))
        lly = height - y - h if props.get("origin") == "top-left" else y
        box = (round(x), round(lly), round(x + w), round(lly + h))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name=field_name, on_page=page_index, box=box))
    name = cert.cert.subject.rfc4514_string().split("CN=", 1)[-1].split(",", 1)[0]
    meta = signers.PdfSignatureMetadata(field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=props.get("reason") or DEFAULT_REASON,
                                        location=props.get("location") or None, name=name)
    pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=_stamp(props, name), timestamper=tsa)
    return asyncio.run(_sign(pdf_signer, writer, clock, {"ts": f"{clock.aware_now():%d-%m-%Y %H:%M:%S %z}"}))


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "+00:00") if when else None


def verify_as_server(pdf: bytes, pki: DemoPki, clock: Clock) -> dict[str, Any]:
    """The v2 verify answer: {documentName?, signatureCount, conclusion, description, signatureInformations}."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    sigs = [s for s in reader.embedded_signatures if s.sig_object_type == "/Sig"]
    if not sigs:
        return {"signatureCount": 0, "conclusion": "NO_SIGNATURE", "description": "Dokumen tidak memiliki tanda "
                "tangan elektronik", "signatureInformations": []}
    vc = ValidationContext(trust_roots=[IssuedCert(pki.root.key, pki.root.cert, []).asn1_cert()],
                           moment=clock.utcnow(), allow_fetching=False, revocation_mode="soft-fail")
    infos = []
    level = validate_pdf_bytes(pdf, [pki.root_pem], moment=clock.utcnow()).level if len(sigs) == 1 else ""
    for i, sig in enumerate(sigs):
        st = validate_pdf_signature(sig, vc)
        cert = st.signing_cert
        ts = st.timestamp_validity
        infos.append({
            "id": "S-" + hashlib.sha256(sig.pkcs7_content).hexdigest().upper(),
            "signatureFormat": f"PAdES-BASELINE-{(level or ('B-T' if ts else 'B-B')).split('-', 1)[1]}",
            "signerName": cert.subject.native.get("common_name", "") if cert else "",
            "signatureDate": _iso(st.signer_reported_dt), "fieldName": sig.field_name,
            "reason": sig.sig_object.get("/Reason"), "location": sig.sig_object.get("/Location"),
            "certLevelCode": 0, "signatureAlgorithm": None, "digestAlgorithm": None,
            "timestampInfomation": ({"id": "T-" + hashlib.sha256(ts.signing_cert.dump()).hexdigest().upper(),
                                     "signerName": ts.signing_cert.subject.native.get("common_name", ""),
                                     "timestampDate": _iso(ts.timestamp)} if ts and ts.signing_cert else None),
            "certificateDetails": ([{"commonName": cert.subject.native.get("common_name", ""),
                                     "issuerName": cert.issuer.human_friendly,
                                     "serialNumber": str(cert.serial_number),
                                     "notAfterDate": _iso(cert.not_valid_after)}] if cert else []),
            "integrityValid": bool(st.intact and st.valid), "certificateTrusted": bool(st.trusted),
            "lastSignature": i == len(sigs) - 1, "ltv": level in ("B-LT", "B-LTA"), "modified": not st.docmdp_ok,
        })
    valid = all(s["integrityValid"] and s["certificateTrusted"] and not s["modified"] for s in infos)
    return {"signatureCount": len(infos), "conclusion": "VALID" if valid else "NOT_VALID",
            "description": "Tanda tangan elektronik valid dan dokumen merupakan dokumen asli sejak ditandatangani"
            if valid else "Tanda tangan tidak valid atau dokumen berubah setelah ditandatangani",
            "signatureInformations": infos}
