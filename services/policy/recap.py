"""The per-employee monthly recap shared by TPP, the monthly report PDF and central submission."""

from __future__ import annotations

from dataclasses import dataclass, field

# Count keys, in report column order.
RECAP_KEYS = ("H", "TL1", "TL2", "TL3", "TL4", "PSW1", "PSW2", "PSW3", "PSW4", "TK", "CUTI", "DL", "S", "I", "APEL_MISS")


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

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)
