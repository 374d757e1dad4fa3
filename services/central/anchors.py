"""Audit-chain heads this OPD sent to the central database: anchors the local chain must still contain."""

from __future__ import annotations

import psycopg

from services.auth.audit import Anchor


def central_anchors(conn: psycopg.Connection, opd_code: str) -> list[Anchor]:
    """(event id, hash) sent with every submission of ``opd_code`` (as visible to this login)."""
    rows = conn.execute("SELECT audit_head_id, audit_head_hash, year, month, revision FROM submission "
                        "WHERE opd_code=%s AND audit_head_id IS NOT NULL ORDER BY audit_head_id", (opd_code,)).fetchall()
    conn.rollback()
    return [Anchor(int(i), str(h), f"server pusat ({y}-{m:02d} revisi {r})") for i, h, y, m, r in rows]
