"""Office coordinates are validated; the offline map draws office circles and punches (no tile downloads)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage
from sqlalchemy import func, select

from desktop.mapview import INSIDE, OUTSIDE, MapView
from services.geo import haversine_m, offset_m
from services.mobile.mapdata import LocalProjection, MapData, MapOffice, MapPoint, nice_scale
from services.org.settings import OpdProfile
from services.org.setup import SetupError, initial_setup, validate_office
from services.store.models import Opd
from tests.shots import shots_dir

OFFICE = (-2.5389, 112.9525)


@pytest.mark.parametrize(("lat", "lon", "message"), [
    (0, 0, "belum diisi"),
    (48.8566, 2.3522, "di luar wilayah Indonesia"),
    (112.9525, -2.5389, "tertukar"),
    (8.5, 121.0, "Tanda minus lintang"),  # Flores is at -8.5
    (-95.0, 112.0, "harus -90..90"),
])
def test_bad_office_coordinates_are_refused_with_a_reason(lat: float, lon: float, message: str) -> None:
    with pytest.raises(SetupError, match=message):
        validate_office(lat, lon)


def test_good_coordinates_and_radius_rules() -> None:
    for lat, lon in (OFFICE, (5.89, 95.32), (-8.49, 140.4), (1.3625, 109.3017)):  # Sampit, Sabang, Merauke, Sambas
        validate_office(lat, lon)
    validate_office(*OFFICE, 0)  # 0 = the policy's default radius
    with pytest.raises(SetupError, match="Radius kantor 5 m tidak wajar"):
        validate_office(*OFFICE, 5)


def test_setup_with_bad_office_writes_nothing(db) -> None:  # type: ignore[no-untyped-def]
    profile = OpdProfile("BAPPEDA", "Bappeda", "PEMERINTAH KABUPATEN SAMBAS", "", "Sambas", "Asia/Jakarta", "sambas")
    with pytest.raises(SetupError, match="tertukar"), db.transaction() as s:
        initial_setup(s, profile, "admin", "Admin", "rahasia1", ("Kantor", 109.3017, 1.3625, 0.0))
    with db.session() as s:
        assert s.execute(select(func.count(Opd.id))).scalar() == 0


def test_projection_and_scale_are_true_metres() -> None:
    proj = LocalProjection(*OFFICE)
    lat, lon = offset_m(*OFFICE, north_m=300, east_m=-400)
    x, y = proj.to_xy(lat, lon)
    assert abs(x + 400) < 1 and abs(y - 300) < 1
    assert abs((x * x + y * y) ** 0.5 - haversine_m(*OFFICE, lat, lon)) < 1
    assert nice_scale(740) == (500, "500 m") and nice_scale(2600) == (2000, "2 km") and nice_scale(19) == (10, "10 m")


def _colour(img: QImage, x: float, y: float) -> QColor:
    return img.pixelColor(int(round(x)), int(round(y)))


def _near(c: QColor, ref: QColor, tol: int = 40) -> bool:
    return abs(c.red() - ref.red()) + abs(c.green() - ref.green()) + abs(c.blue() - ref.blue()) < tol


def test_map_paints_circle_points_inside_green_outside_red(qtbot) -> None:  # type: ignore[no-untyped-def]
    office = MapOffice("Kantor Utama", *OFFICE, 100.0)
    spots = [(20, 10, True), (-50, 30, True), (0, -70, True), (150, 0, False), (-120, -200, False)]
    points = [MapPoint(*offset_m(*OFFICE, north_m=n, east_m=e), inside=inside) for n, e, inside in spots]
    far = MapPoint(*offset_m(*OFFICE, north_m=20_000, east_m=0), inside=False)  # another town
    view = MapView()
    qtbot.addWidget(view)
    view.resize(500, 420)
    view.set_data(MapData((office,), (*points, far)))
    img = view.grab().toImage()
    img.save(str(shots_dir() / "map_points.png"))
    assert view.drawn_points == 6 and view.clamped_points == 1
    for p, (_n, _e, inside) in zip(points, spots, strict=True):
        pos = view.to_pixel(p.lat, p.lon)
        assert _near(_colour(img, pos.x(), pos.y()), INSIDE if inside else OUTSIDE), (p, inside)
    # the circle is the radius: just inside it is tinted, just outside it is the background
    centre = view.to_pixel(*OFFICE)
    r_px = 100.0 / view.metres_per_pixel()
    assert r_px > 40  # the far punch did not shrink the office to a dot
    inside_px = _colour(img, centre.x(), centre.y() - r_px + 4)
    outside_px = _colour(img, centre.x(), centre.y() - r_px - 4)
    assert _near(outside_px, QColor("#f3f1ec"), 12)  # plain background just outside
    tint = (inside_px.blue() - inside_px.red()) - (outside_px.blue() - outside_px.red())
    assert tint >= 10 and inside_px.red() < outside_px.red() - 20, (inside_px.name(), outside_px.name())  # blue fill
    # the scale bar says how long it is
    length_m = float(view.scale_label.split()[0]) * (1000 if view.scale_label.endswith("km") else 1)
    assert abs(view.scale_pixels * view.metres_per_pixel() - length_m) < 0.01


def test_empty_map_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = MapView()
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.grab()
    assert view.drawn_points == 0


def test_first_run_shows_and_checks_the_office_on_the_map(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    from desktop.first_run import FirstRunDialog

    dlg = FirstRunDialog(db)
    qtbot.addWidget(dlg)
    assert "belum diisi" in dlg.office_check.text() and dlg.map.data.offices == ()
    dlg.code.setText("BAPPEDA")
    dlg.name.setText("Badan Perencanaan Pembangunan Daerah")
    dlg.password.setText("rahasia1")
    dlg.password2.setText("rahasia1")
    dlg.submit()
    assert "Koordinat kantor belum diisi" in dlg.error.text()
    with db.session() as s:
        assert s.execute(select(func.count(Opd.id))).scalar() == 0
    dlg.lat.setValue(8.5)  # Flores without its minus sign
    dlg.lon.setValue(121.0)
    assert "Tanda minus" in dlg.office_check.text() and dlg.map.data.offices == ()
    dlg.lat.setValue(-8.5)
    dlg.radius.setValue(150)  # above the region's 100 m: refused (the regional radius is a maximum)
    assert "melebihi radius presensi daerah 100 m" in dlg.office_problem() and dlg.map.data.offices == ()
    dlg.radius.setValue(100)
    assert dlg.office_problem() == ""
    [office] = dlg.map.data.offices
    assert (office.lat, office.lon, office.radius_m) == (-8.5, 121.0, 100.0)
    dlg.show()
    img = dlg.map.grab().toImage()
    centre = dlg.map.to_pixel(-8.5, 121.0)
    r_px = 100.0 / dlg.map.metres_per_pixel()
    assert not _near(_colour(img, centre.x(), centre.y() - r_px + 4), QColor("#f3f1ec"), 12)  # the circle is drawn
    dlg.submit()
    assert dlg.result() == FirstRunDialog.DialogCode.Accepted


def test_mobile_import_map_shows_that_imports_punches(qtbot, db, org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from desktop.views.mobile_import import MobileImportView
    from services.store.models import Employee
    from tests.gui_helpers import make_context
    from tests.mobile_fixtures import csv_text, row, synthetic_face, write_zip

    with db.session() as s:
        staff = [(e.nip, e.phones[0].phone_id) for e in s.execute(select(Employee).order_by(Employee.id)).scalars()]
    far = offset_m(*OFFICE, north_m=0, east_m=450)
    rows = [row(staff[1][0], "2026-03-02 07:10:00", "a.jpg", phone=staff[1][1]),
            row(staff[2][0], "2026-03-02 07:12:00", "b.jpg", phone=staff[2][1], lat=far[0], lon=far[1])]
    path = write_zip(tmp_path / "bundel.zip", {"presensi.csv": csv_text(rows), "a.jpg": synthetic_face(100, 1),
                                               "b.jpg": synthetic_face(200, 1)})
    view = MobileImportView(make_context(db, "operator"))
    qtbot.addWidget(view)
    assert view.load_bundle(path)
    view.run_checks.setChecked(False)
    view.start_import()
    qtbot.waitUntil(lambda: view.op is None, timeout=30000)
    dialog = view.map_button.show_map()
    assert dialog is not None
    data = dialog.map.data
    assert (data.inside, data.outside, len(data.offices)) == (1, 1, 2)  # the org has two office locations
    assert "1 di dalam radius" in dialog.summary.text() and "1 di luar radius" in dialog.summary.text()
    dialog.show()
    qtbot.waitExposed(dialog)
    img = dialog.map.grab().toImage()
    img.save(str(shots_dir() / "mobile_map.png"))
    for p in data.points:
        pos = dialog.map.to_pixel(p.lat, p.lon)
        assert _near(_colour(img, pos.x(), pos.y()), INSIDE if p.inside else OUTSIDE), p
    assert dialog.map.drawn_points == 2
    dialog.close()
