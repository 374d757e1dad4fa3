"""central schema: opd, insert-only submission with row-level security, deadline status

Revision ID: c0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None

# Group roles are cluster-wide: create them only when missing (another central DB on
# the same server may already have them). Per-OPD login roles join presensi_opd.
UPGRADE = r"""
DO $$ BEGIN CREATE ROLE presensi_opd NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE presensi_bkpsdm NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE TABLE opd (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{2,32}$'),
    name        text NOT NULL,
    db_role     name NOT NULL UNIQUE,
    timezone    text NOT NULL DEFAULT 'Asia/Jakarta',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE submission (
    id              bigserial PRIMARY KEY,
    opd_code        text NOT NULL REFERENCES opd(code),
    year            integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    month           integer NOT NULL CHECK (month BETWEEN 1 AND 12),
    revision        integer NOT NULL CHECK (revision >= 1),
    reason          text NOT NULL DEFAULT '',
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    signed_pdf      bytea NOT NULL,
    signer_subject  text NOT NULL,
    signer_cert_pem text NOT NULL,
    summary         jsonb NOT NULL CHECK (jsonb_typeof(summary) = 'array'),
    employee_count  integer NOT NULL,
    submitted_by    name NOT NULL DEFAULT current_user,
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT submission_key UNIQUE (opd_code, year, month, revision),
    CONSTRAINT revision_needs_reason CHECK (revision = 1 OR length(btrim(reason)) > 0),
    CONSTRAINT pdf_matches_sha256 CHECK (encode(sha256(signed_pdf), 'hex') = sha256),
    CONSTRAINT summary_count CHECK (jsonb_array_length(summary) = employee_count)
);
CREATE INDEX submission_period ON submission (year, month);

-- The server, not the client, says who submitted and when (the deadline depends on it).
CREATE FUNCTION submission_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.submitted_at := now();
    NEW.submitted_by := current_user;
    RETURN NEW;
END $$;
CREATE TRIGGER submission_stamp BEFORE INSERT ON submission FOR EACH ROW EXECUTE FUNCTION submission_stamp();

-- Insert-only even for the owner: privileges are the first wall, this trigger the second.
CREATE FUNCTION submission_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'tabel submission hanya boleh ditambah (insert-only): ' || TG_OP || ' ditolak';
END $$;
CREATE TRIGGER submission_no_update_delete BEFORE UPDATE OR DELETE ON submission
    FOR EACH ROW EXECUTE FUNCTION submission_insert_only();
CREATE TRIGGER submission_no_truncate BEFORE TRUNCATE ON submission
    FOR EACH STATEMENT EXECUTE FUNCTION submission_insert_only();

REVOKE ALL ON opd, submission FROM PUBLIC;
REVOKE ALL ON SEQUENCE submission_id_seq FROM PUBLIC;
GRANT SELECT ON opd TO presensi_opd, presensi_bkpsdm;
GRANT SELECT ON submission TO presensi_opd, presensi_bkpsdm;
GRANT INSERT (opd_code, year, month, revision, reason, sha256, signed_pdf, signer_subject, signer_cert_pem,
              summary, employee_count) ON submission TO presensi_opd;
GRANT USAGE ON SEQUENCE submission_id_seq TO presensi_opd;

ALTER TABLE opd ENABLE ROW LEVEL SECURITY;
ALTER TABLE submission ENABLE ROW LEVEL SECURITY;
ALTER TABLE submission FORCE ROW LEVEL SECURITY;

CREATE POLICY opd_sees_itself ON opd FOR SELECT TO presensi_opd USING (db_role = current_user);
CREATE POLICY bkpsdm_sees_all_opd ON opd FOR SELECT TO presensi_bkpsdm USING (true);

CREATE POLICY opd_reads_own ON submission FOR SELECT TO presensi_opd
    USING (opd_code IN (SELECT code FROM opd WHERE db_role = current_user));
CREATE POLICY opd_inserts_own ON submission FOR INSERT TO presensi_opd
    WITH CHECK (opd_code IN (SELECT code FROM opd WHERE db_role = current_user));
CREATE POLICY bkpsdm_reads_all ON submission FOR SELECT TO presensi_bkpsdm USING (true);

-- Deadline: offline records and reports are due by the 10th of the following month,
-- counted in the OPD's own time zone. SECURITY INVOKER, so row-level security applies.
CREATE FUNCTION period_status(p_year integer, p_month integer)
RETURNS TABLE (opd_code text, opd_name text, first_submitted_at timestamptz, latest_revision integer,
               latest_submitted_at timestamptz, deadline date, on_time boolean)
LANGUAGE sql STABLE SECURITY INVOKER AS $$
    SELECT o.code, o.name, f.first_at, f.latest_rev, f.latest_at,
           (make_date(p_year, p_month, 1) + interval '1 month' + interval '9 days')::date,
           coalesce((f.first_at AT TIME ZONE o.timezone)::date
                    <= (make_date(p_year, p_month, 1) + interval '1 month' + interval '9 days')::date, false)
    FROM opd o
    LEFT JOIN (
        SELECT s.opd_code, min(s.submitted_at) AS first_at, max(s.revision) AS latest_rev,
               max(s.submitted_at) AS latest_at
        FROM submission s WHERE s.year = p_year AND s.month = p_month GROUP BY s.opd_code
    ) f ON f.opd_code = o.code
    ORDER BY o.code
$$;
REVOKE ALL ON FUNCTION period_status(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION period_status(integer, integer) TO presensi_bkpsdm, presensi_opd;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS period_status(integer, integer);
DROP TABLE IF EXISTS submission;
DROP TABLE IF EXISTS opd;
DROP FUNCTION IF EXISTS submission_insert_only();
DROP FUNCTION IF EXISTS submission_stamp();
"""


def _run(script: str) -> None:
    # psycopg runs a parameterless multi-statement script as one simple query (dollar-quoted bodies intact).
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    driver.execute(script)


def upgrade() -> None:
    _run(UPGRADE)


def downgrade() -> None:
    _run(DOWNGRADE)
