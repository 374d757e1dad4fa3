"""The per-employee monthly recap shared by TPP, the monthly report PDF and central submission."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Count keys, in report column order.
RECAP_KEYS = ("H", "TL1", "TL2", "TL3", "TL4", "PSW1", "PSW2", "PSW3", "PSW4", "TK", "CUTI", "DL", "S", "I", "APEL_MISS", "UPACARA_MISS")

# What each deduction line is, in words (the TPP detail, the Excel sheet and the report appendix).
LINE_LABELS: dict[str, str] = {
    **{f"TL{i}": f"Terlambat masuk tingkat {i}" for i in range(1, 5)},
    **{f"PSW{i}": f"Pulang sebelum waktunya tingkat {i}" for i in range(1, 5)},
    "TK": "Tidak masuk tanpa keterangan",
    "APEL_MISS": "Tidak mengikuti apel",
    "UPACARA_MISS": "Tidak mengikuti upacara hari besar",
    "CAP": "Batas potongan per bulan",
    "MANIPULASI": "Manipulasi swafoto: komponen kehadiran hangus",
    "TPP_MAX": "Potongan tidak melebihi TPP",
}
ADJUSTMENTS = frozenset({"CAP", "MANIPULASI", "TPP_MAX"})  # lines that correct the sum, not a counted rule


@dataclass(frozen=True)
class DeductionLine:
    """One rule of one employee-month: ``count`` × ``pct`` % of the deduction base = ``rupiah``.

    Adjustment lines (ADJUSTMENTS) have count 1 and carry the correction (negative for a cap).
    """

    code: str
    count: int
    pct: float  # percent per occurrence (of the deduction base)
    rupiah: int

    @property
    def label(self) -> str:
        return LINE_LABELS.get(self.code, self.code)

    @property
    def pct_total(self) -> float:
        return round(self.count * self.pct, 4)

    def as_list(self) -> list[Any]:
        return [self.code, self.count, self.pct, self.rupiah]

    def describe(self) -> str:
        """'TL1 2 × 0,5 % = Rp 16.000' (the form Umpeg staff check with a calculator)."""
        if self.code in ADJUSTMENTS:
            return f"{self.label}: {signed_rupiah(self.rupiah)}"
        return f"{self.code} {self.count} × {pct_text(self.pct)} % = {signed_rupiah(self.rupiah)}"


def pct_text(value: float) -> str:
    """2.5 -> '2,5'; 0.25 -> '0,25' (Indonesian decimal comma, no trailing zeros)."""
    return f"{value:.4f}".rstrip("0").rstrip(".").replace(".", ",")


def signed_rupiah(value: int) -> str:
    text = "Rp " + f"{abs(value):,}".replace(",", ".")
    return f"−{text}" if value < 0 else text


def base_text(row: MonthRecapRow) -> str:
    """'seluruh TPP Rp 4.000.000' / 'komponen kehadiran (40 % dari TPP) = Rp 1.600.000' for one row."""
    label = row.deduction_base_label or "dasar potongan"
    return f"{label} = {signed_rupiah(row.deduction_base_rp)}"


def _line(item: Any) -> DeductionLine:
    if isinstance(item, DeductionLine):
        return item
    if isinstance(item, dict):
        return DeductionLine(str(item["code"]), int(item["count"]), float(item["pct"]), int(item["rupiah"]))
    code, count, pct, rp = item  # compact form stored with the report: [code, count, pct, rupiah]
    return DeductionLine(str(code), int(count), float(pct), int(rp))


@dataclass(frozen=True)
class MonthRecapRow:
    employee_id: int
    nip: str
    name: str
    jabatan: str
    unit: str
    working_days: int
    counts: dict[str, int] = field(default_factory=dict)  # keys from RECAP_KEYS
    deduction_pct: float = 0.0  # after the policy cap
    tpp_base: int = 0
    deduction_rp: int = 0
    tpp_net: int = 0
    manipulation: bool = False  # a selfie verdict of manipulation this month
    deduction_pct_raw: float = 0.0  # sum of the month's percentages before the cap
    deduction_base_rp: int = 0  # rupiah the percentages apply to (the deduction_base component or total)
    lines: Sequence[DeductionLine] = ()  # the arithmetic: sum(line.rupiah) == deduction_rp
    deduction_base_label: str = ""  # "seluruh TPP" / "komponen kehadiran (40 % dari TPP)"

    def __post_init__(self) -> None:
        # rows read back from a stored report carry the lines as lists/dicts (JSON)
        object.__setattr__(self, "lines", tuple(_line(x) for x in (self.lines or ())))

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)
