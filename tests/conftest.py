"""Shared fixtures: a fresh migrated SQLite DB per test, a sample org, PostgreSQL access."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt's offscreen screen is 800×800 unless told otherwise: give it the size of the office laptop the app must
# fit (the window clamps itself to its screen). tests/test_screen_xvfb.py checks the same on a real X screen.
_SCREEN = Path(__file__).with_name("offscreen_1366x768.json")
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

from services.clock import FrozenClock  # noqa: E402
from services.demo.sample_org import SampleOrg, create_sample_org  # noqa: E402
from services.store.db import Database  # noqa: E402
from tests.frozen import FROZEN_NOW  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Same argon2id code path, minimal cost parameters: tests create many users."""
    from argon2 import PasswordHasher

    from services.auth import users

    original = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users._hasher = original


@pytest.fixture(autouse=True, scope="session")
def _writes_under_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.shots import set_shots_dir

    set_shots_dir(tmp_path_factory.mktemp("shots"))
    # a command run without --db must not touch the real per-user data folder
    os.environ["PRESENSI_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_NOW, "Asia/Jakarta")


@pytest.fixture(scope="session")
def store_template() -> Iterator[str | None]:
    """The migrated PostgreSQL template database of this session (None when the suite runs on SQLite)."""
    from tests import stores

    if not stores.ON_POSTGRES:
        yield None
        return
    name = stores.create_template()
    yield name
    stores.PREPARED.close()
    stores.drop_database(name)


@pytest.fixture
def db(tmp_path: Path, clock: FrozenClock, store_template: str | None) -> Iterator[Database]:
    """A fresh migrated OPD store: a SQLite file, or (PRESENSI_TEST_STORE=postgresql) a PostgreSQL database."""
    from tests import stores

    database, pg_name = stores.open_test_store(tmp_path, clock, store_template)
    yield database
    database.dispose()
    if pg_name is not None:
        stores.PREPARED.drop_later(pg_name)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, tests that are about the SQLite file itself are skipped (marked sqlite_only)."""
    from tests import stores

    if not stores.ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="SQLite-spesifik (berkas, WAL, trigger SQLite); lihat penanda sqlite_only")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture
def org(db: Database) -> SampleOrg:
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12)


PG_ADMIN_URL = os.environ.get("PRESENSI_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of a superuser connection to the PostgreSQL test server.

    Skips locally when no server runs; in CI (PRESENSI_REQUIRE_POSTGRES=1) a
    missing server is a failure, never a skip.
    """
    import psycopg

    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("PRESENSI_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL wajib tersedia di CI: {exc}")
        pytest.skip(f"PostgreSQL tidak tersedia: {exc}")
    return PG_ADMIN_URL


class MemoryKeyring:
    """In-memory stand-in for the OS credential store (Windows Credential Manager / Secret Service)."""

    def __init__(self) -> None:
        import keyring.backend

        class _Backend(keyring.backend.KeyringBackend):
            priority = 1  # type: ignore[assignment]
            store: dict[tuple[str, str], str] = {}

            def get_password(self, service: str, username: str) -> str | None:
                return self.store.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.store[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                self.store.pop((service, username), None)

        self.backend = _Backend()
        self.backend.store = {}


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    import keyring

    previous = keyring.get_keyring()
    mk = MemoryKeyring()
    keyring.set_keyring(mk.backend)
    yield mk
    keyring.set_keyring(previous)
