"""Monthly report PDF + PAdES signing + validation timings, and signing time per backend.

Part 1 (320 and 1000 employees): PDF build, plain pyHanko signature (B-B), validation in pyHanko and pdfsig.
Part 2 (320 employees): one signature per backend over real loopback HTTP, the floor being the plain
pyHanko signature of the same PDF in the same run:
- p12 B-B: sign_pdf_bytes, no TSA (the floor);
- p12 B-T: + RFC 3161 timestamp from the demo TSA over HTTP;
- p12 B-LT: + CRL/OCSP fetched over HTTP and written to the DSS (add_ltv);
- p12 B-LTA: + archive timestamp;
- esign v1 / v2: the esign emulator signs (B-T with its TSA) — request, server work, answer;
- esign v2 + B-LT: the app's DSS extension after the server's signature.

Run: .venv/bin/python bench/report_sign_bench.py [repeats]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.clock import system_clock  # noqa: E402
from services.demo.esign_emulator import EsignEmulator  # noqa: E402
from services.demo.pki_server import PkiServer  # noqa: E402
from services.policy.recap import MonthRecapRow  # noqa: E402
from services.reports.layout import Letterhead, paper  # noqa: E402
from services.reports.monthly import COUNT_COLUMNS, SignatoryText, build_monthly_pdf, signature_box  # noqa: E402
from services.signing.esign_client import Appearance, EsignClient, EsignConfig, Secret  # noqa: E402
from services.signing.ltv import add_archive_timestamp, add_ltv  # noqa: E402
from services.signing.pades import SignerIdentity, pdfsig_check, sign_pdf_bytes, validate_pdf_bytes  # noqa: E402
from services.signing.timestamping import HttpTimeStamper  # noqa: E402

NIK, PASSPHRASE = "3201010101700001", "bench-rahasia"


def rows(n: int) -> list[MonthRecapRow]:
    rnd = random.Random(n)
    out = []
    for i in range(n):
        counts = {k: rnd.randint(0, 2) for k in COUNT_COLUMNS}
        out.append(MonthRecapRow(i, f"19800101200501{i:04d}", f"Pegawai {i:04d}", "Pranata Komputer", "Sekretariat",
                                 21, counts, deduction_pct=rnd.random() * 10))
    return out


def _median(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def part1(clock, pki: PkiServer, head: Letterhead, sig: SignatoryText) -> bytes:  # type: ignore[no-untyped-def]
    signer = pki.pki.issue("Kepala Dinas Uji")
    p12 = signer.p12(PASSPHRASE)
    pdf320 = b""
    for n in (320, 1000):
        t = time.perf_counter()
        pdf, pages = build_monthly_pdf(rows(n), head, 2026, 11, sig, generated_at=clock.now())
        t_pdf = time.perf_counter() - t
        pdf320 = pdf320 or pdf
        t = time.perf_counter()
        signed = sign_pdf_bytes(pdf, p12, PASSPHRASE, SignerIdentity("Kepala", "1970", "Kepala Dinas"),
                                signature_box(paper("A4", landscape=True)), clock=clock)
        t_sign = time.perf_counter() - t
        t = time.perf_counter()
        ok = validate_pdf_bytes(signed.data, [pki.pki.root_pem], moment=clock.utcnow()).ok
        t_val = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "r.pdf"
            path.write_bytes(signed.data)
            t = time.perf_counter()
            ps = pdfsig_check(path, [pki.pki.root_pem])
            t_ps = time.perf_counter() - t
        print(f"{n} pegawai: {pages} halaman, {len(signed.data) / 1024:.0f} KiB | PDF {t_pdf:.2f} s | "
              f"tanda tangan {t_sign:.2f} s | validasi pyHanko {t_val:.2f} s ({'OK' if ok else 'GAGAL'}) | "
              f"pdfsig {t_ps:.2f} s ({'OK' if ps.signature_valid and ps.certificate_trusted else 'GAGAL'})")
    return pdf320


def part2(clock, pki: PkiServer, pdf: bytes, repeats: int) -> None:  # type: ignore[no-untyped-def]
    roots = [pki.pki.root_pem]
    signer = pki.pki.issue("Kepala Dinas Uji")
    ident = SignerIdentity("Kepala", "1970", "Kepala Dinas")
    box = signature_box(paper("A4", landscape=True))
    tsa = HttpTimeStamper(pki.tsa_url)
    emu = EsignEmulator(pki.pki, clock, username="esign", password="bench")
    emu.add_user(NIK, "Kepala Dinas Uji", PASSPHRASE, cert=signer)
    server = emu.serve()
    try:
        ap = Appearance(visible=True, page=1, x=box[0], y=box[1], width=box[2] - box[0], height=box[3] - box[1],
                        page_height=paper("A4", landscape=True)[1])

        raw = signer.p12(PASSPHRASE)

        def local(stamper: HttpTimeStamper | None = None) -> bytes:
            return sign_pdf_bytes(pdf, raw, PASSPHRASE, ident, box, clock=clock, timestamper=stamper).data

        def esign(api: str) -> bytes:
            client = EsignClient(EsignConfig(server.url, "esign", "bench", api))
            return client.sign_pdf(pdf, nik=NIK, passphrase=Secret(PASSPHRASE), appearance=ap)

        floor, bb = _median(local, repeats)
        cases: list[tuple[str, Callable[[], bytes]]] = [
            ("p12 B-T (TSA lewat HTTP)", lambda: local(tsa)),
            ("p12 B-LT (+ CRL/OCSP ke DSS)", lambda: add_ltv(local(tsa), roots, clock.utcnow()).data),
            ("p12 B-LTA (+ stempel waktu arsip)", lambda: add_archive_timestamp(
                add_ltv(local(tsa), roots, clock.utcnow()).data, tsa, roots, clock.utcnow()).data),
            ("esign v1 (multipart) B-T", lambda: esign("v1")),
            ("esign v2 (JSON base64) B-T", lambda: esign("v2")),
            ("esign v2 + B-LT oleh aplikasi", lambda: add_ltv(esign("v2"), roots, clock.utcnow()).data),
        ]
        print(f"\nTanda tangan per backend, 320 pegawai ({len(pdf) / 1024:.0f} KiB), median {repeats}x; "
              f"lantai = pyHanko B-B tanpa jaringan")
        level = validate_pdf_bytes(bb, roots, moment=clock.utcnow()).level  # type: ignore[arg-type]
        print(f"  {'p12 B-B (lantai)':38s} {floor * 1000:7.0f} ms  1.00×  [{level}]")
        for label, fn in cases:
            t, data = _median(fn, repeats)
            level = validate_pdf_bytes(data, roots, moment=clock.utcnow()).level  # type: ignore[arg-type]
            print(f"  {label:38s} {t * 1000:7.0f} ms  {t / floor:4.2f}×  [{level}]")
    finally:
        server.stop()


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    clock = system_clock()
    head = Letterhead("PEMERINTAH KABUPATEN UJI", "Dinas Uji", "Jl. Uji 1", "Kota Uji")
    sig = SignatoryText("Kota Uji", "1 Desember 2026", "Kepala Dinas Uji", "Kepala", "197001012000031001")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (awal)")
    with PkiServer.start(clock) as pki:
        pdf = part1(clock, pki, head, sig)
        part2(clock, pki, pdf, repeats)
    print(f"load average {os.getloadavg()[0]:.2f} (akhir)")


if __name__ == "__main__":
    main()
