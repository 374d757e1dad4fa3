"""Geofence as policy data: the boundary rule (< vs <=) and the regional radius as a maximum (99,9 / 100 / 100,1 m)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import select

from services.auth.users import SYSTEM_USER, CurrentUser
from services.errors import PermissionDeniedError
from services.geo import EARTH_RADIUS_M, Site, check_geofence, haversine_m
from services.mobile.importer import import_bundle
from services.org.setup import SetupError, save_office_location, validate_office
from services.policy.model import load_policy
from services.store.models import Employee, OfficeLocation, Opd, Punch
from tests.mobile_fixtures import OFFICE, csv_text, row, write_zip


def _north(metres: float) -> tuple[float, float]:
    """The point ``metres`` due north of the office along the meridian (exact for the haversine formula)."""
    return OFFICE[0] + math.degrees(metres / EARTH_RADIUS_M), OFFICE[1]


SITE = [Site(1, "Kantor", OFFICE[0], OFFICE[1], 0.0)]


@pytest.mark.parametrize(("metres", "inclusive", "exclusive"), [(99.9, True, True), (100.0, True, False),
                                                                 (100.1, False, False)])
def test_boundary_rule(metres: float, inclusive: bool, exclusive: bool) -> None:
    lat, lon = _north(metres)
    assert haversine_m(OFFICE[0], OFFICE[1], lat, lon) == pytest.approx(metres, abs=1e-6)
    res_in = check_geofence(lat, lon, SITE, 100.0, edge_inclusive=True)
    res_ex = check_geofence(lat, lon, SITE, 100.0, edge_inclusive=False)
    assert (res_in.distance_m, res_in.inside, res_ex.inside) == (metres, inclusive, exclusive)


def test_office_radius_above_the_regional_maximum_is_cut_down() -> None:
    big = [Site(1, "Kantor", OFFICE[0], OFFICE[1], 250.0)]
    lat, lon = _north(150.0)
    assert check_geofence(lat, lon, big, 100.0).inside  # a policy allowing larger office radii
    capped = check_geofence(lat, lon, big, 100.0, office_may_exceed=False)
    assert (capped.radius_m, capped.inside) == (100.0, False)


def _import_at(db, org, tmp_path, preset: str, metres: list[float]):  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        s.get(Opd, org.opd_id).policy_preset = preset
        nip = s.get(Employee, org.employee_ids[1]).nip
    rows = []
    for i, m in enumerate(metres):
        r = row(nip, f"2026-03-0{i + 2} 07:20:00")
        lat, _lon = _north(m)
        r["lat"] = repr(lat)  # full precision: the 6-decimal form is 0,11 m coarse
        rows.append(r)
    bundle = write_zip(tmp_path / f"{preset}.zip", {"presensi.csv": csv_text(rows)})
    import_bundle(db, bundle, username="operator", opd_id=org.opd_id, now=dt.datetime(2026, 3, 9, 12, 0))
    with db.session() as s:
        punches = s.execute(select(Punch).where(Punch.source == "mobile").order_by(Punch.ts)).scalars().all()
        return [(p.distance_m, "outside_geofence" in (p.flags or "")) for p in punches]


def test_mobile_import_lampung_utara_fails_at_exactly_100_m(db, org, tmp_path) -> None:
    assert load_policy("lampung_utara").mobile.geofence_edge == "exclusive"
    got = _import_at(db, org, tmp_path, "lampung_utara", [99.9, 100.0, 100.1])
    assert got == [(99.9, False), (100.0, True), (100.1, True)]


def test_mobile_import_default_passes_at_exactly_100_m(db, org, tmp_path) -> None:
    got = _import_at(db, org, tmp_path, "default", [99.9, 100.0, 100.1])
    assert got == [(99.9, False), (100.0, False), (100.1, True)]


def test_saving_an_office_above_the_regional_radius_is_refused(db, org) -> None:
    with db.transaction() as s:
        s.get(Opd, org.opd_id).policy_preset = "lampung_utara"
    with db.transaction() as s, pytest.raises(SetupError, match="melebihi radius presensi daerah 100 m"):
        save_office_location(s, org.opd_id, SYSTEM_USER, "Kantor Cabang", -2.54, 112.95, 100.1)
    with db.transaction() as s:
        loc_id = save_office_location(s, org.opd_id, SYSTEM_USER, "Kantor Cabang", -2.54, 112.95, 100.0)
        default_id = save_office_location(s, org.opd_id, SYSTEM_USER, "Gudang", -2.55, 112.96, 0)
    with db.session() as s:
        assert s.get(OfficeLocation, loc_id).radius_m == 100.0
        assert s.get(OfficeLocation, default_id).radius_m == 100.0  # 0 = the region's radius
    clerk = CurrentUser(id=9, username="clerk", full_name="Operator", roles=frozenset({"operator"}))
    with db.transaction() as s, pytest.raises(PermissionDeniedError):
        save_office_location(s, org.opd_id, clerk, "Kantor Lain", -2.54, 112.95, 50)


def test_validate_office_uses_the_policy_maximum_only_when_given() -> None:
    validate_office(-2.54, 112.95, 150.0)  # no policy: only the 10-2000 m plausibility range
    with pytest.raises(SetupError, match="paling banyak 100 m"):
        validate_office(-2.54, 112.95, 150.0, load_policy("default"))
