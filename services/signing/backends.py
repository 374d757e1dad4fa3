"""Pluggable signing backends: local PKCS#12 (pyHanko) and the BSrE Esign Client Service.

A backend turns the frozen report PDF into a signed PDF. The service
(`services.signing.service`) does everything around it the same way for every
backend: role check, frozen-file check, the attempt record ("status tidak
diketahui" after a timeout), certificate checks on the result, B-LT/B-LTA
extension, storing. "Sign elsewhere" (BeSign, Panter, Srikandi) is not a backend
object: the signer exports the frozen PDF and imports the signed one
(`services.signing.elsewhere`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from services.clock import Clock
from services.errors import BadInputError
from services.signing.certs import TrustSource, check_signer_certificate, subject_text
from services.signing.esign_client import Appearance, EsignClient, EsignConfig, Secret
from services.signing.pades import SignerIdentity, load_signer, sign_pdf_bytes, signer_chain, stamp_time_text
from services.signing.timestamping import HttpTimeStamper


@dataclass(frozen=True)
class SignRequest:
    pdf: bytes
    identity: SignerIdentity
    box: tuple[float, float, float, float]  # on the last page, PDF points, lower-left origin
    page_count: int
    page_size: tuple[float, float]
    clock: Clock
    reason: str = "Pengesahan laporan rekapitulasi kehadiran bulanan"
    location: str = ""
    timezone: str = "Asia/Jakarta"


@dataclass(frozen=True)
class Credential:
    """What the signer typed in the dialog, for this one signature (never stored)."""

    passphrase: Secret | None = None
    totp: Secret | None = None

    def __repr__(self) -> str:
        return "Credential(***)"


class SigningBackend(Protocol):
    key: str  # p12 / esign: stored on the Report
    label: str

    def certificate_text(self) -> str:
        """'sertifikat Z' for the confirmation dialog (as far as known before signing)."""
        ...

    def prepare(self, credential: Credential, trust_roots: Sequence[TrustSource], moment: dt.datetime) -> str:
        """Checks that need no signature yet (open the certificate / ask the server); returns a description."""
        ...

    def sign(self, request: SignRequest, credential: Credential) -> bytes:
        ...


class LocalP12Backend:
    """A PKCS#12 (.p12/.pfx) file on this PC, signed with pyHanko; timestamp from the configured TSA."""

    key = "p12"
    label = "Sertifikat di komputer ini (.p12)"

    def __init__(self, p12_path: Path, tsa_url: str = "") -> None:
        self.p12_path = Path(p12_path)
        self.tsa_url = tsa_url

    def certificate_text(self) -> str:
        return f"berkas {self.p12_path.name}"

    def _open(self, credential: Credential):  # type: ignore[no-untyped-def]
        if not self.p12_path.is_file():
            raise BadInputError(f"Berkas sertifikat tidak ditemukan: {self.p12_path}")
        if credential.passphrase is None:
            raise BadInputError("Masukkan kata sandi sertifikat .p12.")
        return load_signer(self.p12_path.read_bytes(), credential.passphrase.reveal())

    def prepare(self, credential: Credential, trust_roots: Sequence[TrustSource], moment: dt.datetime) -> str:
        signer = self._open(credential)
        check_signer_certificate(signer.signing_cert, signer_chain(signer), trust_roots, moment)
        return subject_text(signer.signing_cert)

    def sign(self, request: SignRequest, credential: Credential) -> bytes:
        signer = self._open(credential)
        stamper = HttpTimeStamper(self.tsa_url) if self.tsa_url else None
        return sign_pdf_bytes(request.pdf, b"", "", request.identity, request.box, clock=request.clock,
                              reason=request.reason, location=request.location, timezone=request.timezone,
                              timestamper=stamper, signer=signer).data


def signature_image(identity: SignerIdentity, when: str, size: tuple[float, float]) -> bytes:
    """PNG of the visible signature block (name, NIP, jabatan, time) for the esign server's stamp."""
    from PIL import Image, ImageDraw, ImageFont

    scale = 4
    w, h = max(int(size[0] * scale), 40), max(int(size[1] * scale), 20)
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=7 * scale)
    lines = ["Ditandatangani secara elektronik oleh:", identity.name, f"NIP. {identity.nip or '-'}",
             identity.jabatan or "-", f"Waktu: {when}"]
    for i, line in enumerate(lines):
        draw.text((3 * scale, (3 + i * 9) * scale), line, fill="black", font=font)
    draw.rectangle((0, 0, w - 1, h - 1), outline="black", width=scale)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class EsignServerBackend:
    """The region's BSrE Esign Client Service (v1 or v2): the key never leaves BSrE."""

    key = "esign"
    label = "Server esign BSrE daerah"

    def __init__(self, config: EsignConfig, nik: str = "", email: str = "", visible: bool = True) -> None:
        self.client = EsignClient(config)
        self.nik = nik.strip()
        self.email = email.strip()
        self.visible = visible
        if not (self.nik or self.email):
            raise BadInputError("Isi NIK (atau email) penanda tangan yang terdaftar di BSrE.")
        if self.nik and not (self.nik.isdigit() and len(self.nik) == 16):
            raise BadInputError(f"NIK harus 16 angka (isi sekarang: '{self.nik}').")

    def certificate_text(self) -> str:
        who = f"NIK {self.nik}" if self.nik else self.email
        return f"sertifikat BSrE milik {who} (server {self.client.config.url})"

    def prepare(self, credential: Credential, trust_roots: Sequence[TrustSource], moment: dt.datetime) -> str:
        from services.signing.esign_client import STATUS_MESSAGES, EsignError, EsignNotRegistered

        status = self.client.check_status(nik=self.nik or None, email=self.email or None)
        if not status.can_sign:
            who = f"NIK {self.nik}" if self.nik else f"Email {self.email}"
            text = STATUS_MESSAGES.get(status.status, "Status sertifikat {who} di BSrE: {status}.")
            cls = EsignNotRegistered if status.status == "NOT_REGISTERED" else EsignError
            raise cls(text.format(who=who, status=status.status))
        return self.certificate_text()

    def sign(self, request: SignRequest, credential: Credential) -> bytes:
        x0, y0, x1, y1 = request.box
        width, height = x1 - x0, y1 - y0
        image = signature_image(request.identity, stamp_time_text(request.clock, request.timezone), (width, height))
        appearance = Appearance(visible=self.visible, page=request.page_count, x=x0, y=y0, width=width,
                                height=height, page_height=request.page_size[1], image_png=image,
                                reason=request.reason, location=request.location)
        return self.client.sign_pdf(request.pdf, nik=self.nik or None, email=self.email or None,
                                    passphrase=credential.passphrase, totp=credential.totp, appearance=appearance)
