"""The BKPSDM screen (pytest-qt, offscreen) against the real central PostgreSQL server, with frozen clocks.

Submission and review times are fixed as if the server had stamped them, so the board's verdicts
are known: on time / late against the 10th in each OPD's own zone, returned, accepted, missing
(and "past the deadline" only once the app's clock says so).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from desktop.views.bkpsdm import BkpsdmView
from services.auth.users import create_user
from services.central.bkpsdm_login import bkpsdm_url
from services.clock import FrozenClock
from services.secrets import get_secret
from tests.central_fixtures import fake_bundle, insert_stamped, make_central, review_stamped
from tests.gui_helpers import make_context

pytestmark = pytest.mark.postgres
WIB = ZoneInfo("Asia/Jakarta")


def at(text: str, zone: ZoneInfo = WIB) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.fixture(scope="module")
def central(pg_admin_url):
    opds = {"a": ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah"), "b": ("DINKES", "Dinas Kesehatan"),
            "c": ("DISDIK", "Dinas Pendidikan"), "d": ("DISHUB", "Dinas Perhubungan"),
            "e": ("DPMPTSP", "Dinas Penanaman Modal dan PTSP"),
            "f": ("SATPOLPP", "Satuan Polisi Pamong Praja", "Asia/Jayapura")}
    with make_central(pg_admin_url, opds, prefix="bkview") as c:
        def put(code: str, when: dt.datetime, revision: int = 1, reason: str = "") -> int:
            payload, files = fake_bundle(code, f"%PDF-1.4 {code} r{revision}".encode(), revision=revision,
                                         reason=reason, summary=[{"nip": f"19800101200501{i:04d}", "name": f"P {i}",
                                                                  "counts": {"H": 20}, "tpp_base": 1_000_000,
                                                                  "tpp_net": 990_000, "deduction_rp": 10_000}
                                                                 for i in range(3)])
            return insert_stamped(c.admin, payload, files, when)

        put("BAPPEDA", at("2026-11-08 10:00"))
        put("DINKES", at("2026-11-11 09:00"))
        returned = put("DISDIK", at("2026-11-09 08:00"))
        review_stamped(c.admin, returned, "returned", "SPTJM belum ditandatangani kepala", at("2026-11-10 14:00"))
        accepted = put("DISHUB", at("2026-11-07 08:00"))
        review_stamped(c.admin, accepted, "accepted", "", at("2026-11-09 11:00"))
        # 22.30 WIB on the 10th is 00.30 WIT on the 11th: late for an office in Jayapura
        put("SATPOLPP", at("2026-11-10 22:30"))
        yield c


@pytest.fixture
def reviewer(db, org):
    with db.transaction() as s:
        create_user(s, "peninjau", "Peninjau BKPSDM", "rahasia123", ["bkpsdm"])
    db.clock = FrozenClock("2026-11-12 09:00")
    return make_context(db, "peninjau")


def _wait(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: view.op is not None and not view.op.running, timeout=30000)


def _statuses(view) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.opd.code: r.label for r in view.board}


def test_board_for_a_frozen_clock_then_decide_verify_and_export(qtbot, central, reviewer, tmp_path):
    view = BkpsdmView(reviewer)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    assert view.period() == (2026, 10)  # last month of the frozen 12 November
    url, pw = central.login("bk")
    view.connect_with(url, pw, remember=True)
    _wait(qtbot, view)
    qtbot.waitUntil(lambda: len(view.board) == 6, timeout=30000)
    assert _statuses(view) == {"BAPPEDA": "Tepat waktu", "DINKES": "Terlambat", "DISDIK": "Dikembalikan",
                               "DISHUB": "Diterima", "DPMPTSP": "Belum mengirim — lewat batas",
                               "SATPOLPP": "Terlambat"}
    assert "batas 10-11-2026, per 12-11-2026" in view.counts.text() and "lewat batas: 1" in view.counts.text()
    assert bkpsdm_url(reviewer.db) == url and get_secret("central", central.roles["bk"]) == pw
    by = {r.opd.code: r for r in view.board}
    assert by["DISDIK"].timeliness == "tepat waktu" and "SPTJM belum" in by["DISDIK"].latest.review_reason
    view.grab().save(str(tmp_path / "bkpsdm.png"))

    # the same rows seen on the 9th: DPMPTSP is simply not sent yet
    reviewer.db.clock = FrozenClock("2026-11-09 09:00")
    view.reload()
    _wait(qtbot, view)
    assert _statuses(view)["DPMPTSP"] == "Belum mengirim" and "lewat batas" not in view.counts.text()

    assert view.select_opd("DISHUB")
    assert not view.accept_button.isEnabled() and not view.return_button.isEnabled()  # decided already
    assert view.select_opd("BAPPEDA") and view.accept_button.isEnabled()
    view.accept_selected(confirm=False)
    _wait(qtbot, view)  # the review, then the reload it starts
    _wait(qtbot, view)
    assert _statuses(view)["BAPPEDA"] == "Diterima", view.message.text()
    assert view.select_opd("DINKES")
    view.return_selected("Rekap TPP tidak memuat pegawai PPPK")
    _wait(qtbot, view)
    _wait(qtbot, view)
    assert _statuses(view)["DINKES"] == "Dikembalikan"
    history = view.show_history()
    assert history is not None and history.model.rowCount() == 1
    history.close()

    assert view.select_opd("SATPOLPP")
    view.open_selected()
    _wait(qtbot, view)
    verdict = view.last_verdict
    assert verdict is not None
    ok = [t for good, t in verdict.checks if good]
    assert sum(1 for t in ok if "sha256 cocok" in t) == 4 and any("Manifes bundel utuh" in t for t in ok)
    assert not verdict.ok  # the test bundle's "PDF" carries no signature: never "SAH"
    saved = sorted(p.name for p in (reviewer.data_dir / "bkpsdm" / "SATPOLPP_2026-10_r1").iterdir())
    assert saved == ["pengantar_pdf.bin", "recap_pdf.bin", "recap_xlsx.bin", "sptjm_pdf.bin"]
    view._verdict_box.close()

    view.only_accepted.setChecked(True)
    view.export_tpp(tmp_path / "tpp.xlsx")
    _wait(qtbot, view)
    res = view.last_export
    assert res is not None and (res.opds, res.included, res.employees) == (6, 2, 6), view.message.text()


def test_screen_is_closed_to_other_roles(qtbot, db, org):
    view = BkpsdmView(make_context(db, "operator"))
    qtbot.addWidget(view)
    assert view.table is None and view.reload() is None
