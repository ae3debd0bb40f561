import LectorCore
import LectorDB

/// Read-only SQL roles for analysts, each bound to one tenant by `lector.tenant_readers` and limited to
/// that tenant's rows by the row-level security policies of `schema/0080_tenancy_deny.sql` (deny by
/// default: a role that is neither the service nor a mapped reader sees no row).
///
/// The login role is a member of the group role `lector_reader`, which may read the views and (because
/// the views run with the reader's rights) the columns they use, never document bytes, job arguments or
/// tokens. Sessions default to read-only transactions, and nothing but SELECT is granted.
public struct ReaderRoleStore: Sendable {
    /// The group role holding the read grants.
    public static let groupRole = "lector_reader"

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    /// Creates (or updates) the login role `name` reading `tenant`, with a password when one is given.
    ///
    /// An existing role is reused (for roles an identity provider manages), unless it is a superuser or
    /// bypasses row-level security: those would see every tenant. The password is turned into a
    /// SCRAM-SHA-256 verifier by libpq, so the clear text reaches neither the server nor its logs.
    /// Needs CREATEROLE (or superuser) and ownership of the lector schema's objects.
    ///
    /// - Throws: ``TenancyError`` for a bad name or tenant or a privileged role; database errors.
    public func createReader(name: String, tenant: String, password: String? = nil) async throws {
        try Self.validateRoleName(name)
        try TenancyError.validateTenant(tenant)
        try await database.withTransaction { connection in
            let verifier = try await password.asyncMap { try await connection.encryptPassword($0, role: name) }
            // DO blocks take no parameters: the values travel as transaction-local settings, bound as
            // parameters here and quoted by format() (%I, %L) on the server. No SQL is built from input.
            try await connection.query(
                """
                SELECT set_config('lector.reader_role', $1, true), set_config('lector.reader_verifier', $2, true),
                    set_config('lector.reader_tenant', $3, true)
                """,
                name, verifier ?? "", tenant)
            do {
                try await connection.executeScript(Self.setUpScript)
            } catch let error as DatabaseError where error.sqlState == "42501" && error.message.contains("bypasses") {
                throw TenancyError(
                    kind: .privilegedRole,
                    detail: "role '\(name)' is a superuser or bypasses row-level security; it would see every tenant")
            } catch let error as DatabaseError where error.sqlState == "42501" && error.message.contains("named as a service role") {
                throw TenancyError(
                    kind: .privilegedRole,
                    detail: "role '\(name)' is named as a service role (lector.service_roles); it would see every tenant")
            } catch let error as DatabaseError where error.sqlState == "42501" && error.message.contains("can act as") {
                throw TenancyError(
                    kind: .privilegedRole,
                    detail: "role '\(name)' can act as (or be acted as by) the service or another tenant's reader; it would see another tenant")
            }
            try await connection.query(
                """
                INSERT INTO lector.tenant_readers (role_name, tenant) VALUES ($1, $2)
                ON CONFLICT (role_name) DO UPDATE SET tenant = EXCLUDED.tenant
                """, name, tenant)
        }
    }

    /// The reader role that runs work on behalf of `tenant` (a batch's query source): the first, by name,
    /// mapped to it; nil when the tenant has none.
    public func readerRole(for tenant: String) async throws -> String? {
        try await database.query(
            "SELECT role_name::text AS role FROM lector.tenant_readers WHERE tenant = $1 ORDER BY role_name LIMIT 1",
            tenant
        ).first?.decode("role", as: String.self)
    }

    /// Reader roles and their tenants.
    public func list() async throws -> [(role: String, tenant: String)] {
        try await database.query("SELECT role_name::text AS role, tenant FROM lector.tenant_readers ORDER BY 1").map {
            (try $0.decode("role", as: String.self), try $0.decode("tenant", as: String.self))
        }
    }

    /// Role names Lector creates: lower-case letters, digits and `_`, starting with a letter, at most 63
    /// bytes, and not `pg_`-prefixed (reserved) or the group role itself. Stricter than PostgreSQL on
    /// purpose; they are quoted on the server all the same.
    public static func validateRoleName(_ name: String) throws(TenancyError) {
        guard name.wholeMatch(of: /[a-z][a-z0-9_]{0,62}/) != nil, !name.hasPrefix("pg_"), name != groupRole else {
            throw TenancyError(
                kind: .invalidName,
                detail: "a reader role name is 1 to 63 lower-case letters, digits or '_', starting with a letter (not pg_…, not \(groupRole))")
        }
    }

    /// Grants the group role what the views need and sets up the login role named by the
    /// `lector.reader_role` setting. Idempotent: run again, it re-grants (views added since included).
    static let setUpScript = """
        DO $$
        DECLARE
            reader text := current_setting('lector.reader_role');
            verifier text := nullif(current_setting('lector.reader_verifier'), '');
            reader_tenant text := current_setting('lector.reader_tenant');
            existing record;
            view_name name;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lector_reader') THEN
                BEGIN
                    CREATE ROLE lector_reader NOLOGIN;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- created meanwhile for another database of this cluster
                END;
            END IF;
            GRANT USAGE ON SCHEMA lector TO lector_reader;
            -- Every view that runs with the reader's rights, and no other: a view without
            -- security_invoker would read the tables as its owner, past the policies. document_states
            -- (the review desk's) matches jobs by their arguments, which a reader may not read.
            FOR view_name IN
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'lector' AND c.relkind = 'v'
                  AND 'security_invoker=true' = ANY (coalesce(c.reloptions, '{}'))
                  AND c.relname <> 'document_states'
            LOOP
                EXECUTE format('GRANT SELECT ON lector.%I TO lector_reader', view_name);
            END LOOP;
            -- The views run with the reader's rights, so the reader needs the columns they read; the
            -- policies limit the rows. Document bytes, job arguments (passwords), tokens, reviewers'
            -- credentials and browser sessions stay out; reviewers' decisions (finding_reviews) are in.
            GRANT SELECT ON lector.analyses, lector.findings, lector.finding_quotes, lector.pages,
                lector.batches, lector.batch_items, lector.tenant_readers, lector.finding_reviews TO lector_reader;
            GRANT SELECT (id, tenant, sha256, filename, size_bytes, labels, page_count, pdf_info, submitted_at)
                ON lector.documents TO lector_reader;
            GRANT SELECT (id, queue, kind, state, priority, run_at, attempt, max_attempts, tenant, batch_id,
                errors, created_at, attempted_at, finished_at) ON lector.jobs TO lector_reader;
            -- A name listed as a service role is the service, whether or not the role exists yet.
            IF reader IN (SELECT s.role_name FROM lector.service_roles s) THEN
                RAISE EXCEPTION 'role % is named as a service role; a reader must be another role', reader
                    USING ERRCODE = '42501';
            END IF;
            SELECT rolsuper, rolbypassrls INTO existing FROM pg_roles WHERE rolname = reader;
            IF FOUND THEN
                IF existing.rolsuper OR existing.rolbypassrls THEN
                    RAISE EXCEPTION 'role % is a superuser or bypasses row-level security', reader
                        USING ERRCODE = '42501';
                END IF;
                -- The policies judge the current role, and a reader may SET ROLE to any role it is a
                -- member of: none of those may be the service or another tenant's reader, and no other
                -- tenant's reader may SET ROLE to this one.
                IF EXISTS (
                       SELECT 1 FROM pg_roles g
                       WHERE g.rolname <> reader AND pg_has_role(reader, g.oid, 'MEMBER')
                         AND (g.oid = (SELECT c.relowner FROM pg_class c WHERE c.oid = 'lector.documents'::regclass)
                              OR g.rolname IN (SELECT s.role_name FROM lector.service_roles s)
                              OR g.rolname IN (SELECT t.role_name FROM lector.tenant_readers t WHERE t.tenant <> reader_tenant)))
                   OR EXISTS (
                       SELECT 1 FROM lector.tenant_readers t JOIN pg_roles m ON m.rolname = t.role_name
                       WHERE t.tenant <> reader_tenant AND t.role_name <> reader AND pg_has_role(m.oid, reader, 'MEMBER'))
                THEN
                    RAISE EXCEPTION 'role % can act as (or be acted as by) the service or another tenant''s reader', reader
                        USING ERRCODE = '42501';
                END IF;
            ELSE
                EXECUTE format('CREATE ROLE %I LOGIN', reader);
            END IF;
            IF verifier IS NOT NULL THEN
                EXECUTE format('ALTER ROLE %I PASSWORD %L', reader, verifier);
            END IF;
            EXECUTE format('GRANT lector_reader TO %I', reader);
            EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', reader);
        END;
        $$
        """
}

extension Optional {
    fileprivate func asyncMap<U>(_ transform: (Wrapped) async throws -> U) async throws -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
