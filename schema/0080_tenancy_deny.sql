-- Row-level security that denies by default (issue 15).
--
-- 0030/0031 let every role that has no row in lector.tenant_readers through, on the assumption that
-- such a role is the service. But every reader is a member of the group role lector_reader, which has
-- no mapping: `SET ROLE lector_reader` showed a reader every tenant's documents, pages and findings.
-- PostgreSQL 15 has no `GRANT ... WITH SET FALSE`, so the grant cannot stop the SET ROLE; the policies
-- must. From here on a row is visible to exactly:
--   * the service: the tables' owner (who bypasses row-level security anyway), any role holding the
--     owner's privileges, or a role named in lector.service_roles (and roles holding its privileges);
--   * a mapped reader: the current role's own row in lector.tenant_readers names the tenant.
-- Any other role (lector_reader, pg_read_all_data, a role a reader can SET ROLE to, an application role
-- someone granted SELECT) sees no row, whatever it is granted.
--
-- The policies only ask about current_user, which SET ROLE changes: a reader that switches to another
-- role is judged as that role. `lector role create-reader` refuses a role that could switch to the
-- owner, a service role or another tenant's reader.
--
-- Every table of the schema is covered, including those of the files numbered before this one
-- (0070's lector.dependency_health: the service's alone); a migration that adds a table must add its
-- policies (a test fails for a table without row-level security or with a policy that lets any role
-- through).

-- Roles, besides the tables' owner, that the service runs as (a deployment where migrations run as one
-- role and workers as another). Only the owner writes here; `INSERT INTO lector.service_roles VALUES
-- ('lector_app')` names one. Readers are refused membership of these roles.
CREATE TABLE lector.service_roles (
    role_name   name PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Whether the current role is the service: it holds the privileges of the tables' owner or of a
-- role in lector.service_roles. Runs with the caller's rights; the policies call it once per query
-- (wrapped in a scalar subquery), not per row.
CREATE FUNCTION lector.current_role_is_service() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.pg_has_role(current_user,
               (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = 'lector.documents'::regclass), 'USAGE')
        OR EXISTS (SELECT 1 FROM lector.service_roles s)  -- row-level security: only roles it holds
$$;

-- The tenant the current role reads, or NULL when it is no mapped reader.
CREATE FUNCTION lector.current_reader_tenant() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (SELECT r.tenant FROM lector.tenant_readers r WHERE r.role_name = current_user)
$$;

-- A role sees the service-role rows whose privileges it holds, and nothing else of the table; both
-- lookup tables are readable by anyone who can reach the schema, so that the policies below never
-- fail with a permission error (they answer "no rows").
ALTER TABLE lector.service_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY held_roles ON lector.service_roles AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                   WHERE r.rolname = role_name AND pg_catalog.pg_has_role(current_user, r.oid, 'USAGE')));
GRANT SELECT ON lector.service_roles, lector.tenant_readers TO PUBLIC;

DO $$
DECLARE
    t record;
    p record;
    service constant text := '(SELECT lector.current_role_is_service())';
    tenant constant text := '(SELECT lector.current_reader_tenant())';
BEGIN
    FOR t IN
        SELECT c.relname,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant'
                       AND a.attnum > 0 AND NOT a.attisdropped) AS has_tenant
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'lector' AND c.relkind IN ('r', 'p') AND c.relname <> 'service_roles'
    LOOP
        EXECUTE format('ALTER TABLE lector.%I ENABLE ROW LEVEL SECURITY', t.relname);
        -- The allow-everyone policies of 0030/0031 and their reader exceptions go; policies of other
        -- names (none so far) are some later decision and stay.
        FOR p IN
            SELECT pol.polname FROM pg_policy pol
            WHERE pol.polrelid = format('lector.%I', t.relname)::regclass
              AND pol.polname IN ('service_all', 'reader_tenant', 'reader_none', 'own_row')
        LOOP
            EXECUTE format('DROP POLICY %I ON lector.%I', p.polname, t.relname);
        END LOOP;
        EXECUTE format('CREATE POLICY service_all ON lector.%I AS PERMISSIVE FOR ALL TO PUBLIC USING (%s) WITH CHECK (%s)',
                       t.relname, service, service);
        -- Readers: SELECT only (nothing else is granted to them either), their tenant's rows only.
        IF t.relname = 'tenant_readers' THEN
            -- A role sees its own mapping, which is all the policies ask about.
            EXECUTE 'CREATE POLICY own_row ON lector.tenant_readers AS PERMISSIVE FOR SELECT TO PUBLIC
                     USING (role_name = current_user)';
        ELSIF t.has_tenant AND t.relname <> 'api_tokens' THEN
            EXECUTE format('CREATE POLICY reader_tenant ON lector.%I AS PERMISSIVE FOR SELECT TO PUBLIC USING (tenant = %s)',
                           t.relname, tenant);
        ELSIF t.relname = 'pages' THEN
            EXECUTE format('CREATE POLICY reader_tenant ON lector.pages AS PERMISSIVE FOR SELECT TO PUBLIC
                            USING (document_id IN (SELECT d.id FROM lector.documents d WHERE d.tenant = %s))', tenant);
        ELSIF t.relname = 'finding_quotes' THEN
            EXECUTE format('CREATE POLICY reader_tenant ON lector.finding_quotes AS PERMISSIVE FOR SELECT TO PUBLIC
                            USING (finding_id IN (SELECT f.id FROM lector.findings f WHERE f.tenant = %s))', tenant);
        ELSIF t.relname = 'batch_items' THEN
            EXECUTE format('CREATE POLICY reader_tenant ON lector.batch_items AS PERMISSIVE FOR SELECT TO PUBLIC
                            USING (batch_id IN (SELECT b.id FROM lector.batches b WHERE b.tenant = %s))', tenant);
        END IF;
        -- Every other table (api_tokens, batch_files, eval_runs, the queue's own tables, the migrations
        -- record) is the service's alone.
    END LOOP;
END;
$$;
