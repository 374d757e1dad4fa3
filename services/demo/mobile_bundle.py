"""Demo data for the mobile import and the selfie queue.

- ``write_demo_bundle(session, out_path, employee_ids, dates)`` writes a realistic
  bundle ZIP (presensi.csv + foto/*.jpg): check-in and check-out selfies per
  employee, most inside the office radius, some outside, some recorded offline
  (one uploaded after the deadline), one unregistered phone, one photo re-used by
  another employee, one too dark and one blurred photo, one selfie of someone else,
  one old gallery photo (EXIF time of the day before) and one mock-location fix.
- ``add_demo_reference_photos(session, db_path, employee_ids)`` gives each
  employee a reference photo of the same demo person.

Faces come from services/demo/faces.py: real photos of the public test set when it is
on this machine, else drawings (and the demo says so).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.demo.faces import DemoFaces, demo_faces, with_exif
from services.demo.synthetic_faces import encode_jpeg
from services.geo import offset_m
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.mobile.importer import upload_deadline
from services.store.db import clock_of
from services.store.models import Employee, EmployeePhone, OfficeLocation, ReferencePhoto

CSV_COLUMNS = ["nip", "waktu", "lat", "lon", "akurasi", "id_hp", "foto", "luring", "diunggah", "lokasi_palsu", "versi_aplikasi"]
DEMO_APP_VERSION = "2.4.1"  # the current app version of the demo rows
DEMO_OLD_APP_VERSION = "2.3.0"  # one phone that was never updated


@dataclass
class DemoBundleInfo:
    path: Path
    rows: int = 0
    outside_geofence: int = 0
    offline: int = 0
    late_upload: int = 0
    unknown_phone: int = 0
    reused: list[tuple[str, str]] = field(default_factory=list)  # (photo file, used again by NIP)
    dark_or_blurred: int = 0
    other_person: int = 0  # selfies showing someone else's face
    exif_old: int = 0  # gallery photos whose EXIF time is the day before
    mock_location: int = 0
    old_app_version: int = 0  # rows made by DEMO_OLD_APP_VERSION (void once a policy sets a higher minimum)
    faces_note: str = ""  # where the faces come from, said plainly (drawn or derived from real photos)


@lru_cache(maxsize=4)
def _faces() -> DemoFaces:
    return demo_faces()


def _employee_rows(session: Session, employee_ids: list[int]) -> list[tuple[int, str, float, float, str]]:
    rows = []
    locations = {loc.id: loc for loc in session.execute(select(OfficeLocation)).scalars()}
    default_loc = next(iter(locations.values()), None)
    for emp in session.execute(select(Employee).where(Employee.id.in_(employee_ids)).order_by(Employee.id)).scalars():
        loc = locations.get(emp.location_id or -1, default_loc)
        phone = session.execute(
            select(EmployeePhone.phone_id).where(EmployeePhone.employee_id == emp.id).order_by(EmployeePhone.id)
        ).scalars().first()
        lat, lon = (loc.lat, loc.lon) if loc else (-2.5389, 112.9525)
        rows.append((emp.id, emp.nip, lat, lon, phone or f"HP-DEMO-{emp.id:04d}"))
    return rows


def write_demo_bundle(
    session: Session,
    out_path: Path | str,
    employee_ids: list[int],
    dates: list[dt.date],
    *,
    seed: int = 7,
    now: dt.datetime | None = None,
    deadline_day: int = 10,
    faces: DemoFaces | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> DemoBundleInfo:
    """Write a bundle ZIP for ``employee_ids`` on ``dates`` (weekends skipped); returns what it put in.

    Upload times never lie in the future of ``now`` (default: the current time). The late upload is an
    offline record whose month's deadline (day ``deadline_day`` of the next month) passed before ``now``;
    when all ``dates`` are in the current month, one record of the previous month's last working day is
    added for it (only once that deadline has passed).
    """
    now = (now or clock_of(session).now()).replace(microsecond=0)
    r = random.Random(seed)
    faces = faces or _faces()
    out = Path(out_path)
    info = DemoBundleInfo(path=out, faces_note=faces.note)
    emps = _employee_rows(session, employee_ids)
    days = [d for d in sorted(dates) if d.weekday() < 5]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    photos: dict[str, bytes] = {}
    reuse_source: str | None = None
    reuse_done = False
    unknown_done = False
    late_done = False
    specials = {"dark": False, "blur": False}
    for day_no, day in enumerate(days):
        cancel.raise_if_cancelled()
        progress(day_no, len(days) + 1, f"Membuat swafoto contoh {day:%d-%m-%Y}")
        for emp_no, (emp_id, nip, lat0, lon0, phone) in enumerate(emps):
            for kind, start in (("in", dt.time(7, 0)), ("out", dt.time(16, 0))):
                minutes = r.randint(0, 40) if kind == "in" else r.randint(0, 35)
                ts = dt.datetime.combine(day, start) + dt.timedelta(minutes=minutes, seconds=r.randint(0, 59))
                if ts > now:
                    continue  # later today: not taken yet
                outside = r.random() < 0.08
                dist = r.uniform(300, 900) if outside else r.uniform(0, 60)
                angle = r.uniform(0, 6.283)
                lat, lon = offset_m(lat0, lon0, dist * math.cos(angle), dist * math.sin(angle))
                offline = r.random() < 0.1
                uploaded = ts + (dt.timedelta(hours=r.randint(2, 30)) if offline else dt.timedelta(seconds=r.randint(5, 120)))
                uploaded = min(uploaded, max(ts, now))
                if offline and not late_done and upload_deadline(ts, deadline_day) < now - dt.timedelta(hours=2):
                    uploaded = now - dt.timedelta(hours=1)
                    late_done = True
                    info.late_upload += 1
                use_phone = phone
                if not unknown_done and day_no == len(days) - 1 and emp_no == len(emps) - 1 and kind == "in":
                    use_phone = "HP-BARU-7781"
                    unknown_done = True
                    info.unknown_phone += 1
                name = f"foto/{nip}_{ts:%Y%m%d_%H%M}.jpg"
                mock = day_no == min(2, len(days) - 1) and emp_no == 5 % max(1, len(emps)) and kind == "out"
                info.mock_location += mock
                old_app = day_no == len(days) - 1 and emp_no == 3 % max(1, len(emps))
                info.old_app_version += old_app
                if reuse_source and not reuse_done and day_no >= 1 and emp_no == 1 and kind == "in":
                    name = reuse_source  # the same file submitted again by another employee
                    info.reused.append((reuse_source, nip))
                    reuse_done = True
                else:
                    scene = seed * 100_000 + day_no * 1000 + emp_no * 2 + (kind == "out")
                    img = faces.selfie(emp_id, scene)
                    taken = ts - dt.timedelta(seconds=r.randint(1, 20))
                    if day_no == min(1, len(days) - 1) and emp_no == 2 and kind == "in":
                        img = faces.someone_else(emp_id, scene)  # a colleague's face on this employee's punch
                        info.other_person += 1
                    elif day_no == min(1, len(days) - 1) and emp_no == 4 % max(1, len(emps)) and kind == "in":
                        taken = ts - dt.timedelta(hours=13, minutes=r.randint(0, 50))  # picked from the gallery
                        info.exif_old += 1
                    if not specials["dark"] and day_no == 0 and emp_no == 2 and kind == "out":
                        img = (img * 0.18).astype("uint8")  # taken in a dark corridor
                        specials["dark"] = True
                        info.dark_or_blurred += 1
                    elif not specials["blur"] and day_no == 0 and emp_no == 3 and kind == "in":
                        img = cv2.GaussianBlur(img, (0, 0), 6)  # shaky hand
                        specials["blur"] = True
                        info.dark_or_blurred += 1
                    photos[name] = with_exif(encode_jpeg(img), taken)
                    if reuse_source is None and day_no == 0 and emp_no == 0 and kind == "in":
                        reuse_source = name
                writer.writerow([
                    nip, f"{ts:%Y-%m-%d %H:%M:%S}", f"{lat:.6f}", f"{lon:.6f}", f"{r.uniform(4, 25):.1f}", use_phone,
                    name, "1" if offline else "0", f"{uploaded:%Y-%m-%d %H:%M:%S}", "1" if mock else "0",
                    DEMO_OLD_APP_VERSION if old_app else DEMO_APP_VERSION,
                ])
                info.rows += 1
                info.outside_geofence += outside
                info.offline += offline
    if not late_done and emps and days:
        # an offline record of last month's final working day that only reaches the office now
        last = days[0].replace(day=1) - dt.timedelta(days=1)
        while last.weekday() >= 5:
            last -= dt.timedelta(days=1)
        ts = dt.datetime.combine(last, dt.time(16, 4, 12))
        if upload_deadline(ts, deadline_day) < now - dt.timedelta(hours=2):
            emp_id, nip, lat0, lon0, phone = emps[-1]
            name = f"foto/{nip}_{ts:%Y%m%d_%H%M}.jpg"
            photos[name] = with_exif(encode_jpeg(faces.selfie(emp_id, seed * 100_000 + 99_999)), ts)
            lat, lon = offset_m(lat0, lon0, 12.0, -7.0)
            uploaded = now - dt.timedelta(hours=1)
            writer.writerow([nip, f"{ts:%Y-%m-%d %H:%M:%S}", f"{lat:.6f}", f"{lon:.6f}", "9.5", phone, name, "1",
                             f"{uploaded:%Y-%m-%d %H:%M:%S}", "0", DEMO_APP_VERSION])
            info.rows += 1
            info.offline += 1
            info.late_upload += 1
    progress(len(days), len(days) + 1, "Menulis berkas ZIP")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("presensi.csv", buf.getvalue())
        for name, data in photos.items():
            zf.writestr(name, data)
    return info


def add_demo_reference_photos(session: Session, db_path: Path, employee_ids: list[int], username: str = "system",
                              *, faces: DemoFaces | None = None, now: dt.datetime | None = None) -> int:
    """Give each employee without one a reference photo of their demo person; returns how many were added.

    The first of the person's photos that the enrolment accepts (one sharp frontal face) becomes the reference.
    """
    from services.selfie.service import ReferencePhotoError, add_reference_photo

    faces = faces or _faces()
    have = set(session.execute(select(ReferencePhoto.employee_id)).scalars())
    added = 0
    for emp_id in employee_ids:
        if emp_id in have:
            continue
        for data in faces.reference_candidates(emp_id):
            try:
                add_reference_photo(session, db_path, emp_id, data, username, now=now)
            except ReferencePhotoError:
                continue
            added += 1
            break
    return added
