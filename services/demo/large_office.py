"""A monthly recap at the size of a Dinas Pendidikan (synthetic rows): the report bench and the layout test.

Row heights vary the way a real office's do (a long jabatan every 17th row), about 60 % of the employees
have TL/PSW deduction lines for the appendix.
"""

from __future__ import annotations

import random

from services.policy.recap import DeductionLine, MonthRecapRow
from services.reports.layout import Letterhead
from services.reports.monthly import COUNT_COLUMNS, SignatoryText

LETTERHEAD = Letterhead("PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR", "Dinas Pendidikan", "Jl. Jenderal Sudirman No. 1",
                        "Sampit")
SIGNATORY = SignatoryText("Sampit", "1 Desember 2026", "Kepala Dinas Pendidikan", "Budi Santoso", "196801011990031001")


def _lines(counts: dict[str, int]) -> tuple[DeductionLine, ...]:
    """The appendix's arithmetic lines for the TL/PSW counts (1,200,000 deduction base)."""
    return tuple(DeductionLine(k, counts[k], 0.5 * (i + 1), int(counts[k] * 6_000 * (i + 1)))
                 for i, k in enumerate(("TL1", "TL2", "PSW1")) if counts.get(k))


def recap_rows(n: int, seed: int = 5) -> list[MonthRecapRow]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        counts = {k: rnd.randint(0, 3) for k in COUNT_COLUMNS}
        counts["H"] = rnd.randint(15, 22)
        jabatan = ("Pranata Komputer Ahli Pertama pada Sub Bagian Umum dan Kepegawaian" if i % 17 == 0
                   else "Guru Ahli Pertama")
        out.append(MonthRecapRow(employee_id=i + 1, nip=f"19800101200501{i:04d}", name=f"Pegawai {i + 1:04d} Saputra",
                                 jabatan=jabatan, unit=f"UPT Sekolah {i % 40 + 1}", working_days=22, counts=counts,
                                 deduction_pct=round(rnd.random() * 10, 2),
                                 tpp_base=3_000_000, deduction_base_rp=1_200_000, lines=_lines(counts)))
    return out
