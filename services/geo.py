"""Geofence: great-circle distance to the nearest office location."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Site:
    id: int
    name: str
    lat: float
    lon: float
    radius_m: float  # 0 or less = use the policy default


@dataclass(frozen=True)
class GeofenceResult:
    location_id: int | None
    distance_m: float | None
    radius_m: float
    inside: bool


def check_geofence(lat: float, lon: float, sites: list[Site], default_radius_m: float, *,
                   edge_inclusive: bool = True, office_may_exceed: bool = True) -> GeofenceResult:
    """Nearest office wins; inside when within that office's radius (its own radius_m, else the policy's).

    The region's policy gives the boundary rule and the maximum (services.policy.model.MobileRules):
    ``edge_inclusive`` False = a check-in at exactly the radius already fails (Lampung Utara: "sejauh
    100 meter saja ... tidak akan berfungsi"); ``office_may_exceed`` False = an office's own radius is
    cut down to ``default_radius_m``, the regional maximum. The comparison uses the distance rounded to
    0,1 m, the figure stored and shown, so "exactly 100 m" means the same to the rule and to the user.
    """
    if not sites:
        return GeofenceResult(None, None, default_radius_m, False)
    best = min(sites, key=lambda s: haversine_m(lat, lon, s.lat, s.lon))
    distance = round(haversine_m(lat, lon, best.lat, best.lon), 1)
    radius = best.radius_m if best.radius_m and best.radius_m > 0 else default_radius_m
    if not office_may_exceed:
        radius = min(radius, default_radius_m)
    inside = distance <= radius if edge_inclusive else distance < radius
    return GeofenceResult(best.id, distance, radius, inside)


def offset_m(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point ``north_m`` / ``east_m`` metres away (small distances; used by the demo bundle)."""
    dlat = north_m / 111_320.0
    dlon = east_m / (111_320.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon
