"""poppler's `pdfsig`, the independent validator, run with a throw-away NSS database."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.signing.certs import TrustSource, load_certs

# poppler 22 reports an RFC 3161 document timestamp as type "unknown" and does not validate it
DOC_TIMESTAMP_TYPES = ("ETSI.RFC3161", "unknown")


@dataclass(frozen=True)
class PdfsigSignature:
    number: int
    sig_type: str  # ETSI.CAdES.detached, adbe.pkcs7.detached, ETSI.RFC3161 ("unknown" in poppler 22)
    field_name: str
    valid: bool
    trusted: bool
    total_document_signed: bool
    text: str


@dataclass(frozen=True)
class PdfsigResult:
    available: bool
    signature_valid: bool  # every approval signature valid
    certificate_trusted: bool  # every approval signature's certificate trusted
    output: str
    signatures: list[PdfsigSignature] = field(default_factory=list)

    @property
    def approvals(self) -> list[PdfsigSignature]:
        return [s for s in self.signatures if s.sig_type not in DOC_TIMESTAMP_TYPES]

    @property
    def document_timestamps(self) -> list[PdfsigSignature]:
        return [s for s in self.signatures if s.sig_type in DOC_TIMESTAMP_TYPES]


def parse_pdfsig(out: str) -> list[PdfsigSignature]:
    parts = re.split(r"^Signature #(\d+):\s*$", out, flags=re.MULTILINE)
    sigs = []
    for i in range(1, len(parts) - 1, 2):
        text = parts[i + 1]
        kind = re.search(r"Signature Type:\s*(\S+)", text)
        name = re.search(r"Signature Field Name:\s*(.+)", text)
        sigs.append(PdfsigSignature(
            number=int(parts[i]), sig_type=kind.group(1) if kind else "", field_name=name.group(1).strip() if name else "",
            valid="Signature Validation: Signature is Valid." in text,
            trusted="Certificate Validation: Certificate is Trusted." in text,
            total_document_signed="Total document signed" in text and "Not total document signed" not in text,
            text=text.strip(),
        ))
    return sigs


def pdfsig_check(pdf_path: Path, trust_roots: Sequence[TrustSource], *, ocsp: bool = True) -> PdfsigResult:
    """Run `pdfsig` trusting only ``trust_roots``; ``ocsp=False`` adds -no-ocsp (no online revocation check)."""
    pdfsig, certutil = shutil.which("pdfsig"), shutil.which("certutil")
    if not pdfsig or not certutil:
        missing = "pdfsig (poppler-utils)" if not pdfsig else "certutil (libnss3-tools)"
        return PdfsigResult(False, False, False, f"{missing} tidak terpasang")
    with tempfile.TemporaryDirectory(prefix="presensi-nss-") as tmp:
        nss = f"sql:{tmp}"
        subprocess.run([certutil, "-N", "-d", nss, "--empty-password"], check=True, capture_output=True)
        for i, cert in enumerate(load_certs(trust_roots)):
            ca_file = Path(tmp) / f"ca{i}.der"
            ca_file.write_bytes(cert.dump())
            subprocess.run([certutil, "-A", "-d", nss, "-n", f"ca{i}", "-t", "CT,C,C", "-i", str(ca_file)],
                           check=True, capture_output=True)
        args = [pdfsig, "-nssdir", nss] + ([] if ocsp else ["-no-ocsp"]) + [str(pdf_path)]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    sigs = parse_pdfsig(out)
    approvals = [s for s in sigs if s.sig_type not in DOC_TIMESTAMP_TYPES]
    return PdfsigResult(
        available=True,
        signature_valid=bool(approvals) and all(s.valid for s in approvals),
        certificate_trusted=bool(approvals) and all(s.trusted for s in approvals),
        output=out, signatures=sigs,
    )
