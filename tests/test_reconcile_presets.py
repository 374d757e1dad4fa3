"""Regional presets: all load, carry the values RULES.md gives, and every value names its source or says it is
an assumption ("asumsi, periksa Perkada"), and the loader exposes that per value."""

from __future__ import annotations

import tomllib

import pytest

from services.policy.model import PRESETS_DIR, VALUE_PATHS, VALUE_TABLES, PolicyError, list_presets, load_policy
from services.policy.sources import ASSUMPTION_MARK

REGIONS = ["kotawaringin_timur", "sumatera_utara", "lampung_utara", "sambas", "tulang_bawang", "kepulauan_selayar",
           "pmk_221", "kalimantan_utara"]


def test_all_region_presets_exist_and_load():
    assert set(REGIONS) <= set(list_presets())
    for name in REGIONS:
        p = load_policy(name)
        assert p.sources and p.name != name


@pytest.mark.parametrize("name", REGIONS + ["default"])
def test_every_value_set_by_a_preset_file_cites_its_source_in_the_same_file(name):
    raw = tomllib.loads((PRESETS_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    sources = raw.get("sources", {})
    for table in VALUE_TABLES:
        for key in raw.get(table, {}):
            text = sources.get(table, {}).get(key, "")
            assert text.strip(), f"{name}: {table}.{key} has no [sources.{table}] {key}"
    # and the preset states its TPP deduction base itself, with a source
    assert raw["tpp"]["deduction_base"] and sources["tpp"]["deduction_base"].strip()


@pytest.mark.parametrize("name", REGIONS + ["default"])
def test_loader_exposes_a_source_or_the_assumption_marker_for_every_value(name):
    p = load_policy(name)
    assert set(p.value_sources) == set(VALUE_PATHS)
    for path in VALUE_PATHS:
        src = p.source_of(path)
        assert src.text.strip(), path
        assert src.verified == ("asumsi" not in src.text.lower()), path
    assert all(ASSUMPTION_MARK in v.text or "asumsi" in v.text.lower() for v in p.unverified())
    with pytest.raises(PolicyError):
        p.source_of("attendance.tidak_ada")


def test_inherited_regional_values_are_unverified_but_national_law_keeps_its_source():
    kotim = load_policy("kotawaringin_timur")
    tiers = kotim.source_of("attendance.tl_tiers")  # Permentan template, not confirmed for the region
    assert tiers.origin == "default" and not tiers.verified and "Diwarisi" in tiers.text
    apel = kotim.source_of("attendance.apel_miss_pct")
    assert apel.verified and "800.1/1090/BKPSDM.PKAP/2025" in apel.text and apel.origin == "kotawaringin_timur"
    run = kotim.source_of("discipline.consecutive_days_berat")  # PP 94/2021 applies in every region
    assert run.verified and "Pasal 15 ayat (2)" in run.text


def test_kotawaringin_timur_cites_the_surat_edaran_not_a_perbup():
    raw = (PRESETS_DIR / "kotawaringin_timur.toml").read_text(encoding="utf-8")
    assert "Perbup Kotawaringin Timur" not in raw
    p = load_policy("kotawaringin_timur")
    own = [v for v in p.value_sources.values() if v.origin == "kotawaringin_timur"]
    assert own and all("800.1/1090/BKPSDM.PKAP/2025" in v.text for v in own)


def test_rules_values():
    tb = load_policy("tulang_bawang")
    assert [(t.from_minute, t.to_minute, t.pct) for t in tb.attendance.tl_tiers] == [
        (1, 30, 0.5), (31, 60, 1.0), (61, 90, 1.25), (91, None, 1.5)]
    assert tb.attendance.apel_miss_pct == 2.0 and tb.attendance.no_checkin_tier == "TL4"
    assert tb.tpp.deduction_base == "disiplin" and not tb.source_of("tpp.components").verified
    sel = load_policy("kepulauan_selayar")
    assert (sel.attendance.absent_pct, sel.attendance.apel_miss_pct, sel.tpp.manipulation) == (3.0, 2.0, "alpa")
    assert sel.tpp.deduction_base == "tpp" and sel.source_of("tpp.deduction_base").verified
    sumut = load_policy("sumatera_utara").tpp
    assert sumut.components == {"kehadiran": 40.0, "kinerja": 60.0} and sumut.manipulation == "kehadiran_nol"
    assert sumut.deduction_base == "kehadiran"
    lampura = load_policy("lampung_utara")
    assert lampura.mobile.geofence_radius_m == 100.0 and lampura.mobile.geofence_edge == "exclusive"
    assert load_policy("kotawaringin_timur").attendance.apel_miss_pct == 0.5
    assert load_policy("default").tpp.deduction_base == "tpp"  # Permentan 68/2012: of the whole tunjangan


def test_kalimantan_utara_preset():
    p = load_policy("kalimantan_utara")
    s = p.schedule
    assert (f"{s.start:%H:%M}", f"{s.end:%H:%M}", s.timezone) == ("07:30", "16:00", "Asia/Makassar")
    assert p.source_of("schedule.start").verified and p.source_of("schedule.timezone").verified
    for path in ("schedule.friday_end", "attendance.apel_miss_pct", "attendance.apel_weekdays",
                 "attendance.apel_time", "tpp.deduction_base", "attendance.tl_tiers", "attendance.absent_pct"):
        assert not p.source_of(path).verified, path  # not in the seed: assumptions the screen marks


def test_pmk_221_preset():
    p = load_policy("pmk_221")
    a = p.attendance
    assert [(t.code, t.from_minute, t.to_minute, t.pct) for t in a.tl_tiers] == [
        ("TL1", 1, 30, 1.0), ("TL2", 31, 60, 1.25), ("TL3", 61, None, 2.5)]
    assert [t.pct for t in a.psw_tiers] == [0.5, 1.0, 1.25, 1.5]
    assert a.tier_by_code(a.no_checkin_tier).pct == 2.5  # no check-in = 2.5 %
    s = p.schedule
    assert s.flexible_start_minutes == 90 and f"{s.flexible_start_until:%H:%M}" == "09:00" and s.makeup_at_end
    assert f"{s.late_counts_from(s.start):%H:%M}" == "09:00"  # 09:00:59 on time, 09:01 late (tiers count from here)


def _write(tmp_path, text):  # type: ignore[no-untyped-def]
    path = tmp_path / "daerah.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_without_its_own_deduction_base_does_not_load(tmp_path):
    with pytest.raises(PolicyError, match="deduction_base wajib"):
        load_policy(_write(tmp_path, 'base = "kotawaringin_timur"\n[attendance]\nabsent_pct = 3.0\n'
                                     '[sources.attendance]\nabsent_pct = "Perbup uji"\n'))
    with pytest.raises(PolicyError, match="sumber dasar potongan"):
        load_policy(_write(tmp_path, 'base = "default"\n[tpp]\ndeduction_base = "tpp"\n'))
    with pytest.raises(PolicyError, match="bukan komponen|bukan \"tpp\""):
        load_policy(_write(tmp_path, 'base = "default"\n[tpp]\ndeduction_base = "kehadiran"\n'
                                     '[sources.tpp]\ndeduction_base = "Perbup uji"\n'))
    with pytest.raises(PolicyError, match="tidak dikenal: attendance.absen_pct"):
        load_policy(_write(tmp_path, 'base = "default"\n[tpp]\ndeduction_base = "tpp"\n'
                                     '[sources.tpp]\ndeduction_base = "Perbup uji"\n'
                                     '[sources.attendance]\nabsen_pct = "salah ketik"\n'))
    ok = load_policy(_write(tmp_path, 'base = "default"\n[tpp]\ndeduction_base = "kehadiran"\n'
                                      'components = { kehadiran = 40, kinerja = 60 }\n'
                                      '[sources.tpp]\ndeduction_base = "Perbup uji Pasal 5"\n'))
    assert ok.tpp.base_label() == "komponen kehadiran (40 % dari TPP)"
    assert ok.source_of("tpp.deduction_base").verified
    assert not ok.source_of("tpp.components").verified  # set without a source: an assumption


def test_schedule_table_is_checked(tmp_path):
    head = 'base = "default"\n[tpp]\ndeduction_base = "tpp"\n[sources.tpp]\ndeduction_base = "uji"\n'
    with pytest.raises(PolicyError, match="schedule.timezone 'Asia/Singapore'"):
        load_policy(_write(tmp_path, head + '[schedule]\ntimezone = "Asia/Singapore"\n'))
    with pytest.raises(PolicyError, match="flexible_start_until 09:30 tidak sama"):
        load_policy(_write(tmp_path, head + '[schedule]\nstart = "07:30"\nflexible_start_minutes = 90\n'
                                            'flexible_start_until = "09:30"\n'))
    with pytest.raises(PolicyError, match="geofence_edge"):
        load_policy(_write(tmp_path, head + '[mobile]\ngeofence_edge = "kira-kira"\n'))


def test_tpp_base_key_is_accepted_for_the_deduction_base(tmp_path):
    p = load_policy(_write(tmp_path, 'base = "default"\n[tpp]\nbase = "kehadiran"\n'
                                     'components = { kehadiran = 40, kinerja = 60 }\n'
                                     '[sources.tpp]\nbase = "Perbup uji Pasal 7"\n'))
    assert p.tpp.deduction_base == "kehadiran" and p.tpp.base_share_pct() == 40.0
    assert p.source_of("tpp.deduction_base").text == "Perbup uji Pasal 7"
    with pytest.raises(PolicyError, match="sekali saja"):
        load_policy(_write(tmp_path, 'base = "default"\n[tpp]\nbase = "tpp"\ndeduction_base = "tpp"\n'))
