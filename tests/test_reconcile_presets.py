"""Regional presets: all load, carry the values RULES.md gives, and every value they set names its source."""

from __future__ import annotations

import tomllib

import pytest

from services.policy.model import PRESETS_DIR, list_presets, load_policy

REGIONS = ["kotawaringin_timur", "sumatera_utara", "lampung_utara", "sambas", "tulang_bawang", "kepulauan_selayar",
           "pmk_221"]


def test_all_region_presets_exist_and_load():
    assert set(REGIONS) <= set(list_presets())
    for name in REGIONS:
        p = load_policy(name)
        assert p.sources and p.name != name


@pytest.mark.parametrize("name", REGIONS)
def test_every_value_set_by_a_preset_has_a_source(name):
    raw = tomllib.loads((PRESETS_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    sources = raw.get("sources", {})
    assert all(str(v).strip() for v in sources.values())
    for table, values in raw.items():
        if table in ("meta", "sources", "base") or not isinstance(values, dict):
            continue
        for key in values:
            assert any(key.startswith(s) or s.startswith(key) for s in sources), f"{name}: {table}.{key} has no source"


def test_rules_values():
    tb = load_policy("tulang_bawang").attendance
    assert [(t.from_minute, t.to_minute, t.pct) for t in tb.tl_tiers] == [
        (1, 30, 0.5), (31, 60, 1.0), (61, 90, 1.25), (91, None, 1.5)]
    assert tb.apel_miss_pct == 2.0 and tb.no_checkin_tier == "TL4"
    sel = load_policy("kepulauan_selayar")
    assert (sel.attendance.absent_pct, sel.attendance.apel_miss_pct, sel.tpp.manipulation) == (3.0, 2.0, "alpa")
    sumut = load_policy("sumatera_utara").tpp
    assert sumut.components == {"kehadiran": 40.0, "kinerja": 60.0} and sumut.manipulation == "kehadiran_nol"
    assert load_policy("lampung_utara").mobile.geofence_radius_m == 100.0
    assert [t.pct for t in load_policy("pmk_221").attendance.tl_tiers] == [1.0, 1.25, 2.5]
    assert load_policy("kotawaringin_timur").attendance.apel_miss_pct == 0.5
