"""Laporan Bulanan screen: generate -> sign -> queue (no server configured) -> verify, in the real widget."""

from __future__ import annotations

import pytest

from desktop.views.reports import ReportsView, SignDialog
from services.signing.service import SETTING_TRUST, set_setting
from tests.frozen import make_certs
from tests.gui_helpers import ConfirmationAnswerer, make_context
from tests.report_fixtures import lock_period


def _wait(qtbot, view) -> None:
    qtbot.waitUntil(lambda: view.op is not None and not view.op.running, timeout=30000)
    qtbot.waitUntil(lambda: view.strip.isHidden(), timeout=30000)


@pytest.fixture
def view(qtbot, db, org):
    lock_period(db, org.opd_id, 2026, 10)
    ctx = make_context(db, "kepala")
    v = ReportsView(ctx)
    qtbot.addWidget(v)
    v.resize(1180, 760)
    v.year.setValue(2026)
    v.month.setCurrentIndex(9)
    v.show()
    return v


def test_month_flow_in_the_screen(qtbot, view, db, tmp_path):
    assert "Dikunci" in view.period_label.text()
    assert view.gen_button.isEnabled() and not view.sign_button.isEnabled()
    view.gen_button.click()
    _wait(qtbot, view)
    assert "revisi 1 selesai" in view.message.text()
    assert view.rev_model.rowCount() == 1 and view.rev_model.row(0).status == "draft"
    assert view.sign_button.isEnabled()

    certs = make_certs(signer_name="Kepala Dinas Uji")
    p12, ca = certs.write(tmp_path)
    set_setting(db, SETTING_TRUST, str(ca), "admin")
    view.sign_with(p12, "salah", False)
    _wait(qtbot, view)
    assert "kata sandi salah" in view.message.text()
    view.sign_with(p12, certs.passphrase, True)
    _wait(qtbot, view)
    assert view.rev_model.row(0).status == "signed"
    assert "keyring" in view.message.text()
    dialog = SignDialog(str(p12), view)
    assert "tersimpan di keyring" in dialog.hint.text()

    view.verify_button.click()
    _wait(qtbot, view)
    assert view.last_verdict is not None and view.last_verdict.ok, view.last_verdict.text()
    view._verdict_box.close()

    refuse = ConfirmationAnswerer("Batal")
    view.send_button.click()  # asks first; "Batal" sends nothing
    refuse.stop()
    [(title, text, default)] = refuse.seen
    assert title == "Kirim ke BKPSDM" and default == "Batal"
    assert text.startswith("Laporan Oktober 2026 (revisi 1) beserta rekap Excel, SPTJM dan surat pengantar akan "
                           "dikirim ke BKPSDM Kab. Kotawaringin Timur melalui antrean kiriman"), text
    assert "tidak dapat ditarik kembali" in text
    assert view.out_model.rowCount() == 0 and view.rev_model.row(0).status == "signed"
    assert "Tidak dikirim" in view.message.text()

    send = ConfirmationAnswerer("Kirim")
    view.send_button.click()  # no central server configured: stays in the outbox
    send.stop()
    _wait(qtbot, view)
    assert view.out_model.rowCount() == 1 and view.out_model.row(0).status == "pending"
    assert "belum diatur" in view.message.text()
    assert view.rev_model.row(0).status == "queued" and view.retry_button.isEnabled()
    view.grab().save(str(tmp_path / "laporan_bulanan.png"))


def test_open_period_disables_generation(qtbot, db, org):
    lock_period(db, org.opd_id, 2026, 9, status="open")
    v = ReportsView(make_context(db, "operator"))
    qtbot.addWidget(v)
    v.year.setValue(2026)
    v.month.setCurrentIndex(8)
    assert "Terbuka" in v.period_label.text() and not v.gen_button.isEnabled()
    assert not v.sign_button.isEnabled() and not v.send_button.isEnabled()


@pytest.mark.postgres
def test_send_to_central_and_verify_there(qtbot, view, db, tmp_path, pg_admin_url):
    import uuid

    from services.central import admin
    from services.demo.central import setup_demo_central

    suffix = uuid.uuid4().hex[:8]
    name = f"presensi_view_test_{suffix}"
    try:
        setup_demo_central(db, pg_admin_url, dbname=name, role_suffix=suffix)
        view.refresh()
        assert "presensi_view_test" in view.send_status.text()
        view.gen_button.click()
        _wait(qtbot, view)
        certs = make_certs()
        p12, ca = certs.write(tmp_path)
        set_setting(db, SETTING_TRUST, str(ca), "admin")
        view.sign_with(p12, certs.passphrase, False)
        _wait(qtbot, view)
        send = ConfirmationAnswerer("Kirim")
        view.send_button.click()
        send.stop()
        assert "melalui server pusat 127.0.0.1/presensi_view_test" in send.seen[0][1], send.seen
        _wait(qtbot, view)
        assert view.rev_model.row(0).status == "submitted", view.message.text()
        assert view.out_model.row(0).status == "sent" and "1 terkirim" in view.message.text()
        view.verify_button.click()
        _wait(qtbot, view)
        text = view.last_verdict.text()
        assert view.last_verdict.ok and "server pusat: sama persis" in text, text
        view._verdict_box.close()
        view.grab().save(str(tmp_path / "laporan_terkirim.png"))
    finally:
        admin.drop_database(pg_admin_url, name)
        admin.drop_role(pg_admin_url, f"opd_diskominfo_{suffix}")
        admin.drop_role(pg_admin_url, f"bkpsdm_{suffix}")
