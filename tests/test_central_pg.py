"""Central BKPSDM PostgreSQL: real server, fresh database, per-OPD roles with row-level security.

Proves: OPD A cannot read B's rows and cannot UPDATE/DELETE its own; BKPSDM sees all and the
deadline status; duplicate submits are idempotent; a different file for the same revision is
refused; the outbox queues while the server is unreachable and sends once it is reachable;
verify detects a tampered PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from zoneinfo import ZoneInfo

import psycopg
import pytest

from services.central import admin
from services.central.client import (
    SubmissionRefused,
    connect,
    fetch_submission,
    period_status,
    submit,
)
from services.central.outbox import enqueue_submission, flush_outbox, outbox_rows, retry_item
from services.central.verify import verify_file, verify_submission
from services.reports.monthly import generate_monthly_report
from services.signing.service import sign_report
from services.signing.settings import SETTING_TRUST, set_setting
from services.store.models import OutboxItem, Period, Report
from tests.central_fixtures import fake_bundle
from tests.frozen import make_certs
from tests.report_fixtures import lock_period, recap_rows, tamper, user

pytestmark = pytest.mark.postgres

PW_A, PW_B, PW_BK = "sandi-opd-a", "sandi-opd-b", "sandi-bkpsdm"


@pytest.fixture(scope="module")
def central(pg_admin_url):
    """A uniquely named central DB with two OPD roles and a BKPSDM role; all dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    name = f"presensi_central_test_{suffix}"
    roles = {"a": f"opd_a_{suffix}", "b": f"opd_b_{suffix}", "bk": f"bkpsdm_{suffix}"}
    url = admin.create_database(pg_admin_url, name)
    try:
        assert admin.migrate_central(url) == "c0002"
        admin.register_opd(url, "DISKOMINFO", "Dinas Komunikasi dan Informatika", roles["a"], PW_A)
        admin.register_opd(url, "DINKES", "Dinas Kesehatan", roles["b"], PW_B, timezone="Asia/Jakarta")
        admin.register_bkpsdm(url, roles["bk"], PW_BK)
        yield {"admin": url, "a": admin.with_user(url, roles["a"]), "b": admin.with_user(url, roles["b"]),
               "bk": admin.with_user(url, roles["bk"]), "roles": roles}
    finally:
        admin.drop_database(pg_admin_url, name)
        for role in roles.values():
            admin.drop_role(pg_admin_url, role)


def _submit(conn, opd: str, pdf: bytes, **kw):
    payload, files = fake_bundle(opd, pdf, **kw)
    return submit(conn, payload, files)


def test_rls_isolation_insert_only_and_idempotency(central):
    with connect(central["a"], PW_A) as a, connect(central["b"], PW_B) as b:
        pdf_a, pdf_b = b"%PDF-1.4 laporan A", b"%PDF-1.4 laporan B"
        first = _submit(a, "DISKOMINFO", pdf_a)
        assert not first.existed
        again = _submit(a, "DISKOMINFO", pdf_a)
        assert again.existed and again.submission_id == first.submission_id  # idempotent retry
        with pytest.raises(SubmissionRefused, match="bundel lain"):
            _submit(a, "DISKOMINFO", b"%PDF-1.4 laporan A versi lain")
        with pytest.raises(SubmissionRefused, match="alasan|revision_needs_reason|menolak"):
            _submit(a, "DISKOMINFO", pdf_a, revision=2)  # a new revision needs a reason
        rev2 = _submit(a, "DISKOMINFO", pdf_a + b"2", revision=2, reason="Koreksi")
        assert rev2.submission_id != first.submission_id
        _submit(b, "DINKES", pdf_b)

        # A cannot insert rows for B, and cannot read them.
        with pytest.raises(SubmissionRefused):
            _submit(a, "DINKES", pdf_a, month=9)
        assert fetch_submission(a, "DINKES", 2026, 10) is None
        assert [r[0] for r in a.execute("SELECT DISTINCT opd_code FROM submission").fetchall()] == ["DISKOMINFO"]
        assert a.execute("SELECT count(*) FROM opd").fetchone()[0] == 1
        a.rollback()
        # ... and cannot change or delete its own rows.
        for stmt in ("UPDATE submission SET reason = 'x' WHERE opd_code = 'DISKOMINFO'",
                     "DELETE FROM submission WHERE opd_code = 'DISKOMINFO'",
                     "TRUNCATE submission"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                a.execute(stmt)
            a.rollback()
        # The server stamps submitted_at itself: a client cannot backdate it.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            a.execute("INSERT INTO submission (opd_code, year, month, revision, sha256, signed_pdf, signer_subject,"
                      " signer_cert_pem, summary, employee_count, submitted_at) VALUES ('DISKOMINFO', 2026, 8, 1,"
                      " %s, %s, 'x', 'x', '[]', 0, '2026-09-01')", (hashlib.sha256(b"z").hexdigest(), b"z"))
        a.rollback()

    # Even the owner cannot update (trigger), so history is append-only.
    with psycopg.connect(central["admin"]) as owner:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            owner.execute("UPDATE submission SET reason = 'x'")


def test_bkpsdm_sees_everything_and_the_deadline(central):
    with connect(central["bk"], PW_BK) as bk:
        codes = {r[0] for r in bk.execute("SELECT opd_code FROM submission").fetchall()}
        bk.rollback()
        assert {"DISKOMINFO", "DINKES"} <= codes
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bk.execute("DELETE FROM submission")
        bk.rollback()
        status = {s.opd_code: s for s in period_status(bk, 2026, 10)}
        assert status["DISKOMINFO"].deadline == dt.date(2026, 11, 10)
        assert status["DISKOMINFO"].latest_revision == 2
        # the server stamps submitted_at; on time exactly when that stamp's date is on/before the 10th
        first = status["DISKOMINFO"].first_submitted_at
        assert first is not None
        assert status["DISKOMINFO"].on_time == (first.astimezone(ZoneInfo("Asia/Jakarta")).date() <= dt.date(2026, 11, 10))
        # the server's own date (not this machine's) decides which month is "current" below
        today = bk.execute("SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date").fetchone()[0]
        bk.rollback()
        # a period whose deadline is still ahead: nobody has submitted yet -> not on time, no timestamp
        future = period_status(bk, today.year + 1, 1)
        assert all(s.first_submitted_at is None and not s.on_time for s in future)
    # and a submission made now for the current month (by the server's clock) is on time
    now = today
    pdf = b"%PDF-1.4 bulan berjalan"
    with connect(central["b"], PW_B) as b:
        _submit(b, "DINKES", pdf, year=now.year, month=now.month)
    with connect(central["bk"], PW_BK) as bk:
        cur = {s.opd_code: s for s in period_status(bk, now.year, now.month)}
    assert cur["DINKES"].on_time and cur["DINKES"].first_submitted_at is not None
    assert not cur["DISKOMINFO"].on_time and cur["DISKOMINFO"].first_submitted_at is None


@pytest.fixture(scope="module")
def certs():
    return make_certs(signer_name="Kepala Dinas Uji")


def _signed_report(db, org, certs, tmp_path, month=11):
    # a monthly report is made for a month that has ended: move the office clock past it when needed
    after = dt.date(2026 + month // 12, month % 12 + 1, 1)
    if db.clock.today() < after:
        db.clock.set(dt.datetime.combine(after, dt.time(8, 0)))
    lock_period(db, org.opd_id, 2026, month)
    info = generate_monthly_report(db, org.opd_id, 2026, month, user(db, "operator"), rows=recap_rows(db))
    p12, ca = certs.write(tmp_path)
    set_setting(db, SETTING_TRUST, str(ca), "admin")
    sign_report(db, info.report_id, user(db, "kepala"), p12, certs.passphrase)
    return info, ca


def test_outbox_offline_then_online_then_verify(central, db, org, certs, tmp_path, clock):
    info, ca = _signed_report(db, org, certs, tmp_path)
    kepala = user(db, "kepala")
    item_id = enqueue_submission(db, info.report_id, kepala)
    assert enqueue_submission(db, info.report_id, kepala) == item_id  # same key -> same item
    with db.session() as s:
        assert s.get(Report, info.report_id).status == "queued"

    # Offline: nothing listens on port 9 of the loopback.
    offline_url = admin.with_user(central["a"], central["roles"]["a"], port=9)
    clock.set("2026-12-02 08:00")  # November's report is made after the month ended
    t0 = clock.now()
    res = flush_outbox(db, url=offline_url, password=PW_A, connect_timeout=2)
    assert res.still_queued == 1 and res.sent == 0
    with db.session() as s:
        item = s.get(OutboxItem, item_id)
        assert item.status == "pending" and item.attempts == 1 and item.next_attempt_at == t0 + dt.timedelta(seconds=30)
        assert "tidak dapat dihubungi" in item.last_error
    # Not due yet -> untouched; a second failure doubles the delay.
    clock.set(t0 + dt.timedelta(seconds=10))
    assert flush_outbox(db, url=offline_url, password=PW_A).still_queued == 0
    clock.set(t0 + dt.timedelta(seconds=31))
    flush_outbox(db, url=offline_url, password=PW_A, connect_timeout=2)
    with db.session() as s:
        assert s.get(OutboxItem, item_id).next_attempt_at == t0 + dt.timedelta(seconds=31 + 60)

    # The server is reachable again: the user presses "Coba lagi" (due now) and it is sent.
    retry_item(db, item_id, kepala)
    res = flush_outbox(db, url=central["a"], password=PW_A)
    assert res.sent == 1, res.messages
    with db.session() as s:
        rep = s.get(Report, info.report_id)
        assert rep.status == "submitted" and s.get(Period, rep.period_id).status == "submitted"
        assert s.get(OutboxItem, item_id).status == "sent"
        signed_sha = rep.signed_sha256
    assert outbox_rows(db, org.opd_id)[0].status == "sent"

    # Lost acknowledgement: the same item sent again is recognised as already there (idempotent).
    with db.transaction() as s:
        s.get(OutboxItem, item_id).status = "pending"
    res = flush_outbox(db, url=central["a"], password=PW_A, force=True)
    assert res.already_there == 1 and res.sent == 0
    with connect(central["bk"], PW_BK) as bk:
        n = bk.execute("SELECT count(*) FROM submission WHERE opd_code='DISKOMINFO' AND year=2026 AND month=11")
        assert n.fetchone()[0] == 1
        summary = bk.execute("SELECT summary, employee_count FROM submission WHERE sha256=%s", (signed_sha,)).fetchone()
    assert summary[1] == 12 and {x["nip"] for x in summary[0]} == {r.nip for r in recap_rows(db)}

    # Verify from the central DB: hash + signature + stored certificate, with the test CA trusted.
    verdict = verify_submission(central["bk"], "DISKOMINFO", 2026, 11, password=PW_BK, trust_roots=[ca])
    assert verdict.ok, verdict.text()
    assert "SAH" in verdict.text() and "pdfsig" in verdict.text()
    # OPD B may not even see it.
    assert not verify_submission(central["b"], "DISKOMINFO", 2026, 11, password=PW_B, trust_roots=[ca]).ok

    # Tampering by someone with superuser rights (bytes, hash and manifest rewritten consistently) is still
    # caught: by the signature, and by the SPTJM that lists the original recap's sha256.
    with psycopg.connect(central["admin"], autocommit=True) as owner:
        pdf, manifest = owner.execute("SELECT signed_pdf, manifest FROM submission WHERE sha256=%s",
                                      (signed_sha,)).fetchone()
        bad = tamper(bytes(pdf))
        bad_sha = hashlib.sha256(bad).hexdigest()
        bad_manifest = manifest.replace(signed_sha, bad_sha).replace(f'"size":{len(pdf)}', f'"size":{len(bad)}')
        owner.execute("ALTER TABLE submission DISABLE TRIGGER USER")
        owner.execute("UPDATE submission SET signed_pdf=%s, sha256=%s, manifest=%s, bundle_sha256=%s WHERE sha256=%s",
                      (bytes(bad), bad_sha, bad_manifest, hashlib.sha256(bad_manifest.encode()).hexdigest(),
                       signed_sha))
        owner.execute("ALTER TABLE submission ENABLE TRIGGER USER")
    verdict = verify_submission(central["bk"], "DISKOMINFO", 2026, 11, password=PW_BK, trust_roots=[ca])
    assert not verdict.ok and "TIDAK SAH" in verdict.text()
    assert any(not ok and "TIDAK cocok" in t for ok, t in verdict.checks)
    assert any(not ok and "SPTJM" in t for ok, t in verdict.checks)


def test_verify_local_file_detects_tampering(db, org, certs, tmp_path):
    info, ca = _signed_report(db, org, certs, tmp_path, month=12)
    with db.session() as s:
        rep = s.get(Report, info.report_id)
        signed = info.pdf_path.with_name(info.pdf_path.stem + "_ttd.pdf")
        sha = rep.signed_sha256
    good = verify_file(signed, [ca], expected_sha256=sha)
    assert good.ok, good.text()
    bad_path = tmp_path / "ubah.pdf"
    bad_path.write_bytes(tamper(signed.read_bytes()))
    bad = verify_file(bad_path, [ca], expected_sha256=sha)
    assert not bad.ok
    failed = [t for ok, t in bad.checks if not ok]
    assert any("BERBEDA" in t for t in failed) and any("TIDAK cocok" in t for t in failed)
    assert any("pdfsig" in t for t in failed)
    assert not verify_file(signed, []).ok  # no trusted CA given -> never "SAH"


def test_refused_submission_is_marked_failed(central, db, org, certs, tmp_path):
    """A different signed file for a revision that is already at the centre is refused, not retried."""
    info, _ca = _signed_report(db, org, certs, tmp_path, month=9)
    pdf = b"%PDF-1.4 kiriman lama"
    with connect(central["a"], PW_A) as a:
        _submit(a, "DISKOMINFO", pdf, month=9)
    item_id = enqueue_submission(db, info.report_id, user(db, "operator"))
    res = flush_outbox(db, url=central["a"], password=PW_A)
    assert res.failed == 1 and res.sent == 0
    with db.session() as s:
        item = s.get(OutboxItem, item_id)
        assert item.status == "failed" and "revisi baru" in item.last_error
    assert json.loads(item.payload_json)["revision"] == 1


def test_demo_setup_wires_local_db_to_a_central_db(pg_admin_url, db, org, certs, tmp_path):
    from services.demo.central import setup_demo_central

    suffix = uuid.uuid4().hex[:8]
    name = f"presensi_demo_test_{suffix}"
    try:
        demo = setup_demo_central(db, pg_admin_url, dbname=name, role_suffix=suffix)
        assert demo.password_in_keyring  # the test keyring is in memory
        info, ca = _signed_report(db, org, certs, tmp_path, month=8)
        enqueue_submission(db, info.report_id, user(db, "kepala"))
        assert flush_outbox(db).sent == 1  # URL from Setting, password from keyring
        from services.central.outbox import central_password

        verdict = verify_submission(demo.bkpsdm_url, "DISKOMINFO", 2026, 8,
                                    password=central_password(demo.bkpsdm_url), trust_roots=[ca], use_pdfsig=False)
        assert verdict.ok, verdict.text()
    finally:
        admin.drop_database(pg_admin_url, name)
        admin.drop_role(pg_admin_url, f"opd_diskominfo_{suffix}")
        admin.drop_role(pg_admin_url, f"bkpsdm_{suffix}")
