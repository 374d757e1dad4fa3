"""CLI start-up: ``presensi-opd --help`` beside a bare interpreter and beside importing every command module.

usage: .venv/bin/python bench/cli_start_bench.py [--runs 7]
Project = ``python -m services.cli --help`` (light registry: no command module imported).
Floor = ``python -c pass`` (interpreter start). Peer = the old start: every module of COMMAND_MODULES
imported to build the parser. Fresh processes, interleaved, medians. Target <= 0.2 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from support import ROOT, load_average, median  # type: ignore[import-not-found]

CASES = {
    "project (--help)": [sys.executable, "-m", "services.cli", "--help"],
    "floor (python -c pass)": [sys.executable, "-c", "pass"],
    "peer (every command module)": [sys.executable, "-c", "import importlib, services.cli as c\n"
                                    "for m in c.COMMAND_MODULES: importlib.import_module(m)"],
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    print(f"load average before: {load_average()}")
    times: dict[str, list[float]] = {k: [] for k in CASES}
    for _ in range(args.runs):
        for name, cmd in CASES.items():
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t)
    for name, vals in times.items():
        print(f"{name:30s} median {median(vals):.3f} s (min {min(vals):.3f}, {len(vals)} runs)")
    p, f = median(times["project (--help)"]), median(times["floor (python -c pass)"])
    print(f"project - floor = {p - f:.3f} s; project / peer = {p / median(times['peer (every command module)']):.2f} "
          f"(target <= 0.2 s)")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
