"""central schema: submission bundle (recap PDF + Excel + SPTJM + surat pengantar), audit head, size bound, review

Revision ID: c0002
Revises: c0001
Create Date: 2026-12-01

- Every new submission row is one whole bundle: the signed recap PDF (existing columns), the Excel
  recap, the SPTJM and the surat pengantar, each with its sha256 checked by the server, a manifest
  whose sha256 (``bundle_sha256``) is the idempotency key, and the OPD's audit-chain head.
  Rows from c0001 (PDF only) stay valid: the "bundle required" constraint is NOT VALID, so it binds
  new rows only.
- Size bound: a trigger refuses an oversized bundle with a readable message; the CHECK behind it
  is the wall that holds even when triggers are disabled. Keep MAX_BUNDLE_BYTES equal to
  services.central.bundle.MAX_BUNDLE_BYTES.
- review: BKPSDM's decision on one submission (accepted, or returned with a reason), insert-only,
  one per submission, only on the newest revision of its period; the OPD reads the decisions on its
  own submissions.
"""

from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None

MAX_BUNDLE_BYTES = 20 * 1024 * 1024

_SIZE = ("octet_length(signed_pdf) + coalesce(octet_length(recap_xlsx), 0) + coalesce(octet_length(sptjm_pdf), 0)"
         " + coalesce(octet_length(pengantar_pdf), 0) + octet_length(summary::text)")
_NEW_SIZE = _SIZE.replace("octet_length(", "octet_length(NEW.")

UPGRADE = r"""
ALTER TABLE submission
    ADD COLUMN recap_xlsx        bytea,
    ADD COLUMN recap_xlsx_sha256 text CHECK (recap_xlsx_sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN sptjm_pdf         bytea,
    ADD COLUMN sptjm_sha256      text CHECK (sptjm_sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN pengantar_pdf     bytea,
    ADD COLUMN pengantar_sha256  text CHECK (pengantar_sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN manifest          text,
    ADD COLUMN bundle_sha256     text CHECK (bundle_sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN audit_head_id     bigint CHECK (audit_head_id >= 0),
    ADD COLUMN audit_head_hash   text CHECK (audit_head_hash ~ '^[0-9a-f]{64}$');

ALTER TABLE submission
    ADD CONSTRAINT bundle_required CHECK (
        recap_xlsx IS NOT NULL AND sptjm_pdf IS NOT NULL AND pengantar_pdf IS NOT NULL AND manifest IS NOT NULL
        AND bundle_sha256 IS NOT NULL AND audit_head_id IS NOT NULL AND audit_head_hash IS NOT NULL) NOT VALID,
    ADD CONSTRAINT xlsx_matches_sha256 CHECK (encode(sha256(recap_xlsx), 'hex') = recap_xlsx_sha256),
    ADD CONSTRAINT sptjm_matches_sha256 CHECK (encode(sha256(sptjm_pdf), 'hex') = sptjm_sha256),
    ADD CONSTRAINT pengantar_matches_sha256 CHECK (encode(sha256(pengantar_pdf), 'hex') = pengantar_sha256),
    ADD CONSTRAINT manifest_matches_sha256 CHECK (encode(sha256(convert_to(manifest, 'UTF8')), 'hex') = bundle_sha256),
    ADD CONSTRAINT manifest_matches_row CHECK (manifest IS NULL OR (
        (manifest::jsonb ->> 'opd') = opd_code
        AND (manifest::jsonb ->> 'year')::integer = year
        AND (manifest::jsonb ->> 'month')::integer = month
        AND (manifest::jsonb ->> 'revision')::integer = revision
        AND (manifest::jsonb #>> '{files,recap_pdf,sha256}') = sha256
        AND (manifest::jsonb #>> '{files,recap_xlsx,sha256}') = recap_xlsx_sha256
        AND (manifest::jsonb #>> '{files,sptjm_pdf,sha256}') = sptjm_sha256
        AND (manifest::jsonb #>> '{files,pengantar_pdf,sha256}') = pengantar_sha256
        AND (manifest::jsonb #>> '{audit_head,event_id}')::bigint = audit_head_id
        AND (manifest::jsonb #>> '{audit_head,hash}') = audit_head_hash)),
    ADD CONSTRAINT bundle_size_limit CHECK (@SIZE@ <= @MAX@) NOT VALID;

-- The readable refusal in front of bundle_size_limit (psql users and every client see the same text).
CREATE FUNCTION submission_check_size() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE total bigint := @NEW_SIZE@;
BEGIN
    IF total > @MAX@ THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'bundle_size_limit',
            MESSAGE = format('bundel kiriman %s %s-%s revisi %s berukuran %s byte, melebihi batas %s byte (%s MiB)',
                             NEW.opd_code, NEW.year, lpad(NEW.month::text, 2, '0'), NEW.revision, total, @MAX@,
                             @MAX@ / 1048576);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER submission_check_size BEFORE INSERT ON submission FOR EACH ROW EXECUTE FUNCTION submission_check_size();

GRANT INSERT (recap_xlsx, recap_xlsx_sha256, sptjm_pdf, sptjm_sha256, pengantar_pdf, pengantar_sha256, manifest,
              bundle_sha256, audit_head_id, audit_head_hash) ON submission TO presensi_opd;

CREATE TABLE review (
    id            bigserial PRIMARY KEY,
    submission_id bigint NOT NULL UNIQUE REFERENCES submission(id),
    decision      text NOT NULL CHECK (decision IN ('accepted', 'returned')),
    reason        text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    reviewed_by   name NOT NULL DEFAULT current_user,
    reviewed_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT return_needs_reason CHECK (decision <> 'returned' OR length(btrim(reason)) >= 10)
);

-- Who and when come from the server; a decision is only taken on the newest revision of its period.
CREATE FUNCTION review_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE newer integer;
BEGIN
    SELECT max(t.revision) INTO newer FROM submission s
      JOIN submission t ON t.opd_code = s.opd_code AND t.year = s.year AND t.month = s.month
     WHERE s.id = NEW.submission_id AND t.revision > s.revision;
    IF newer IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('kiriman id %s sudah digantikan revisi %s; putuskan revisi terbaru', NEW.submission_id, newer);
    END IF;
    NEW.reviewed_at := now();
    NEW.reviewed_by := current_user;
    RETURN NEW;
END $$;
CREATE TRIGGER review_stamp BEFORE INSERT ON review FOR EACH ROW EXECUTE FUNCTION review_stamp();
CREATE TRIGGER review_no_update_delete BEFORE UPDATE OR DELETE ON review
    FOR EACH ROW EXECUTE FUNCTION submission_insert_only();
CREATE TRIGGER review_no_truncate BEFORE TRUNCATE ON review
    FOR EACH STATEMENT EXECUTE FUNCTION submission_insert_only();

REVOKE ALL ON review FROM PUBLIC;
REVOKE ALL ON SEQUENCE review_id_seq FROM PUBLIC;
GRANT SELECT ON review TO presensi_opd, presensi_bkpsdm;
GRANT INSERT (submission_id, decision, reason) ON review TO presensi_bkpsdm;
GRANT USAGE ON SEQUENCE review_id_seq TO presensi_bkpsdm;

ALTER TABLE review ENABLE ROW LEVEL SECURITY;
ALTER TABLE review FORCE ROW LEVEL SECURITY;
CREATE POLICY bkpsdm_reads_reviews ON review FOR SELECT TO presensi_bkpsdm USING (true);
CREATE POLICY bkpsdm_inserts_reviews ON review FOR INSERT TO presensi_bkpsdm WITH CHECK (true);
CREATE POLICY opd_reads_own_reviews ON review FOR SELECT TO presensi_opd USING (EXISTS (
    SELECT 1 FROM submission s JOIN opd o ON o.code = s.opd_code
     WHERE s.id = review.submission_id AND o.db_role = current_user));
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS review;
DROP FUNCTION IF EXISTS review_stamp();
DROP TRIGGER IF EXISTS submission_check_size ON submission;
DROP FUNCTION IF EXISTS submission_check_size();
ALTER TABLE submission
    DROP CONSTRAINT IF EXISTS bundle_size_limit,
    DROP CONSTRAINT IF EXISTS manifest_matches_row,
    DROP CONSTRAINT IF EXISTS manifest_matches_sha256,
    DROP CONSTRAINT IF EXISTS pengantar_matches_sha256,
    DROP CONSTRAINT IF EXISTS sptjm_matches_sha256,
    DROP CONSTRAINT IF EXISTS xlsx_matches_sha256,
    DROP CONSTRAINT IF EXISTS bundle_required,
    DROP COLUMN IF EXISTS audit_head_hash,
    DROP COLUMN IF EXISTS audit_head_id,
    DROP COLUMN IF EXISTS bundle_sha256,
    DROP COLUMN IF EXISTS manifest,
    DROP COLUMN IF EXISTS pengantar_sha256,
    DROP COLUMN IF EXISTS pengantar_pdf,
    DROP COLUMN IF EXISTS sptjm_sha256,
    DROP COLUMN IF EXISTS sptjm_pdf,
    DROP COLUMN IF EXISTS recap_xlsx_sha256,
    DROP COLUMN IF EXISTS recap_xlsx;
"""


def _script(text: str) -> str:
    return (text.replace("@NEW_SIZE@", _NEW_SIZE).replace("@SIZE@", _SIZE)
            .replace("@MAX@", str(MAX_BUNDLE_BYTES)))


def _run(script: str) -> None:
    # psycopg runs a parameterless multi-statement script as one simple query (dollar-quoted bodies intact).
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    driver.execute(script)


def upgrade() -> None:
    _run(_script(UPGRADE))


def downgrade() -> None:
    _run(DOWNGRADE)
