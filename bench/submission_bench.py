"""Submission bundle: build, send to the central PostgreSQL, BKPSDM month board (issue 16).

Beside each project figure a floor measured in the same run:
- bundle build (Excel + SPTJM + pengantar + manifest) vs. the monthly recap PDF the bundle carries;
- submit (one row: four files, server-side sha256/manifest CHECKs, size trigger, row-level security)
  vs. a plain INSERT of the same bytes into an unchecked table by the superuser;
- the BKPSDM board of one month for 40 OPDs (metadata + reviews, no bytes) vs. SELECT id of the same rows.

Run: .venv/bin/python bench/submission_bench.py [n_employees ...]   (PostgreSQL on 127.0.0.1:5432)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from services.auth.users import to_current  # noqa: E402
from services.central import admin  # noqa: E402
from services.central.bundle import build_bundle, load_bundle  # noqa: E402
from services.central.client import connect, submit  # noqa: E402
from services.central.outbox import payload_for  # noqa: E402
from services.central.review import load_board  # noqa: E402
from services.clock import FrozenClock  # noqa: E402
from services.demo.sample_org import create_sample_org  # noqa: E402
from services.reports.monthly import generate_monthly_report  # noqa: E402
from services.signing.service import sign_report  # noqa: E402
from services.store.db import open_database  # noqa: E402
from services.store.models import Period, User  # noqa: E402

ADMIN = os.environ.get("PRESENSI_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _user(db, name):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return to_current(s.query(User).filter_by(username=name).one())


def _rows(db, n):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.report_fixtures import recap_rows

    return recap_rows(db, n=n)


def _timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def bench(n: int, tmp: Path, central_url: str, opd_url: str) -> None:
    db = open_database(tmp / f"b{n}.sqlite", clock=FrozenClock("2026-11-05 08:00"))
    with db.transaction() as s:
        org = create_sample_org(s, n_employees=3)
        s.add(Period(opd_id=org.opd_id, year=2026, month=10, status="locked"))
    info, t_pdf = _timed(lambda: generate_monthly_report(db, org.opd_id, 2026, 10, _user(db, "operator"),
                                                         rows=_rows(db, n)))
    from tests.central_fixtures import certs_around

    certs = certs_around("2026-11-05 08:00")
    p12, _ca = certs.write(tmp / f"c{n}")
    sign_report(db, info.report_id, _user(db, "kepala"), p12, certs.passphrase)
    bundle, t_bundle = _timed(lambda: build_bundle(db, info.report_id, _user(db, "operator")))
    loaded = load_bundle(db, info.report_id)
    payload = payload_for(db, info.report_id)
    sizes = ", ".join(f"{f.kind} {f.size / 1024:.0f} KiB" for f in bundle.files)
    print(f"{n} pegawai: recap PDF {t_pdf:.2f} s (floor) | bundle build {t_bundle:.2f} s | {sizes}")

    # submit: the project path (one revision per try, fresh OPD month) vs. the unchecked floor
    with psycopg.connect(central_url, autocommit=True) as owner:
        owner.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial, a bytea, b bytea, c bytea, d bytea, s jsonb)")
    ours, floor = [], []
    with connect(opd_url, None) as conn, psycopg.connect(central_url, autocommit=True) as owner:
        for i in range(5):
            p = type(payload)(**{**payload.__dict__, "month": 1 + i, "year": 2000 + n % 100})
            # the manifest names the period: rebuild it for the other months
            from services.central.bundle import build_manifest, sha256_hex

            m = build_manifest(p.opd_code, p.year, p.month, p.revision,
                               {k: (loaded.names[k], v) for k, v in loaded.files.items()},
                               loaded.audit_head, len(p.summary), p.signer_subject)
            p = type(p)(**{**p.__dict__, "manifest": m, "bundle_sha256": sha256_hex(m.encode())})
            ours.append(_timed(lambda p=p: submit(conn, p, loaded.files))[1])
            f = loaded.files
            floor.append(_timed(lambda f=f: owner.execute(
                "INSERT INTO bench_floor (a, b, c, d, s) VALUES (%s, %s, %s, %s, %s::jsonb)",
                (f["recap_pdf"], f["recap_xlsx"], f["sptjm_pdf"], f["pengantar_pdf"], json.dumps(payload.summary))))[1])
    print(f"  submit (median of 5): {statistics.median(ours) * 1000:.0f} ms | plain INSERT floor "
          f"{statistics.median(floor) * 1000:.0f} ms | bundle {bundle.total_bytes / 1024:.0f} KiB")
    db.dispose()


def board_bench(central_url: str, bk_url: str, suffix: str) -> None:
    with psycopg.connect(central_url, autocommit=True) as owner:
        for i in range(40):
            owner.execute("INSERT INTO opd (code, name, db_role) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                          (f"OPD{i:02d}", f"Perangkat Daerah {i}", f"bench_role_{i}_{suffix}"))
        src = owner.execute("SELECT * FROM submission LIMIT 1").fetchone()
        cols = [d.name for d in owner.execute("SELECT * FROM submission LIMIT 0").description]
    if src is None:
        return
    row = dict(zip(cols, src, strict=True))
    with psycopg.connect(central_url, autocommit=True) as owner:
        owner.execute("ALTER TABLE submission DROP CONSTRAINT manifest_matches_row")  # bench copies one bundle
        for i in range(40):
            owner.execute(
                "INSERT INTO submission (opd_code, year, month, revision, sha256, signed_pdf, signer_subject,"
                " signer_cert_pem, summary, employee_count, recap_xlsx, recap_xlsx_sha256, sptjm_pdf, sptjm_sha256,"
                " pengantar_pdf, pengantar_sha256, manifest, bundle_sha256, audit_head_id, audit_head_hash)"
                " VALUES (%s, 2030, 1, 1, %s, %s, 'x', 'x', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (f"OPD{i:02d}", row["sha256"], row["signed_pdf"], json.dumps(row["summary"]), row["employee_count"],
                 row["recap_xlsx"], row["recap_xlsx_sha256"], row["sptjm_pdf"], row["sptjm_sha256"],
                 row["pengantar_pdf"], row["pengantar_sha256"], row["manifest"], row["bundle_sha256"],
                 row["audit_head_id"], row["audit_head_hash"]))
    ours, floor = [], []
    with connect(bk_url, "bench-bk") as bk, psycopg.connect(central_url) as owner:
        for _ in range(5):
            ours.append(_timed(lambda: load_board(bk, 2030, 1, dt.date(2030, 2, 5)))[1])
            floor.append(_timed(lambda: owner.execute(
                "SELECT id FROM submission WHERE year = 2030 AND month = 1").fetchall())[1])
    print(f"BKPSDM board, 41 OPD / 40 kiriman (median of 5): {statistics.median(ours) * 1000:.1f} ms | "
          f"SELECT id floor {statistics.median(floor) * 1000:.1f} ms")


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [320, 1000]
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    suffix = uuid.uuid4().hex[:8]
    name = f"presensi_bench_{suffix}"
    url = admin.create_database(ADMIN, name)
    role, bk = f"opd_bench_{suffix}", f"bk_bench_{suffix}"
    try:
        admin.migrate_central(url)
        admin.register_opd(url, "DISKOMINFO", "Dinas Komunikasi dan Informatika", role, "bench-opd")
        admin.register_bkpsdm(url, bk, "bench-bk")
        opd_url = admin.with_user(url, role).replace(f"{role}@", f"{role}:bench-opd@")
        with tempfile.TemporaryDirectory() as tmp:
            for n in sizes:
                bench(n, Path(tmp), url, opd_url)
        board_bench(url, admin.with_user(url, bk), suffix)
    finally:
        admin.drop_database(ADMIN, name)
        admin.drop_role(ADMIN, role)
        admin.drop_role(ADMIN, bk)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
