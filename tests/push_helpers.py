"""Shared pieces of the push receiver tests: a plain HTTP client, users, counting punches."""

from __future__ import annotations

import http.client as httpclient
import time
from collections.abc import Callable

from sqlalchemy import func, select

from services.auth.users import CurrentUser
from services.devices import push_store
from services.store.db import Database
from services.store.models import Punch

ADMIN = CurrentUser(id=1, username="admin", full_name="Admin", roles=frozenset({"admin"}))
OPERATOR = CurrentUser(id=2, username="operator", full_name="Operator", roles=frozenset({"operator"}))


def http(port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
         ) -> tuple[int, str]:
    conn = httpclient.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8")
    finally:
        conn.close()


def punch_count(db: Database, serial: str | None = None) -> int:
    with db.session() as s:
        q = select(func.count()).select_from(Punch)
        if serial:
            q = q.where(Punch.source_serial == serial)
        return int(s.execute(q).scalar_one())


def distinct_keys(db: Database) -> int:
    with db.session() as s:
        return len(set(s.execute(select(Punch.source_serial, Punch.pin, Punch.ts)).all()))


def register(db: Database, serial: str) -> None:
    """The serial called in once (as a handshake would leave it): pending."""
    with push_store.write_transaction(db) as s:
        push_store.register_contact(s, serial, "127.0.0.1", "2.4.1", db.clock.now(), 50)


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll with sleeps (timed lock waits never return under libfaketime, which CI runs the suite with)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
