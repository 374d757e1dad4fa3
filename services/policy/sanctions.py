"""Articles of PP 94/2021 for every sanction, and the sedang-tier substitutes (Pasal 42).

Until the PP on salaries exists, the sedang "potongan tunjangan kinerja 25 %" sanctions are
replaced by penundaan kenaikan gaji berkala (KGB) 1 tahun, penundaan kenaikan pangkat 1 tahun
and penurunan pangkat setingkat lebih rendah 1 tahun (PP 94/2021 Pasal 42; PerBKN 6/2022
Pasal 62). Which day band gets which substitute is not fixed by a public source: the default
pairs them in the order both lists are written (6 / 9 / 12 months <-> KGB / pangkat /
penurunan pangkat), and ``sedang_substitute`` is the one place that reads it: the policy's
``discipline.sedang_substitutes`` (services.policy.model.SedangSubstitute: day band, sanction,
legal basis, whether the pairing is confirmed; the presets' [discipline] table) replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.policy.model import Policy

PP94 = "PP 94/2021"
SUBSTITUTE_BASIS = "Pasal 42 PP 94/2021 jo. Pasal 62 Peraturan BKN 6/2022"


@dataclass(frozen=True)
class SanctionArticle:
    sanction: str
    article: str  # e.g. "Pasal 8 ayat (3) huruf a PP 94/2021"


# sanction text (as in services.policy.discipline.DISCIPLINE_TIERS) -> article of PP 94/2021 Pasal 8
SANCTION_ARTICLES: dict[str, str] = {
    "teguran lisan": f"Pasal 8 ayat (2) huruf a {PP94}",
    "teguran tertulis": f"Pasal 8 ayat (2) huruf b {PP94}",
    "pernyataan tidak puas secara tertulis": f"Pasal 8 ayat (2) huruf c {PP94}",
    "pemotongan tunjangan kinerja 25% selama 6 bulan": f"Pasal 8 ayat (3) huruf a {PP94}",
    "pemotongan tunjangan kinerja 25% selama 9 bulan": f"Pasal 8 ayat (3) huruf b {PP94}",
    "pemotongan tunjangan kinerja 25% selama 12 bulan": f"Pasal 8 ayat (3) huruf c {PP94}",
    "penurunan jabatan setingkat lebih rendah selama 12 bulan": f"Pasal 8 ayat (4) huruf a {PP94}",
    "pembebasan dari jabatannya menjadi jabatan pelaksana selama 12 bulan": f"Pasal 8 ayat (4) huruf b {PP94}",
    "pemberhentian dengan hormat tidak atas permintaan sendiri sebagai PNS": f"Pasal 8 ayat (4) huruf c {PP94}",
}

# first day of the sedang band -> substitute sanction (default order, see the module docstring)
DEFAULT_SEDANG_SUBSTITUTES: dict[int, str] = {
    11: "penundaan kenaikan gaji berkala selama 1 tahun",
    14: "penundaan kenaikan pangkat selama 1 tahun",
    17: "penurunan pangkat setingkat lebih rendah selama 1 tahun",
}


def _policy_mapping(policy: Policy) -> Mapping[int, tuple[str, str]]:
    """band first day -> (substitute sanction, legal basis) from the policy data, else the default order."""
    subs = policy.discipline.sedang_substitutes
    if not subs:
        return {d: (text, SUBSTITUTE_BASIS) for d, text in DEFAULT_SEDANG_SUBSTITUTES.items()}
    out: dict[int, tuple[str, str]] = {}
    for band in DEFAULT_SEDANG_SUBSTITUTES:
        sub = next((x for x in subs if x.covers(band)), None)
        if sub is not None:
            out[band] = (sub.sanction, sub.legal_basis)
    return out


def sedang_substitute(policy: Policy, band_min_days: int) -> SanctionArticle:
    """The substitute sanction for the sedang band starting at ``band_min_days`` (11, 14 or 17)."""
    mapping = _policy_mapping(policy)
    sanction, basis = mapping.get(band_min_days) or (DEFAULT_SEDANG_SUBSTITUTES[band_min_days], SUBSTITUTE_BASIS)
    original = SANCTION_ARTICLES.get({11: "pemotongan tunjangan kinerja 25% selama 6 bulan",
                                      14: "pemotongan tunjangan kinerja 25% selama 9 bulan",
                                      17: "pemotongan tunjangan kinerja 25% selama 12 bulan"}[band_min_days], "")
    return SanctionArticle(sanction, f"{basis} (pengganti {original})")


def article_of(sanction: str) -> str:
    """Article of a PP 94/2021 sanction text ('' when the text is not one of Pasal 8's sanctions)."""
    return SANCTION_ARTICLES.get(sanction, "")
