-- Tenancy (issue 8): API tokens per tenant, and row-level security so that analysts can be given a
-- read-only SQL role that sees only their tenant's rows in the views.
--
-- How it fits together:
--   * lector.api_tokens holds the SHA-256 of each bearer token (never the token) and its tenant.
--   * lector.tenant_readers maps a PostgreSQL role to the one tenant it may read. `lector role
--     create-reader` creates the login role, grants it the read-only group role `lector_reader` and adds
--     the mapping; this migration creates no cluster-wide role (migrations need no CREATEROLE).
--   * Every table with tenant rows gets a RESTRICTIVE policy: a role named in tenant_readers sees (and
--     could write, were it granted anything but SELECT) only its tenant's rows; any other role (the
--     service) is unaffected. Table owners and superusers bypass RLS altogether, as usual.
--   * The views run with the querying role's rights (security_invoker, PostgreSQL 15+), so the
--     policies of the tables underneath apply to whoever reads the view.

CREATE TABLE lector.api_tokens (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant         text NOT NULL CHECK (tenant ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- The hex SHA-256 of the whole token; the token itself is shown once and never stored.
    token_sha256   text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    -- The token's first characters, so that operators can tell tokens apart in `lector token list`.
    token_prefix   text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz,
    revoked_at     timestamptz
);
-- One live token per tenant and name, so that `lector token revoke --tenant T --name N` is unambiguous.
CREATE UNIQUE INDEX api_tokens_live_name_idx ON lector.api_tokens (tenant, name) WHERE revoked_at IS NULL;

CREATE TABLE lector.tenant_readers (
    role_name   name PRIMARY KEY,
    tenant      text NOT NULL CHECK (tenant ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A role that is not the owner sees only its own mapping row (the policies below only ask about it).
ALTER TABLE lector.tenant_readers ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_row ON lector.tenant_readers AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (role_name = current_user);

-- Tables with a tenant column: all rows for the service, the mapped tenant's rows for a reader.
-- The first branch is uncorrelated, so PostgreSQL evaluates it once per query, not per row.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['documents', 'jobs', 'analyses', 'findings', 'batches'] LOOP
        EXECUTE format('ALTER TABLE lector.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY service_all ON lector.%I AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true)', t);
        EXECUTE format($p$
            CREATE POLICY reader_tenant ON lector.%I AS RESTRICTIVE FOR ALL TO PUBLIC
            USING (NOT EXISTS (SELECT 1 FROM lector.tenant_readers r WHERE r.role_name = current_user)
                   OR tenant = (SELECT r.tenant FROM lector.tenant_readers r WHERE r.role_name = current_user))
            WITH CHECK (NOT EXISTS (SELECT 1 FROM lector.tenant_readers r WHERE r.role_name = current_user)
                   OR tenant = (SELECT r.tenant FROM lector.tenant_readers r WHERE r.role_name = current_user))
        $p$, t);
    END LOOP;
END;
$$;

-- Tables without a tenant column follow their document or finding (itself under RLS for a reader).
ALTER TABLE lector.pages ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON lector.pages AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true);
CREATE POLICY reader_tenant ON lector.pages AS RESTRICTIVE FOR ALL TO PUBLIC
    USING (NOT EXISTS (SELECT 1 FROM lector.tenant_readers r WHERE r.role_name = current_user)
           OR document_id IN (SELECT d.id FROM lector.documents d));

ALTER TABLE lector.finding_quotes ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON lector.finding_quotes AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true);
CREATE POLICY reader_tenant ON lector.finding_quotes AS RESTRICTIVE FOR ALL TO PUBLIC
    USING (NOT EXISTS (SELECT 1 FROM lector.tenant_readers r WHERE r.role_name = current_user)
           OR finding_id IN (SELECT f.id FROM lector.findings f));

-- The views read the tables with the rights (and under the policies) of whoever queries them.
-- CREATE OR REPLACE VIEW drops this option: a later migration that replaces a view sets it again.
ALTER VIEW lector.latest_analyses SET (security_invoker = true);
ALTER VIEW lector.latest_findings SET (security_invoker = true);
ALTER VIEW lector.contract_overview SET (security_invoker = true);
ALTER VIEW lector.upcoming_deadlines SET (security_invoker = true);
ALTER VIEW lector.job_stats SET (security_invoker = true);
