"""Where each policy value comes from: the document it is taken from, or an honest "asumsi".

A preset file names its sources per value in nested tables that mirror the values:

    [attendance]
    absent_pct = 3.0

    [sources.attendance]
    absent_pct = "Perbup Kepulauan Selayar 8/2023: alpa 3 % TPP per hari"

Attribution rules (``attribute``):
- a value set in the loaded file takes that file's source for it;
- a value inherited from a base preset is *not* verified for the region: the text says where it
  was inherited from and carries the assumption marker, unless the loaded file itself cites a
  source for it (the region confirms the template value in its own Perkada);
  (values of national law / measurements, NATIONAL_TABLES, keep the template's source);
- a value no file sets is the application's built-in default: an assumption (an empty one is
  simply "not stated");
- a source text containing "asumsi" marks the value unverified (the settings screen counts them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ASSUMPTION_MARK = "asumsi, periksa Perkada"
# An empty value no file sets is not a rule at all (e.g. no component split when the base is the whole TPP).
NOT_STATED = "Tidak dinyatakan (kosong): aturan ini tidak dipakai preset; pengaturan OPD yang berlaku"


@dataclass(frozen=True)
class ValueSource:
    path: str  # "attendance.absent_pct"
    value: Any
    text: str  # the cited document, or a text with the assumption marker
    origin: str  # preset/file stem that set the value; "aplikasi" for a built-in default

    @property
    def verified(self) -> bool:
        return bool(self.text.strip()) and "asumsi" not in self.text.lower()


@dataclass(frozen=True)
class Layer:
    """One TOML file of a preset chain (root base first, the loaded file last)."""

    name: str
    values: Mapping[str, Any]  # "table.key" -> value
    sources: Mapping[str, str]  # "table.key" -> source text


def flatten_values(data: Mapping[str, Any], tables: Iterable[str]) -> dict[str, Any]:
    """{"attendance": {"absent_pct": 3}} -> {"attendance.absent_pct": 3} for the value tables."""
    out: dict[str, Any] = {}
    for table in tables:
        section = data.get(table)
        if isinstance(section, Mapping):
            for key, value in section.items():
                out[f"{table}.{key}"] = value
    return out


def flatten_sources(raw: Any, where: str) -> dict[str, str]:
    """The [sources] table as "table.key" -> text; nested tables or quoted dotted keys both work."""
    out: dict[str, str] = {}
    if raw is None:
        return out
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: [sources] harus berupa tabel")
    for key, value in raw.items():
        if isinstance(value, Mapping):
            for sub, text in value.items():
                out[f"{key}.{sub}"] = str(text)
        else:
            out[str(key)] = str(value)
    return out


# Tables whose values are national law or technical measurements, not regional rules: inherited from the
# template they keep the template's source (PP 94/2021 is the same in every region).
NATIONAL_TABLES = frozenset({"discipline", "selfie"})


def attribute(layers: list[Layer], paths: Iterable[str], effective: Mapping[str, Any]) -> dict[str, ValueSource]:
    """The source of every value path of the merged policy (see the module docstring)."""
    leaf = layers[-1]
    out: dict[str, ValueSource] = {}
    for path in paths:
        value = effective.get(path)
        origin = next((layer for layer in reversed(layers) if path in layer.values), None)
        if origin is None and value in (None, {}, ()):
            text = leaf.sources.get(path) or NOT_STATED
            out[path] = ValueSource(path, value, text, "aplikasi")
            continue
        if origin is None:
            text = leaf.sources.get(path) or f"Nilai bawaan aplikasi, tidak dari naskah daerah: {ASSUMPTION_MARK}"
            out[path] = ValueSource(path, value, text, "aplikasi")
            continue
        own = leaf.sources.get(path)
        if own:
            text = own
        elif origin is leaf:
            text = f"Sumber tidak dicantumkan: {ASSUMPTION_MARK}"
        elif path.split(".", 1)[0] in NATIONAL_TABLES and origin.sources.get(path):
            text = origin.sources[path]
        else:
            cited = origin.sources.get(path, "tanpa sumber")
            text = f"Diwarisi dari preset '{origin.name}' ({cited}); {ASSUMPTION_MARK}"
        out[path] = ValueSource(path, value, text, origin.name)
    return out


def unknown_source_keys(layer: Layer, known_paths: set[str]) -> list[str]:
    """Source keys of a file that name no policy value (a typo would otherwise hide a source)."""
    return sorted(k for k in layer.sources if "." in k and k not in known_paths)
