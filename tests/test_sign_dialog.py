"""The sign action in Laporan Bulanan: backend choice, passphrase each time, confirmation text, background
operations, the level shown, and the 'status unknown' state after a timeout (real emulator over HTTP)."""

from __future__ import annotations

import pytest

import desktop.views.sign_dialog as sign_dialog
from desktop.views.reports import ReportsView
from desktop.views.sign_dialog import SignChoice, SignDialog, SignFlow
from services.signing.backends import Credential
from services.signing.esign_client import Secret
from services.signing.service import pending_attempt
from services.store.models import Report
from tests.gui_helpers import make_context
from tests.signing_support import API_PASSWORD, NIK, PASSPHRASE, configure

pytest_plugins = ["tests.signing_fixtures"]


def _settled(qtbot, view, timeout: int = 30000) -> str:
    """Wait until the last operation ended with a message (success or refusal) and return it."""
    qtbot.waitUntil(lambda: view.op is not None and not view.op.running and view.message.text() != "", timeout=timeout)
    return view.message.text()


@pytest.fixture
def screen(qtbot, draft, esign, monkeypatch):
    configure(draft.db, password=API_PASSWORD)  # the esign client password, in the (test) keyring
    ctx = make_context(draft.db, "kepala")
    view = ReportsView(ctx)
    qtbot.addWidget(view)
    view.year.setValue(2026)
    view.month.setCurrentIndex(9)
    asked: list[str] = []
    monkeypatch.setattr(sign_dialog, "ask_confirmation", lambda _parent, text: asked.append(text) or True)
    return view, asked


def test_dialog_offers_three_ways_and_builds_the_choice(qtbot, draft, esign):
    dialog = SignDialog("", None, esign_url=esign.url, esign_identity=NIK)
    qtbot.addWidget(dialog)
    assert [dialog.group.button(i).text() for i in range(3)][1] == "Server esign BSrE daerah"
    assert dialog.backend_key() == "esign" and dialog.identity.text() == NIK
    dialog.secret.setText(PASSPHRASE)
    choice = dialog.choice()
    assert choice.backend == "esign" and choice.credential.passphrase.reveal() == PASSPHRASE
    assert PASSPHRASE not in repr(choice)
    dialog.use_totp.setChecked(True)
    assert dialog.choice().credential.totp is not None and dialog.choice().credential.passphrase is None
    dialog.group.button(2).setChecked(True)
    assert dialog.pages.currentIndex() == 2 and dialog.backend_key() == "elsewhere"


def test_esign_signing_confirms_runs_in_background_and_shows_the_level(qtbot, screen, draft):
    view, asked = screen
    SignFlow(view, draft.report_id).run(SignChoice("esign", identity=NIK,
                                                   credential=Credential(passphrase=Secret(PASSPHRASE))))
    qtbot.waitUntil(lambda: bool(asked) or (view.message.text() != "" and not view.op.running), timeout=30000)
    message = _settled(qtbot, view)
    assert "berhasil ditandatangani" in message, message
    assert len(asked) == 1
    assert asked[0].startswith("Laporan bulan Oktober 2026 (revisi 1) akan ditandatangani oleh ")
    assert f"sertifikat BSrE milik NIK {NIK}" in asked[0] and asked[0].endswith("tidak dapat dibatalkan.")
    assert "tingkat PAdES B-LT" in view.message.text()
    view.refresh()
    assert "PAdES B-LT" in view.sign_status.text() and "server esign BSrE" in view.sign_status.text()
    with draft.db.session() as s:
        assert s.get(Report, draft.report_id).status == "signed"


def test_declined_confirmation_signs_nothing(qtbot, screen, draft, monkeypatch):
    view, _asked = screen
    monkeypatch.setattr(sign_dialog, "ask_confirmation", lambda _parent, _text: False)
    SignFlow(view, draft.report_id).run(SignChoice("esign", identity=NIK,
                                                   credential=Credential(passphrase=Secret(PASSPHRASE))))
    assert _settled(qtbot, view) == "Tidak ditandatangani."
    with draft.db.session() as s:
        assert s.get(Report, draft.report_id).status == "draft"


def test_timeout_shows_status_unknown_in_the_screen(qtbot, screen, draft, esign):
    view, _asked = screen
    configure(draft.db, esign_timeout=5.0)
    esign.emulator.delay = 6.0
    try:
        SignFlow(view, draft.report_id).run(SignChoice("esign", identity=NIK,
                                                       credential=Credential(passphrase=Secret(PASSPHRASE))))
        qtbot.waitUntil(lambda: view.op is not None and view.op.title == "Menandatangani laporan", timeout=30000)
        assert "TIDAK DIKETAHUI" in _settled(qtbot, view, 40000)
    finally:
        esign.emulator.delay = 0
    assert pending_attempt(draft.db, draft.report_id) is not None
    view.refresh()
    assert "TIDAK DIKETAHUI" in view.sign_status.text() and view.sign_button.text() == "Periksa tanda tangan…"
