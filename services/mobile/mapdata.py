"""What the offline map draws: office circles and mobile punches on a local flat projection.

No tiles, no network: positions are metres east/north of a centre point (an equirectangular
projection, exact to well under a metre over the few kilometres around an office), so the geofence
circle is a true circle and the scale bar is true.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.geo import EARTH_RADIUS_M
from services.store.models import Employee, ImportBatch, OfficeLocation, Punch


@dataclass(frozen=True)
class MapOffice:
    name: str
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    inside: bool
    label: str = ""


@dataclass(frozen=True)
class MapData:
    offices: tuple[MapOffice, ...]
    points: tuple[MapPoint, ...]
    without_position: int = 0  # punches of the batch that carry no coordinates
    title: str = ""

    @property
    def inside(self) -> int:
        return sum(1 for p in self.points if p.inside)

    @property
    def outside(self) -> int:
        return len(self.points) - self.inside


class LocalProjection:
    """Metres east/north of (lat0, lon0)."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self._k = math.radians(1) * EARTH_RADIUS_M
        self._cos = math.cos(math.radians(lat0))

    def to_xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self._k * self._cos, (lat - self.lat0) * self._k


def nice_scale(max_m: float) -> tuple[float, str]:
    """The longest 1-2-5 × 10^n length not longer than ``max_m``, with its label ("200 m", "1 km")."""
    if max_m <= 0:
        return 0.0, ""
    exp = math.floor(math.log10(max_m))
    length = 1.0
    for step in (5, 2, 1):
        if step * 10 ** exp <= max_m:
            length = step * 10.0 ** exp
            break
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    return length, label


def office_sites(session: Session, opd_id: int, default_radius_m: float,
                 office_may_exceed: bool = True) -> tuple[MapOffice, ...]:
    """Office circles as the import checks them: an office's own radius, cut to the region's when it may not exceed it."""
    def radius(own: float | None) -> float:
        r = own if own and own > 0 else default_radius_m
        return r if office_may_exceed else min(r, default_radius_m)

    return tuple(MapOffice(o.name, o.lat, o.lon, radius(o.radius_m))
                 for o in session.execute(select(OfficeLocation).where(OfficeLocation.opd_id == opd_id)
                                          .order_by(OfficeLocation.id)).scalars())


def batch_map(session: Session, opd_id: int, batch_id: int, default_radius_m: float,
              office_may_exceed: bool = True) -> MapData:
    """The punches of one mobile import against the OPD's office circles (inside = not flagged outside)."""
    batch = session.get(ImportBatch, batch_id)
    rows = session.execute(
        select(Punch.lat, Punch.lon, Punch.flags, Punch.ts, Employee.name)
        .outerjoin(Employee, Employee.id == Punch.employee_id)
        .where(Punch.batch_id == batch_id).order_by(Punch.ts)).all()
    points, missing = [], 0
    for lat, lon, flags, ts, name in rows:
        if lat is None or lon is None:
            missing += 1
            continue
        inside = "outside_geofence" not in (flags or "").split(",")
        points.append(MapPoint(lat, lon, inside, f"{name or '?'} {ts:%d-%m %H.%M}"))
    title = f"{batch.source} ({batch.started_at:%d-%m-%Y %H.%M})" if batch is not None else ""
    return MapData(office_sites(session, opd_id, default_radius_m, office_may_exceed), tuple(points), missing, title)
