"""The demo helpers the lead's `demo` command uses: a realistic bundle that imports with the promised flags."""

from __future__ import annotations

import datetime as dt
import zipfile

from sqlalchemy import func, select

from services.demo.mobile_bundle import add_demo_reference_photos, write_demo_bundle
from services.mobile.importer import import_bundle
from services.selfie.service import run_checks
from services.store.models import Punch, ReferencePhoto, SelfieCheck


def test_demo_bundle_imports_with_flags(db, org, tmp_path):
    now = dt.datetime(2026, 11, 23, 11, 0)
    days = [dt.date(2026, 11, 2) + dt.timedelta(days=i) for i in range(4)]  # Mon..Thu
    ids = org.employee_ids[:4]
    with db.transaction() as s:
        info = write_demo_bundle(s, tmp_path / "demo.zip", ids, days, now=now)
        assert add_demo_reference_photos(s, db.path, ids) == 4
        assert add_demo_reference_photos(s, db.path, ids) == 0  # only employees without one
    with zipfile.ZipFile(info.path) as zf:
        assert "presensi.csv" in zf.namelist()
    # 4 employees x 4 days x 2 + one offline record of October that arrives late
    assert info.rows == 33 and info.late_upload == 1 and info.unknown_phone == 1 and len(info.reused) == 1
    result = import_bundle(db, info.path, now=now)
    assert result.new == 33
    assert result.flags["late_upload"] == 1 and result.flags["unknown_phone"] == 1
    assert result.flags["outside_geofence"] == info.outside_geofence
    checks = run_checks(db, result.punch_ids)
    assert checks.flags["reused"] == 1 and checks.flags["too_dark"] == 1 and checks.flags["blur"] >= 1
    assert checks.flags.get("no_face", 0) <= 1  # drawn faces are picked so the detector finds them
    assert result.flags["mock_location"] == info.mock_location == 1
    # the gallery photo of the evening before, and the re-used photo (its EXIF time is the original day's)
    assert info.exif_old == 1 and checks.flags["exif_time_mismatch"] == info.exif_old + len(info.reused)
    assert info.other_person == 1
    if "digambar" in info.faces_note:  # drawn faces all look alike to the model: said plainly, nothing caught
        assert checks.flags.get("low_similarity", 0) == 0
    else:  # photos of the public set: the colleague's face is caught, so is the re-used photo (another person)
        assert checks.flags["low_similarity"] == info.other_person + len(info.reused)
    with db.session() as s:
        assert s.execute(select(func.count(ReferencePhoto.id))).scalar_one() == 4
        assert s.execute(select(func.count(SelfieCheck.id))).scalar_one() == s.execute(select(func.count(Punch.id))).scalar_one()
