"""Settings screen: the selected policy's values with their sources; unverified ones coloured and counted."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.views.settings import SettingsView
from services.policy.model import load_policy
from tests.gui_helpers import make_context


def test_sources_dialog_marks_and_counts_unverified_values(qtbot, db, org, memory_keyring) -> None:
    ctx = make_context(db, "admin")
    view = SettingsView(ctx)
    qtbot.addWidget(view)
    view.refresh()
    view.f_policy.setCurrentIndex(view.f_policy.findData("kalimantan_utara"))
    policy = load_policy("kalimantan_utara")
    n, total = len(policy.unverified()), len(policy.value_sources)
    assert 0 < n < total
    assert f"{n} dari {total} nilai kebijakan belum bersumber" in view.policy_note.text()
    dialog = view.show_sources()
    assert dialog is not None
    qtbot.addWidget(dialog)
    model = dialog.model
    assert model.rowCount() == total
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    flagged = [r for r in rows if r[0] == "⚠ asumsi"]
    assert len(flagged) == n and rows[:n] == flagged  # the values to check come first
    friday = next(r for r in rows if r[1] == "Jam pulang Jumat")
    assert friday[0] == "⚠ asumsi" and friday[2] == "16.30" and "asumsi, periksa Perkada" in friday[3]
    start = next(r for r in rows if r[1] == "Jam masuk")
    assert start[0] == "bersumber" and start[2] == "07.30" and "07.30-16.00 WITA" in start[3]
    first_bg = model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole)
    last_bg = model.index(total - 1, 1).data(Qt.ItemDataRole.BackgroundRole)
    assert first_bg is not None and last_bg is None
    assert f"{n} dari {total}" in dialog.summary.text()
