"""Monthly report PDF + PAdES signing + validation timings (320 and 1000 employees).

Run: .venv/bin/python bench/report_sign_bench.py
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.clock import system_clock  # noqa: E402
from services.policy.recap import MonthRecapRow  # noqa: E402
from services.reports.layout import (
    Letterhead,  # noqa: E402
    paper,  # noqa: E402
)
from services.reports.monthly import COUNT_COLUMNS, SignatoryText, build_monthly_pdf, signature_box  # noqa: E402
from services.signing.pades import SignerIdentity, pdfsig_check, sign_pdf_bytes, validate_pdf_bytes  # noqa: E402
from services.signing.testca import make_test_certificates  # noqa: E402


def rows(n: int) -> list[MonthRecapRow]:
    rnd = random.Random(n)
    out = []
    for i in range(n):
        counts = {k: rnd.randint(0, 2) for k in COUNT_COLUMNS}
        out.append(MonthRecapRow(i, f"19800101200501{i:04d}", f"Pegawai {i:04d}", "Pranata Komputer", "Sekretariat",
                                 21, counts, deduction_pct=rnd.random() * 10))
    return out


def main() -> None:
    head = Letterhead("PEMERINTAH KABUPATEN UJI", "Dinas Uji", "Jl. Uji 1", "Kota Uji")
    sig = SignatoryText("Kota Uji", "1 Desember 2026", "Kepala Dinas Uji", "Kepala", "197001012000031001")
    clock = system_clock()
    certs = make_test_certificates(valid_from=clock.utcnow() - dt.timedelta(days=1))
    for n in (320, 1000):
        data = rows(n)
        t = time.perf_counter()
        pdf, pages = build_monthly_pdf(data, head, 2026, 11, sig, generated_at=clock.now())
        t_pdf = time.perf_counter() - t
        t = time.perf_counter()
        signed = sign_pdf_bytes(pdf, certs.p12, certs.passphrase, SignerIdentity("Kepala", "1970", "Kepala Dinas"),
                                signature_box(paper("A4", landscape=True)), signed_at=clock.now())
        t_sign = time.perf_counter() - t
        t = time.perf_counter()
        ok = validate_pdf_bytes(signed.data, [certs.ca_cert_pem]).ok
        t_val = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "r.pdf"
            path.write_bytes(signed.data)
            t = time.perf_counter()
            ps = pdfsig_check(path, [certs.ca_cert_pem])
            t_ps = time.perf_counter() - t
        print(f"{n} pegawai: {pages} halaman, {len(signed.data) / 1024:.0f} KiB | PDF {t_pdf:.2f} s | "
              f"tanda tangan {t_sign:.2f} s | validasi pyHanko {t_val:.2f} s ({'OK' if ok else 'GAGAL'}) | "
              f"pdfsig {t_ps:.2f} s ({'OK' if ps.signature_valid and ps.certificate_trusted else 'GAGAL'})")


if __name__ == "__main__":
    main()
