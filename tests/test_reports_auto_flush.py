"""The outbox timer on the Laporan screen: a database that cannot be reached skips the tick quietly
(no crash dialog every minute while the OPD's PostgreSQL server is away)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import OperationalError

import desktop.views.reports as reports
from desktop.views.reports import ReportsView
from tests.gui_helpers import make_context


def test_an_unreachable_database_skips_the_outbox_tick(qtbot, db, org, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    view = ReportsView(make_context(db, "admin"))
    qtbot.addWidget(view)

    def away(_db: object) -> None:
        raise OperationalError("SELECT", {}, Exception("connection refused"))
    monkeypatch.setattr(reports, "central_url", away)
    flushed: list[bool] = []
    monkeypatch.setattr(view, "_flush", lambda force: flushed.append(force))
    with caplog.at_level(logging.WARNING, logger="desktop.views.reports"):
        view.auto_flush()  # must not raise into Qt's event loop
    assert flushed == [] and "tidak terjangkau" in caplog.text
    monkeypatch.setattr(reports, "central_url", lambda _db: None)
    view.auto_flush()
    assert flushed == []


def test_other_errors_still_reach_the_crash_dialog(qtbot, db, org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    view = ReportsView(make_context(db, "admin"))
    qtbot.addWidget(view)
    monkeypatch.setattr(reports, "central_url", lambda _db: (_ for _ in ()).throw(RuntimeError("bug")))
    with pytest.raises(RuntimeError):
        view.auto_flush()
