"""Selfie-check throughput on this machine (images per second).

Measures (1) the per-image OpenCV analysis (decode + faces + blur + exposure +
pHash + LBP descriptor) for phone-sized JPEGs, and (2) the whole service path:
mobile bundle import + run_checks (reuse search and DB writes included) on a
temporary SQLite database. Run: .venv/bin/python bench/selfie_bench.py [N]
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.demo.mobile_bundle import add_demo_reference_photos, write_demo_bundle  # noqa: E402
from services.demo.sample_org import create_sample_org  # noqa: E402
from services.demo.synthetic_faces import encode_jpeg, person, render  # noqa: E402
from services.mobile.importer import import_bundle  # noqa: E402
from services.selfie.checks import analyse, decode  # noqa: E402
from services.selfie.service import run_checks  # noqa: E402
from services.store.db import open_database  # noqa: E402


def bench_analysis(n: int, side: int) -> float:
    images = [encode_jpeg(render(person(i), i, size=side)) for i in range(n)]
    start = time.perf_counter()
    for data in images:
        img = decode(data)
        assert img is not None
        analyse(img)
    return n / (time.perf_counter() - start)


def bench_service(days: int) -> tuple[int, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.sqlite")
        with db.transaction() as s:
            org = create_sample_org(s, n_employees=12, with_users=False)
            dates = [dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(days * 7 // 5 + 2)]
            info = write_demo_bundle(s, Path(tmp) / "b.zip", org.employee_ids, dates[: days + (days // 5) * 2])
            add_demo_reference_photos(s, db.path, org.employee_ids)
        t0 = time.perf_counter()
        result = import_bundle(db, info.path, now=dt.datetime(2026, 5, 1))
        t1 = time.perf_counter()
        run_checks(db, result.punch_ids)
        t2 = time.perf_counter()
        db.dispose()
        return result.new, result.new / (t1 - t0), result.new / (t2 - t1)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    for side in (480, 1280):
        rate = bench_analysis(n, side)
        print(f"analisis swafoto {side}x{side} JPEG: {rate:.1f} gambar/detik ({n} gambar)")
    rows, import_rate, check_rate = bench_service(5)
    print(f"impor bundel mobile: {rows} rekaman, {import_rate:.0f} rekaman/detik (validasi + simpan foto)")
    print(f"run_checks (layanan penuh, {rows} foto 480 px): {check_rate:.1f} gambar/detik")


if __name__ == "__main__":
    main()
