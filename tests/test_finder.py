"""Ctrl+K: find an employee (name or NIP, index-friendly NIP prefix) or a screen from anywhere."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import event, select

from desktop.finder import FinderDialog, matching_screens
from desktop.main_window import MainWindow
from services.org.search import find_employees
from services.store.models import Employee
from tests.gui_helpers import make_context
from tests.shots import shots_dir


def _employees(db) -> list[Employee]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return list(s.execute(select(Employee).order_by(Employee.id)).scalars())


@pytest.mark.sqlite_only  # reads SQLite's EXPLAIN QUERY PLAN; PostgreSQL's planner answers differently
def test_nip_prefix_is_an_index_range_and_names_match_word_starts(db, org) -> None:  # type: ignore[no-untyped-def]
    emps = _employees(db)
    target = emps[5]
    statements: list[tuple[str, object]] = []
    engine = db.engine

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with db.session() as s:
            hits = find_employees(s, org.opd_id, target.nip[:10])
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert target.id in [h.id for h in hits]
    assert all(h.nip.startswith(target.nip[:10]) for h in hits[: sum(e.nip.startswith(target.nip[:10]) for e in emps)])
    with engine.connect() as conn:
        sql, params = statements[0]
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "USING INDEX" in plan and "(nip>? AND nip<?)" in plan, plan

    with db.session() as s:
        # a serial in the middle of the NIP is found too (after the prefix matches)
        assert target.id in [h.id for h in find_employees(s, org.opd_id, target.nip[-6:])]
        last = target.name.split()[-1]
        by_word = find_employees(s, org.opd_id, last[:4].lower())
        assert target.id in [h.id for h in by_word]
        assert all(any(w.lower().startswith(last[:4].lower()) for w in h.name.split()) for h in by_word)
        both = find_employees(s, org.opd_id, f"{target.name.split()[0][:3]} {last[:3]}")
        assert target.id in [h.id for h in both]
        assert find_employees(s, org.opd_id, "%") == [] and find_employees(s, org.opd_id, "_") == []
        assert find_employees(s, org.opd_id, "   ") == []


def test_screens_are_found_by_title_and_by_the_words_staff_use() -> None:
    assert ("perangkat", "Perangkat") in matching_screens("mesin")
    assert ("laporan", "Laporan Bulanan") in matching_screens("tanda tangan")
    assert [k for k, _t in matching_screens("rekon")] == ["rekonsiliasi"]
    assert matching_screens("") == []


def test_ctrl_k_opens_the_month_or_the_record_of_an_employee(qtbot, db, org) -> None:  # type: ignore[no-untyped-def]
    target = _employees(db)[4]
    win = MainWindow(make_context(db, "operator"))
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win.nav, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    finder = win.finder
    assert isinstance(finder, FinderDialog) and finder.isVisible()
    qtbot.keyClicks(finder.query, target.nip[:12])
    qtbot.waitUntil(lambda: finder.results.count() > 0 and "—" in finder.results.item(0).text(), timeout=3000)
    finder.grab().save(str(shots_dir() / "finder.png"))
    qtbot.keyClick(finder.query, Qt.Key.Key_Return)
    assert win.current_key() == "rekonsiliasi" and not finder.isVisible()
    rec = win.current_view()
    assert rec.search.text() == target.nip
    assert [rec.model.row_at(r).employee_id for r in range(rec.model.rowCount())] == [target.id]
    assert rec.grid.currentIndex().row() == 0

    # by name, Ctrl+Enter: the employee's record in Pegawai
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win.nav, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    finder = win.finder
    qtbot.keyClicks(finder.query, target.name)
    qtbot.keyClick(finder.query, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert win.current_key() == "pegawai"
    view = win.current_view()
    assert view.selected_employee() == (target.id, target.name)

    # a screen
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win.nav, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    finder = win.finder
    qtbot.keyClicks(finder.query, "mesin")
    qtbot.keyClick(finder.query, Qt.Key.Key_Return)
    assert win.current_key() == "perangkat"
    win.close()
