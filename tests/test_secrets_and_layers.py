from __future__ import annotations

import ast
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from services import secrets

ROOT = Path(__file__).resolve().parents[1]


def test_services_import_no_qt():
    offenders = []
    for path in (ROOT / "services").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                if n.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "shiboken6", "desktop"):
                    offenders.append(f"{path.relative_to(ROOT)}: {n}")
    assert offenders == []


def test_secret_roundtrip_in_keyring(memory_keyring):
    secrets.set_secret("device", "ABC123", "12345")
    assert secrets.get_secret("device", "ABC123") == "12345"
    assert memory_keyring.backend.store  # stored in the credential store, nowhere else
    secrets.delete_secret("device", "ABC123")
    assert secrets.get_secret("device", "ABC123") is None


def test_no_keyring_backend_refuses_plaintext(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keyring.set_keyring(FailKeyring())
    ok, message = secrets.keyring_status()
    assert not ok and "keyring" in message.lower()
    with pytest.raises(secrets.SecretStoreUnavailable, match="tidak pernah disimpan sebagai teks biasa"):
        secrets.set_secret("device", "X", "rahasia")
    assert secrets.get_secret("device", "X") is None
    assert not any(tmp_path.iterdir())
