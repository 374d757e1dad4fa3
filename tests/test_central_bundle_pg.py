"""Submission bundles and BKPSDM review against the real central PostgreSQL server.

A bundle (signed recap PDF + Excel + SPTJM + surat pengantar + audit head) is submitted, returned
with a reason, answered with revision 2 and accepted; both sides see the history. Row-level
security keeps OPDs apart; submissions and reviews are insert-only; the size bound holds on the
client and on the server; the region-wide TPP table comes from the submitted summary lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import psycopg
import pytest
from openpyxl import load_workbook

from services.auth.audit import chain_head
from services.central.bpkad import export_region_tpp_excel, region_tpp
from services.central.bundle import load_bundle
from services.central.client import (
    MAX_BUNDLE_BYTES,
    BundleTooLarge,
    SubmissionRefused,
    connect,
    fetch_submission,
    submit,
)
from services.central.opd_sync import review_state, sync_reviews
from services.central.outbox import enqueue_submission, flush_outbox
from services.central.reminders import deadline_reminder
from services.central.review import load_board, period_rows, record_review, require_bkpsdm
from services.central.status import LATE, MISSING, ON_TIME, RETURNED, local_date
from services.central.verify import verify_central_submission
from services.clock import FrozenClock
from services.errors import BadInputError, PermissionDeniedError
from services.reports.monthly import generate_monthly_report
from services.signing.service import sign_report
from services.signing.settings import SETTING_TRUST, set_setting
from services.store.models import CentralReview, SubmissionBundle
from tests.central_fixtures import certs_around, fake_bundle, make_central
from tests.report_fixtures import lock_period, recap_rows, user

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def central(pg_admin_url):
    with make_central(pg_admin_url, {"a": ("DISKOMINFO", "Dinas Komunikasi dan Informatika"),
                                     "b": ("DINKES", "Dinas Kesehatan")}, prefix="bundle") as c:
        yield c


@pytest.fixture(scope="module")
def certs():
    return certs_around("2026-11-05 08:00", signer_name="Kepala Dinas Uji")


def _sign(db, info, certs, tmp_path):  # type: ignore[no-untyped-def]
    p12, ca = certs.write(tmp_path)
    set_setting(db, SETTING_TRUST, str(ca), "admin")  # signing refuses a chain it cannot check
    sign_report(db, info.report_id, user(db, "kepala"), p12, certs.passphrase)
    return ca


def _server_today(conn) -> dt.date:  # type: ignore[no-untyped-def]
    """The date of the server's own clock, which stamps submitted_at (not the test's frozen clock)."""
    today = conn.execute("SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date").fetchone()[0]
    conn.rollback()
    return today


def test_submit_return_resubmit_accept_visible_to_both_sides(central, db, org, certs, tmp_path):
    db.clock = FrozenClock("2026-11-05 08:00")
    url_a, pw_a = central.login("a")
    url_bk, pw_bk = central.login("bk")
    lock_period(db, org.opd_id, 2026, 10)
    info = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db))
    ca = _sign(db, info, certs, tmp_path)
    enqueue_submission(db, info.report_id, user(db, "operator"))
    with db.session() as s:
        bundle = s.query(SubmissionBundle).filter_by(report_id=info.report_id).one()
        # the head stored with the bundle is the log as it stood when the bundle was made
        assert (bundle.audit_head_id, bundle.audit_head_hash) != chain_head(s)  # bundle + enqueue events came after
    res = flush_outbox(db, url=url_a, password=pw_a)
    assert res.sent == 1, res.messages

    with connect(url_bk, pw_bk) as bk:
        assert require_bkpsdm(bk) == central.roles["bk"]
        sub = fetch_submission(bk, "DISKOMINFO", 2026, 10)
        assert sub is not None and set(sub.files) == {"recap_pdf", "recap_xlsx", "sptjm_pdf", "pengantar_pdf"}
        assert (sub.audit_head_id, sub.audit_head_hash) == (bundle.audit_head_id, bundle.audit_head_hash)
        assert sub.bundle_sha256 == bundle.bundle_sha256 == hashlib.sha256(sub.manifest.encode()).hexdigest()
        verdict = verify_central_submission(sub, [ca])
        assert verdict.ok, verdict.text()
        assert sum(1 for _ok, t in verdict.checks if "sha256 cocok" in t) == 4
        assert any("SPTJM" in t and "menyebut" in t for ok, t in verdict.checks if ok)
        assert any("Rekap Excel memuat 12 pegawai" in t for ok, t in verdict.checks if ok)
        server_today = _server_today(bk)
        board = {r.opd.code: r for r in load_board(bk, 2026, 10, as_of=dt.date(2026, 11, 5))}
        expected = ON_TIME if local_date(sub.submitted_at, "Asia/Jakarta") <= dt.date(2026, 11, 10) else LATE
        assert server_today == local_date(sub.submitted_at, "Asia/Jakarta")
        assert board["DISKOMINFO"].status == expected and board["DISKOMINFO"].latest.revision == 1
        assert board["DINKES"].status == MISSING and not board["DINKES"].overdue  # 5 Nov: not yet past the 10th
        assert {r.opd.code: r for r in load_board(bk, 2026, 10, as_of=dt.date(2026, 11, 11))}["DINKES"].overdue

        with pytest.raises(BadInputError, match="paling sedikit"):
            record_review(bk, sub.id, "returned", "kurang")
        out = record_review(bk, sub.id, "returned", "Rekap TPP belum memuat 2 pegawai PPPK baru")
        assert not out.existed
        assert record_review(bk, sub.id, "returned", "Rekap TPP belum memuat 2 pegawai PPPK baru").existed
        with pytest.raises(SubmissionRefused, match="tidak dapat diubah"):
            record_review(bk, sub.id, "accepted")
        assert {r.opd.code: r for r in load_board(bk, 2026, 10, dt.date(2026, 11, 5))}["DISKOMINFO"].status == RETURNED

    # An OPD login cannot decide anything.
    with connect(url_a, pw_a) as a, pytest.raises(PermissionDeniedError):
        record_review(a, sub.id, "accepted")

    # The OPD sees the return (and its reason) locally after a sync; the reminder says so too.
    synced = sync_reviews(db, url=url_a, password=pw_a)
    assert synced.new == 1 and "DIKEMBALIKAN" in synced.messages[0] and synced.changes.reports
    assert sync_reviews(db, url=url_a, password=pw_a).new == 0  # insert-only local copy, no duplicates
    with db.session() as s:
        state = review_state(s, org.opd_id, 2026, 10)
        assert state is not None and state.awaiting_answer and "PPPK" in state.reason
        assert state.reviewed_by == central.roles["bk"]
        reminder = deadline_reminder(s, org.opd_id, db.clock.today())
        assert reminder is not None and reminder.stage == "returned" and "PPPK" in reminder.text()

    # Revision 2 answers the return.
    rev2 = generate_monthly_report(db, org.opd_id, 2026, 10, user(db, "operator"), rows=recap_rows(db, seed=8),
                                   reason="Menambah 2 pegawai PPPK sesuai pengembalian BKPSDM")
    assert rev2.revision == 2
    _sign(db, rev2, certs, tmp_path)
    enqueue_submission(db, rev2.report_id, user(db, "operator"))
    assert flush_outbox(db, url=url_a, password=pw_a).sent == 1
    assert load_bundle(db, rev2.report_id).bundle_sha256 != bundle.bundle_sha256

    with connect(url_bk, pw_bk) as bk:
        row = {r.opd.code: r for r in load_board(bk, 2026, 10, dt.date(2026, 11, 5))}["DISKOMINFO"]
        assert row.status == expected and [h.revision for h in row.history] == [1, 2]
        assert row.first_submitted_at == row.history[0].submitted_at  # timeliness from the first submission
        assert row.history[0].decision == "returned" and row.history[1].decision is None
        assert row.history[1].reason.startswith("Menambah 2 pegawai")
        record_review(bk, row.latest.id, "accepted")
        items = region_tpp(bk, 2026, 10, dt.date(2026, 11, 5))

    # Both sides see the whole history: OPD A through its own login (row-level security).
    with connect(url_a, pw_a) as a:
        own = period_rows(a, 2026, 10)
    assert [(h.revision, h.decision) for h in own] == [(1, "returned"), (2, "accepted")]
    assert own[0].review_reason == "Rekap TPP belum memuat 2 pegawai PPPK baru"
    sync_reviews(db, url=url_a, password=pw_a)
    with db.session() as s:
        assert review_state(s, org.opd_id, 2026, 10).decision == "accepted"
        assert s.query(CentralReview).count() == 2
        assert deadline_reminder(s, org.opd_id, db.clock.today()) is None  # last month's report is done

    # BPKAD: the accepted revision's lines, DINKES listed as missing.
    by = {it.status.opd.code: it for it in items}
    assert by["DISKOMINFO"].used.revision == 2 and len(by["DISKOMINFO"].lines) == 12
    assert by["DINKES"].used is None and by["DINKES"].note == "belum mengirim"
    out = export_region_tpp_excel(items, tmp_path / "tpp-daerah.xlsx", year=2026, month=10,
                                  region_name="PEMERINTAH KABUPATEN UJI", generated_at=dt.datetime(2026, 11, 12, 9))
    assert (out.opds, out.included, out.employees) == (2, 1, 12)
    wb = load_workbook(out.path)
    nips = [r[3] for r in wb["TPP 2026-10"].iter_rows(min_row=6, values_only=True) if isinstance(r[0], int)]
    assert sorted(nips) == sorted(r.nip for r in recap_rows(db, seed=8))
    opd_rows = {r[1]: r for r in wb["Rekap OPD"].iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)}
    assert opd_rows["DINKES"][3].startswith("Belum mengirim") and opd_rows["DISKOMINFO"][3] == "Diterima"


def test_rls_isolation_and_insert_only_for_bundles_and_reviews(central):
    url_a, pw_a = central.login("a")
    url_b, pw_b = central.login("b")
    url_bk, pw_bk = central.login("bk")
    payload, files = fake_bundle("DINKES", b"%PDF-1.4 rahasia DINKES", month=7)
    with connect(url_b, pw_b) as b:
        first = submit(b, payload, files)
        assert submit(b, payload, files).existed  # idempotent on (opd, period, revision, bundle sha256)
    with connect(url_bk, pw_bk) as bk:
        record_review(bk, first.submission_id, "returned", "Lampiran SPTJM tidak bermeterai")
    with connect(url_a, pw_a) as a:
        assert fetch_submission(a, "DINKES", 2026, 7) is None
        assert a.execute("SELECT count(*) FROM submission WHERE opd_code = 'DINKES'").fetchone()[0] == 0
        # B's review is invisible to A; every review A sees is on one of A's own submissions
        assert a.execute("SELECT count(*) FROM review WHERE submission_id = %s",
                         (first.submission_id,)).fetchone()[0] == 0
        own = {r[0] for r in a.execute("SELECT id FROM submission").fetchall()}
        assert {r[0] for r in a.execute("SELECT submission_id FROM review").fetchall()} <= own
        assert a.execute("SELECT recap_xlsx FROM submission WHERE id = %s", (first.submission_id,)).fetchone() is None
        a.rollback()
        for stmt in ("UPDATE submission SET sptjm_pdf = 'x' WHERE opd_code = 'DINKES'",
                     "DELETE FROM submission", "UPDATE review SET reason = 'x'", "DELETE FROM review",
                     "INSERT INTO review (submission_id, decision) VALUES (1, 'accepted')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                a.execute(stmt)
            a.rollback()
    with connect(url_b, pw_b) as b:
        seen = b.execute("SELECT decision, reason FROM review WHERE submission_id = %s",
                         (first.submission_id,)).fetchall()
        assert seen == [("returned", "Lampiran SPTJM tidak bermeterai")]  # B reads the decision on its own row
        b.rollback()
        for stmt in ("UPDATE review SET decision = 'accepted'", "DELETE FROM review", "TRUNCATE review"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                b.execute(stmt)
            b.rollback()
    with connect(url_bk, pw_bk) as bk:
        payload_bk, files_bk = fake_bundle("DINKES", b"%PDF-1.4 dari bkpsdm", month=6)
        with pytest.raises(SubmissionRefused):
            submit(bk, payload_bk, files_bk)  # BKPSDM reads and decides, never submits
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bk.execute("UPDATE review SET reason = 'x'")
    with psycopg.connect(central.admin) as owner, pytest.raises(psycopg.errors.InsufficientPrivilege):
        owner.execute("DELETE FROM review")  # the trigger holds even for the owner


def test_review_only_on_the_newest_revision_and_manifest_checked_by_the_server(central):
    url_b, pw_b = central.login("b")
    url_bk, pw_bk = central.login("bk")
    p1, f1 = fake_bundle("DINKES", b"%PDF-1.4 r1", month=5)
    p2, f2 = fake_bundle("DINKES", b"%PDF-1.4 r2", month=5, revision=2, reason="Koreksi data cuti")
    with connect(url_b, pw_b) as b:
        r1 = submit(b, p1, f1)
        submit(b, p2, f2)
        bad, bad_files = fake_bundle("DINKES", b"%PDF-1.4 r3", month=5, revision=3, reason="Uji manifes")
        bad_files["recap_xlsx"] = b"berkas lain"  # the manifest names another Excel
        bad = type(bad)(**{**bad.__dict__, "file_sha256": {**bad.file_sha256,
                                                             "recap_xlsx": hashlib.sha256(b"berkas lain").hexdigest()}})
        with pytest.raises(SubmissionRefused, match="manifest_matches_row"):
            submit(b, bad, bad_files)
    with connect(url_bk, pw_bk) as bk, pytest.raises(SubmissionRefused, match="digantikan revisi 2"):
        record_review(bk, r1.submission_id, "accepted")


def test_size_bound_on_client_and_server(central):
    url_b, pw_b = central.login("b")
    payload, files = fake_bundle("DINKES", b"%PDF-1.4 besar", month=4, pad=MAX_BUNDLE_BYTES)
    with connect(url_b, pw_b) as b:
        with pytest.raises(BundleTooLarge, match="melebihi batas 20 MiB"):
            submit(b, payload, files)  # refused before anything is sent
        assert b.execute("SELECT count(*) FROM submission WHERE month = 4").fetchone()[0] == 0
        b.rollback()
        # a client that skips the check meets the server's own bound (trigger, readable message)
        args = (payload.opd_code, 2026, 4, 1, "", payload.sha256, files["recap_pdf"], "CN=x", "-",
                json.dumps(payload.summary), len(payload.summary), files["recap_xlsx"],
                payload.file_sha256["recap_xlsx"], files["sptjm_pdf"], payload.file_sha256["sptjm_pdf"],
                files["pengantar_pdf"], payload.file_sha256["pengantar_pdf"], payload.manifest,
                payload.bundle_sha256, payload.audit_head_id, payload.audit_head_hash)
        insert = ("INSERT INTO submission (opd_code, year, month, revision, reason, sha256, signed_pdf, signer_subject,"
                  " signer_cert_pem, summary, employee_count, recap_xlsx, recap_xlsx_sha256, sptjm_pdf, sptjm_sha256,"
                  " pengantar_pdf, pengantar_sha256, manifest, bundle_sha256, audit_head_id, audit_head_hash)"
                  " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::jsonb,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)")
        with pytest.raises(psycopg.errors.CheckViolation, match="melebihi batas 20971520 byte"):
            b.execute(insert, args)
        b.rollback()
    # ... and with the trigger disabled the CHECK constraint still refuses it
    with psycopg.connect(central.admin) as owner:
        owner.execute("ALTER TABLE submission DISABLE TRIGGER submission_check_size")
        try:
            with pytest.raises(psycopg.errors.CheckViolation) as err:
                owner.execute(insert, args)
            assert err.value.diag.constraint_name == "bundle_size_limit"
        finally:
            owner.rollback()
    # just under the bound is accepted
    small, small_files = fake_bundle("DINKES", b"%PDF-1.4 pas", month=4, pad=MAX_BUNDLE_BYTES - 200_000)
    with connect(url_b, pw_b) as b:
        assert not submit(b, small, small_files).existed
