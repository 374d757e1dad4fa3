"""Linux bundle size and cold-start time (issue 5, installers).

Builds the PyInstaller one-dir bundle unless --skip-build, creates a small demo
database with the bundled CLI, then starts the bundled GUI offscreen three times
until its login window is rendered, and prints the figures.

    .venv/bin/python bench/bundle_bench.py [--skip-build]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "presensi-opd"


def _dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()
    if not args.skip_build:
        t = time.perf_counter()
        subprocess.run([str(ROOT / "installers" / "build_linux.sh")], check=True)
        print(f"build_seconds={time.perf_counter() - t:.0f}")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
               "PRESENSI_DATA_DIR": f"{tmp}/data"}
        db = f"{tmp}/data/demo.sqlite"
        subprocess.run([str(BUNDLE / "presensi-opd"), "--db", db, "demo", "--no-gui", "--no-central",
                        "--employees", "40", "--months", "1"], env=env, check=True, capture_output=True)
        starts = []
        for i in range(3):
            shot = f"{tmp}/login{i}.png"
            t = time.perf_counter()
            out = subprocess.run([str(BUNDLE / "PresensiOPD"), "--db", db, "gui"], env={**env, "PRESENSI_SMOKE_SHOT": shot},
                                 check=True, capture_output=True, text=True).stdout
            starts.append(time.perf_counter() - t)
            if "SIAP" not in out or not os.path.getsize(shot):
                print("bundle did not reach the login window", file=sys.stderr)
                return 1
    tarballs = list((ROOT / "dist").glob("presensi-opd-linux-*.tar.gz"))
    print(f"bundle_dir_mb={_dir_size_mb(BUNDLE):.0f}")
    if tarballs:
        print(f"tarball_mb={tarballs[0].stat().st_size / 1e6:.0f}")
    print(f"cold_start_to_login_s: first={starts[0]:.2f} median={statistics.median(starts):.2f} runs={len(starts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
