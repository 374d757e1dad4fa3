"""Letter kinds and the DayRecord status each produces.

Kinds are the DayRecord status codes themselves, so the engine maps a letter to a day
without a lookup table. Allowed employee types follow PP 11/2017 jo. PP 17/2020 (PNS)
and PP 49/2018 (PPPK: tahunan, sakit, melahirkan, bersama).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_TYPES = frozenset({"PNS", "PPPK", "PTT", "NON_ASN"})


@dataclass(frozen=True)
class LetterKind:
    code: str
    label: str
    allowed: frozenset[str]
    max_days: int | None  # calendar days, a warning flag beyond this (None = no limit)
    max_days_pppk: int | None = None
    female_only: bool = False
    is_cuti: bool = False


LETTER_KINDS: dict[str, LetterKind] = {
    k.code: k
    for k in [
        LetterKind("CT", "Cuti Tahunan", ALL_TYPES, 24, is_cuti=True),
        LetterKind("CBS", "Cuti Besar", frozenset({"PNS"}), 92, is_cuti=True),
        LetterKind("CS", "Cuti Sakit", ALL_TYPES, 548, max_days_pppk=31, is_cuti=True),
        LetterKind("CM", "Cuti Melahirkan", ALL_TYPES, 92, female_only=True, is_cuti=True),
        LetterKind("CAP", "Cuti Karena Alasan Penting", frozenset({"PNS"}), 31, is_cuti=True),
        LetterKind("CLTN", "Cuti di Luar Tanggungan Negara", frozenset({"PNS"}), 3 * 366, is_cuti=True),
        LetterKind("DL", "Dinas Luar / Surat Tugas", ALL_TYPES, None),
        LetterKind("S", "Sakit (surat keterangan dokter)", ALL_TYPES, None),
        LetterKind("I", "Izin", ALL_TYPES, None),
    ]
}
CUTI_CODES = frozenset(k for k, v in LETTER_KINDS.items() if v.is_cuti)

# Every DayRecord status with its Indonesian label (for the grid legend and reports).
STATUS_LABELS: dict[str, str] = {
    "H": "Hadir",
    "TK": "Tanpa keterangan",
    "LIBUR": "Libur",
    "BELUM": "Belum ada data (hari ini)",
    **{code: k.label for code, k in LETTER_KINDS.items()},
}
