"""Monthly report PDF at 1,000 and 6,000 employees: linear page splitting vs reportlab's LongTable.

usage: .venv/bin/python bench/report_bench.py [--runs 3] [--peer-sizes 1000,2000]
Project = ``build_monthly_pdf`` (PagedTable: rows measured once, one small table per page).
Peer = the same function with reportlab's ``LongTable`` (the code before issue 14), measured in the same
run at smaller sizes (at 6,000 it takes ~47 s). Each build runs in its own process (peak RSS shown).
Targets: 6,000 employees <= 8 s, t(6000) / t(1000) <= 6.5.
"""

from __future__ import annotations

import argparse
import datetime as dt

from support import in_child, load_average, median  # type: ignore[import-not-found]

from services.demo.large_office import LETTERHEAD, SIGNATORY, recap_rows


def build(n: int, peer: bool) -> tuple[float, float, int, int]:
    """(wall s, CPU s, pages, bytes) of one PDF build; peer=True swaps in LongTable."""
    import time

    from reportlab.platypus import LongTable, TableStyle

    import services.reports.monthly as monthly

    if peer:
        def longtable(header, body, widths, style, last_row_style, row_backgrounds=()):  # type: ignore[no-untyped-def]
            data = list(header) + list(body)
            last = len(data) - 1
            t = LongTable(data, colWidths=widths, repeatRows=len(header))
            t.setStyle(TableStyle([*style, ("ROWBACKGROUNDS", (0, len(header)), (-1, last - 1), list(row_backgrounds)),
                                   *last_row_style(last)]))
            return t

        monthly.PagedTable = longtable  # type: ignore[assignment,misc]
    data = recap_rows(n)
    head, sig = LETTERHEAD, SIGNATORY
    t, c = time.perf_counter(), time.process_time()
    pdf, pages = monthly.build_monthly_pdf(data, head, 2026, 11, sig, generated_at=dt.datetime(2026, 12, 1, 9, 0))
    return time.perf_counter() - t, time.process_time() - c, pages, len(pdf)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peer-sizes", default="1000,2000")
    args = ap.parse_args()
    print(f"load average before: {load_average()}")
    results: dict[tuple[str, int], list[tuple[float, float, float, int]]] = {}
    peer_sizes = [int(x) for x in args.peer_sizes.split(",") if x]
    for _ in range(args.runs):  # interleaved, so load changes hit every case
        for kind, n in [("project", 1000), ("project", 6000), *[("LongTable", m) for m in peer_sizes]]:
            (secs, cpu, pages, _size), peak = in_child(build, n, kind == "LongTable")
            results.setdefault((kind, n), []).append((secs, cpu, peak, pages))
    for (kind, n), vals in results.items():
        print(f"{kind:9s} {n:5d} pegawai: {median([v[0] for v in vals]):6.2f} s wall, {median([v[1] for v in vals]):6.2f} s "
              f"CPU (medians of {len(vals)}), {vals[0][3]} halaman, peak RSS {max(v[2] for v in vals):.0f} MiB")
    for i, what in ((0, "wall"), (1, "CPU")):
        p1, p6 = (median([v[i] for v in results[("project", n)]]) for n in (1000, 6000))
        print(f"project {what}: t(6000)/t(1000) = {p6 / p1:.2f} (linear = 6.0; target <= 6.5); 6000 in {p6:.2f} s "
              f"(target <= 8 s)")
    p1 = median([v[1] for v in results[("project", 1000)]])
    if len(peer_sizes) >= 2:
        a, b = peer_sizes[0], peer_sizes[-1]
        la, lb = (median([v[1] for v in results[("LongTable", m)]]) for m in (a, b))
        print(f"LongTable CPU t({b})/t({a}) = {lb / la:.2f} (linear = {b / a:.1f}); "
              f"at {a}: LongTable / project = {la / p1:.2f}")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
