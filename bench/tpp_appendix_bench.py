"""Monthly report PDF with the TPP arithmetic appendix vs the same report without it (same rows, same run).

Project = build_monthly_pdf with every employee's deduction lines (appendix of plain-string cells);
floor = the same rows with the lines removed (no appendix: the report as it was before the appendix).
The ratio is what the appendix costs; ~60 % of employees have 1-4 lines, like a real month.

Run: .venv/bin/python bench/tpp_appendix_bench.py [employees] [repeats]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.policy.recap import DeductionLine, MonthRecapRow  # noqa: E402
from services.reports.layout import Letterhead  # noqa: E402
from services.reports.monthly import COUNT_COLUMNS, SignatoryText, build_monthly_pdf  # noqa: E402

CODES = ("TL1", "TL2", "TL3", "PSW1", "PSW2", "TK", "APEL_MISS")


def rows(n: int) -> list[MonthRecapRow]:
    rnd = random.Random(n)
    out = []
    for i in range(n):
        counts = {k: rnd.randint(0, 2) for k in COUNT_COLUMNS}
        base = rnd.randrange(2_000_000, 9_000_000, 1000)
        lines = []
        if rnd.random() < 0.6:
            for code in rnd.sample(CODES, rnd.randint(1, 4)):
                c, pct = rnd.randint(1, 3), rnd.choice((0.5, 1.0, 1.5, 4.0))
                lines.append(DeductionLine(code, c, pct, round(base * c * pct / 100)))
        ded = sum(x.rupiah for x in lines)
        out.append(MonthRecapRow(i, f"19800101200501{i:04d}", f"Pegawai {i:04d}", "Pranata Komputer", "Sekretariat",
                                 21, counts, deduction_pct=ded * 100 / base, tpp_base=base, deduction_rp=ded,
                                 tpp_net=base - ded, deduction_base_rp=base, lines=lines,
                                 deduction_base_label="seluruh TPP"))
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with_lines = rows(n)
    without = [dataclasses.replace(r, lines=()) for r in with_lines]
    head = Letterhead("PEMERINTAH KABUPATEN UJI", "DINAS UJI", "Jl. Uji 1", "Kota Uji")
    sig = SignatoryText("Kota Uji", "1 Desember 2026", "Kepala Dinas Uji", "Nama Kepala", "197001012000011001")
    when = dt.datetime(2026, 12, 1, 9, 0)
    load0 = os.getloadavg()[0]
    t_project: list[float] = []
    t_floor: list[float] = []
    p_project = p_floor = 0
    for i in range(repeats):
        order = ("floor", "project") if i % 2 == 0 else ("project", "floor")  # alternate: the load drifts
        for which in order:
            t = time.perf_counter()
            if which == "floor":
                _pdf, p_floor = build_monthly_pdf(without, head, 2026, 11, sig, generated_at=when)
                t_floor.append(time.perf_counter() - t)
            else:
                _pdf, p_project = build_monthly_pdf(with_lines, head, 2026, 11, sig, generated_at=when)
                t_project.append(time.perf_counter() - t)
    pages = (p_project, p_floor)
    load1 = os.getloadavg()[0]
    proj, floor = statistics.median(t_project), statistics.median(t_floor)
    print(f"{n} employees, {sum(1 for r in with_lines if r.lines)} with deduction lines, repeats {repeats}, "
          f"load avg {load0:.1f} -> {load1:.1f}")
    print(f"project (with appendix): {proj:.2f} s, {pages[0]} pages")
    print(f"floor (no appendix):     {floor:.2f} s, {pages[1]} pages")
    print(f"project / floor: {proj / floor:.2f}x")


if __name__ == "__main__":
    main()
