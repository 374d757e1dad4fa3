from __future__ import annotations

from sqlalchemy import func, select

from desktop.first_run import FirstRunDialog
from desktop.theme import apply
from services.auth.users import authenticate
from services.store.models import Holiday, OfficeLocation, Opd, Schedule
from tests.shots import shots_dir


def test_first_run_creates_opd_admin_and_calendar(qtbot, db, qapp):
    apply(qapp)
    dlg = FirstRunDialog(db)
    qtbot.addWidget(dlg)
    dlg.code.setText("BAPPEDA")
    dlg.name.setText("Badan Perencanaan Pembangunan Daerah")
    dlg.region.setText("PEMERINTAH KABUPATEN SAMBAS")
    dlg.policy.setCurrentIndex(dlg.policy.findData("sambas"))
    dlg.lat.setValue(1.3625)
    dlg.lon.setValue(109.3017)
    dlg.admin_name.setText("Admin Bappeda")
    dlg.password.setText("rahasia1")
    dlg.password2.setText("rahasia2")
    dlg.submit()
    assert "tidak sama" in dlg.error.text() and dlg.result() != FirstRunDialog.DialogCode.Accepted
    with db.session() as s:
        assert s.execute(select(func.count(Opd.id))).scalar() == 0
    dlg.password2.setText("rahasia1")
    dlg.grab().save(str(shots_dir() / "first_run.png"))
    dlg.submit()
    assert dlg.result() == FirstRunDialog.DialogCode.Accepted
    with db.transaction() as s:
        opd = s.execute(select(Opd)).scalar_one()
        assert (opd.code, opd.policy_preset) == ("BAPPEDA", "sambas")
        assert s.execute(select(OfficeLocation.radius_m)).scalar_one() == 100.0
        assert s.execute(select(func.count(Schedule.id))).scalar() > 0
        assert s.execute(select(func.count(Holiday.id))).scalar() > 20
        assert authenticate(s, "admin", "rahasia1").has("admin")


def test_first_run_refuses_bad_code(qtbot, db, qapp):
    dlg = FirstRunDialog(db)
    qtbot.addWidget(dlg)
    dlg.code.setText("kode ber spasi")
    dlg.name.setText("X")
    dlg.password.setText("rahasia1")
    dlg.password2.setText("rahasia1")
    dlg.submit()
    assert "Kode OPD" in dlg.error.text()
    with db.session() as s:
        assert s.execute(select(func.count(Opd.id))).scalar() == 0


def test_first_run_takes_the_region_time_zone_and_radius_maximum(qtbot, db, qapp):
    dlg = FirstRunDialog(db)
    qtbot.addWidget(dlg)
    dlg.policy.setCurrentIndex(dlg.policy.findData("kalimantan_utara"))
    assert dlg.tz.currentData() == "Asia/Makassar"  # Kaltara: WITA devices
    dlg.lat.setValue(2.8375)
    dlg.lon.setValue(117.3761)
    dlg.radius.setValue(150)
    assert "melebihi radius presensi daerah 100 m" in dlg.office_problem()
    dlg.radius.setValue(100)
    assert dlg.office_problem() == ""
