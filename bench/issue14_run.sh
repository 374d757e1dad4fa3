#!/usr/bin/env bash
# Issue 14's rows, one fresh run in sequence (the figures of bench/RESULTS.md's issue 14 table):
#   bench/issue14_run.sh [LOG]      (default log: $TMPDIR/issue14-run.log)
# Each bench prints the project figure beside its floor or peer from the same run and the load average.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="$here/.venv/bin/python"
log="${1:-${TMPDIR:-/tmp}/issue14-run.log}"
cd "$here"
run() {
  echo "=== $* ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$py" "$@" 2>&1 | grep -v '^  year db:'
}
{
  echo "issue 14 run on $(git rev-parse --short HEAD), $(nproc) cores"
  # the machine's speed today: one fixed pure-Python loop (seconds), to compare runs taken on other days
  "$py" -c "import time; t=time.perf_counter(); s=0
for i in range(10_000_000): s += i
print(f'calibration: 10M-iteration Python loop {time.perf_counter() - t:.2f} s')"
  run bench/year_db.py
  run bench/report_bench.py --runs 2
  run bench/sync_bench.py --runs 5 --pyzk-runs 2
  run bench/multi_device_bench.py --runs 3
  run bench/year_summary_bench.py --runs 3
  run bench/punch_load_bench.py --runs 5
  run bench/dashboard_bench.py --runs 7
  run bench/month_grid_year_bench.py --runs 7
  run bench/employee_history_bench.py --runs 50
  run bench/recompute_year_bench.py --runs 3
  run bench/cli_start_bench.py --runs 7
  run bench/gui_start_bench.py --runs 3
  PRESENSI_FACES_DIR="${PRESENSI_FACES_DIR:-$here/../shared/faces}" run bench/selfie_bench.py 40
  echo "=== done $(date -u +%H:%M:%S) UTC"
} 2>&1 | tee "$log"
