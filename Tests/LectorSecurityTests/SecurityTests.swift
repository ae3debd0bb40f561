import Foundation
import LectorDB
import LectorQueue
import LectorService
import LectorTestSupport
import Testing

/// The attacks of issue 15, each named in its test, against the real PostgreSQL (and the real spawn
/// code, HTTP client and CSV writer): tenants under every role a reader can take, the PDF child's
/// sandbox, DNS rebinding, CSV formulas, batch query sources. Extensions in the other files of this
/// folder add to the suite.
@Suite("Security")
struct SecurityTests {
    /// Two tenants with a document, a job, a page, an analysis, a finding with a quote, a batch with a
    /// member and a file fingerprint, a token and an eval run each; every row of tenant_b names it, so
    /// that a row of tenant_b shows in any column a role can read.
    static func seed(_ database: PostgresClient) async throws {
        let submitter = Submitter(database: database, queue: JobQueue(client: database, logger: TestDatabase.logger))
        for tenant in ["tenant_a", "tenant_b"] {
            let outcome = try await submitter.submit(
                bytes: Array("%PDF-1.4 \(tenant)".utf8), filename: "\(tenant).pdf", tenant: tenant, profile: "test")
            try await database.query(
                "INSERT INTO lector.pages (document_id, number, text, char_count, needs_vision) VALUES ($1, 1, $2, 10, false)",
                outcome.documentID, "secret text of \(tenant)")
            let analysis = try await database.query(
                """
                INSERT INTO lector.analyses (document_id, job_id, tenant, profile, prompt_version, pipeline_version, model,
                    engine_host, engine_dialect, reasoning_effort, started_at)
                VALUES ($1, $2, $3, 'test', 't/1', '1', 'm', '127.0.0.1', 'vllm', 'none', now()) RETURNING id
                """, outcome.documentID, outcome.jobID, tenant
            ).one().decode("id", as: Int64.self)
            let finding = try await database.query(
                """
                INSERT INTO lector.findings (analysis_id, document_id, tenant, category, presence, value, value_date)
                VALUES ($1, $2, $3, 'expiration_date', 'present', $4, current_date + 400) RETURNING id
                """, analysis, outcome.documentID, tenant, "expires (\(tenant))"
            ).one().decode("id", as: Int64.self)
            try await database.query(
                "INSERT INTO lector.finding_quotes (finding_id, ordinal, page, text, verified, match) VALUES ($1, 0, 1, $2, true, 'exact')",
                finding, "quote of \(tenant)")
            let batch = try await database.query(
                "INSERT INTO lector.batches (name, tenant) VALUES ($1, $2) RETURNING id", "inbox-\(tenant)", tenant
            ).one().decode("id", as: Int64.self)
            try await database.query(
                "INSERT INTO lector.batch_items (batch_id, item, document_id, job_id, status) VALUES ($1, $2, $3, $4, 'queued')",
                batch, "/srv/inbox/\(tenant).pdf", outcome.documentID, outcome.jobID)
            try await database.query(
                """
                INSERT INTO lector.batch_files (batch_name, path, size_bytes, mtime, sha256, document_id, batch_id)
                VALUES ($1, $2, 1, now(), 'x', $3, $4)
                """, "inbox-\(tenant)", "/srv/inbox/\(tenant).pdf", outcome.documentID, batch)
            try await database.query(
                "INSERT INTO lector.api_tokens (tenant, name, token_sha256, token_prefix) VALUES ($1, $1, $2, 'lt_')",
                tenant, String(repeating: tenant == "tenant_a" ? "a" : "b", count: 64))
        }
        try await database.query(
            """
            INSERT INTO lector.eval_runs (labels, engine_host, model, engine_dialect, profile, prompt_version, reasoning_effort,
                documents, categories, overall, started_at)
            VALUES ('tenant_b labels', 'h', 'm', 'vllm', 'p', 'v', 'none', 1, '[]', '{}', now())
            """)
    }

    /// The test server's configuration for `role` on the test database.
    static func configuration(_ base: PostgresConfiguration, as role: String) -> PostgresConfiguration {
        var configuration = base
        configuration.userName = role
        configuration.maxConnections = 1
        return configuration
    }

    /// Runs `body` with a pool logged in as `role`, shut down afterwards.
    static func withClient<T: Sendable>(
        _ base: PostgresConfiguration, as role: String, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        try await PostgresClient.withClient(configuration: configuration(base, as: role), logger: TestDatabase.logger, body)
    }

    /// Every table and view of the schema the connection's current role may select from (whole or some
    /// columns), and the columns it may read.
    static func readableRelations(_ connection: PostgresConnection) async throws -> [(name: String, columns: [String])] {
        let relations = try await connection.query(
            """
            SELECT c.oid::regclass::text AS qualified, c.relname::text AS name
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'lector' AND c.relkind IN ('r', 'p', 'v', 'm')
              AND (has_table_privilege(c.oid, 'SELECT') OR has_any_column_privilege(c.oid, 'SELECT'))
            ORDER BY 2
            """)
        var result: [(String, [String])] = []
        for relation in relations {
            let columns = try await connection.query(
                """
                SELECT attname::text AS name FROM pg_attribute
                WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
                  AND has_column_privilege($1::regclass, attnum, 'SELECT')
                ORDER BY attnum
                """, try relation.decode("qualified", as: String.self))
            result.append((try relation.decode("name", as: String.self), try columns.map { try $0.decode("name", as: String.self) }))
        }
        return result
    }

    /// The rows of `relation` the current role sees, and how many of them mention tenant_b.
    static func rows(of relation: (name: String, columns: [String]), on connection: PostgresConnection) async throws -> (rows: Int, tenantB: Int) {
        let columns = relation.columns.map(quoteIdentifier).joined(separator: ", ")
        let row = try await connection.query(
            """
            SELECT count(*)::int AS rows, (count(*) FILTER (WHERE to_jsonb(x)::text LIKE '%tenant_b%'))::int AS leaked
            FROM (SELECT \(columns) FROM lector.\(quoteIdentifier(relation.name))) x
            """
        ).one()
        return (try row.decode("rows", as: Int.self), try row.decode("leaked", as: Int.self))
    }

    /// The role owning the tables (the test server's superuser).
    static func owner(_ database: PostgresClient) async throws -> String {
        try await database.query("SELECT relowner::regrole::text AS owner FROM pg_class WHERE oid = 'lector.documents'::regclass")
            .one().decode("owner", as: String.self)
    }

    // MARK: - Row-level security

    /// The attack of issue 15: a reader of tenant_a runs `SET ROLE lector_reader` (and SET ROLE to every
    /// other role it is a member of) and reads every table and view it can. Only as itself does it see
    /// rows, all of tenant_a; as any other role it sees none at all.
    @Test func readerSetRoleToGroupRoleOrAnyMembershipSeesNoOtherTenant() async throws {
        try await TestDatabase.with { database, configuration in
            try await Self.seed(database)
            try await TestReaderRole.with(tenant: "tenant_b", database: database) { _ in
                try await TestReaderRole.with(tenant: "tenant_a", database: database) { role in
                    try await Self.withClient(configuration, as: role) { reader in
                        try await reader.withConnection { connection in
                            let roles = try await connection.query(
                                "SELECT rolname::text AS name FROM pg_roles WHERE pg_has_role(session_user, oid, 'MEMBER') ORDER BY 1"
                            ).map { try $0.decode("name", as: String.self) }
                            #expect(Set(roles) == [role, "lector_reader"])
                            for target in roles {
                                try await connection.query("SET ROLE \(quoteIdentifier(target))")
                                let relations = try await Self.readableRelations(connection)
                                #expect(relations.contains { $0.name == "contract_overview" }, "\(target) reads the views")
                                var seen: [String: Int] = [:]
                                for relation in relations {
                                    let (rows, tenantB) = try await Self.rows(of: relation, on: connection)
                                    seen[relation.name] = rows
                                    #expect(tenantB == 0, "as \(target), lector.\(relation.name) shows tenant_b")
                                    if target != role {
                                        #expect(rows == 0, "as \(target) (no tenant), lector.\(relation.name) shows \(rows) rows")
                                    }
                                }
                                if target == role {
                                    // Not vacuous: the reader does see its own tenant everywhere.
                                    for name in ["documents", "pages", "findings", "finding_quotes", "contract_overview",
                                                 "latest_findings", "upcoming_deadlines", "batch_progress", "batch_items"] {
                                        #expect(seen[name] == 1, "lector.\(name) as the reader")
                                    }
                                    let jobs = try await connection.query("SELECT coalesce(sum(jobs), 0)::int AS n FROM lector.job_stats").one()
                                    #expect(try jobs.decode("n", as: Int.self) == 1)
                                }
                                try await connection.query("RESET ROLE")
                            }
                        }
                    }
                }
            }
        }
    }

    /// A reader tries to become the service: SET ROLE and SET SESSION AUTHORIZATION to the owner,
    /// set_config('role', ...), naming itself a service role, remapping itself to tenant_b. All refused.
    @Test func readerCannotBecomeServiceBySetRoleSessionAuthorizationSetConfigOrRemapping() async throws {
        try await TestDatabase.with { database, configuration in
            try await Self.seed(database)
            let owner = try await Self.owner(database)
            try await TestReaderRole.with(tenant: "tenant_a", database: database) { role in
                try await Self.withClient(configuration, as: role) { reader in
                    try await reader.withConnection { connection in
                        for sql in [
                            "SET ROLE \(quoteIdentifier(owner))", "SET SESSION AUTHORIZATION \(quoteIdentifier(owner))",
                            "INSERT INTO lector.service_roles (role_name) VALUES (current_user)",
                            "UPDATE lector.tenant_readers SET tenant = 'tenant_b'",
                            "INSERT INTO lector.tenant_readers (role_name, tenant) VALUES ('lector_reader', 'tenant_b')",
                        ] {
                            await #expect(throws: DatabaseError.self, "\(sql)") { try await connection.query(sql) }
                        }
                        await #expect(throws: DatabaseError.self) {
                            try await connection.query("SELECT set_config('role', $1, false)", owner)
                        }
                        let facts = try await connection.query(
                            "SELECT lector.current_role_is_service() AS service, lector.current_reader_tenant() AS tenant").one()
                        #expect(try facts.decode("service", as: Bool.self) == false)
                        #expect(try facts.decode("tenant", as: String?.self) == "tenant_a")
                        let tenants = try await connection.query("SELECT DISTINCT tenant FROM lector.documents").map {
                            try $0.decode("tenant", as: String.self)
                        }
                        #expect(tenants == ["tenant_a"])
                    }
                }
            }
        }
    }

    /// A role an administrator gave pg_read_all_data (SELECT on every table, USAGE on every schema) but no
    /// tenant: row-level security denies by default, so it reads no row of any table or view.
    @Test func unmappedRoleWithReadAllDataSeesNoRows() async throws {
        try await TestDatabase.with { database, configuration in
            try await Self.seed(database)
            let role = TestReaderRole.uniqueName(prefix: "snoop")
            try await database.query("CREATE ROLE \(quoteIdentifier(role)) LOGIN")
            do {
                try await database.query("GRANT pg_read_all_data TO \(quoteIdentifier(role))")
                try await Self.withClient(configuration, as: role) { snoop in
                    try await snoop.withConnection { connection in
                        let relations = try await Self.readableRelations(connection)
                        #expect(relations.contains { $0.name == "api_tokens" } && relations.contains { $0.name == "documents" })
                        for relation in relations {
                            #expect(try await Self.rows(of: relation, on: connection).rows == 0, "lector.\(relation.name)")
                        }
                    }
                }
                try await TestReaderRole.drop(role, in: database)
            } catch {
                try? await TestReaderRole.drop(role, in: database)
                throw error
            }
        }
    }

    /// A role named in lector.service_roles (the configured service role) sees every tenant; a role
    /// that could SET ROLE to it, or to another tenant's reader, cannot be made a reader.
    @Test func configuredServiceRoleSeesAllAndReadersCannotBeMembersOfItOrOfOtherTenants() async throws {
        try await TestDatabase.with { database, configuration in
            try await Self.seed(database)
            let service = TestReaderRole.uniqueName(prefix: "service")
            let sneaky = TestReaderRole.uniqueName(prefix: "sneaky")
            let other = TestReaderRole.uniqueName(prefix: "other")
            do {
                try await database.query("CREATE ROLE \(quoteIdentifier(service)) LOGIN")
                try await database.query("GRANT pg_read_all_data TO \(quoteIdentifier(service))")
                try await database.query("INSERT INTO lector.service_roles (role_name) VALUES ($1)", service)
                let counts = try await Self.withClient(configuration, as: service) { client in
                    (try await client.query("SELECT count(*)::int AS n FROM lector.documents").one().decode("n", as: Int.self),
                     try await client.query("SELECT count(*)::int AS n FROM lector.contract_overview").one().decode("n", as: Int.self))
                }
                #expect(counts.0 == 2 && counts.1 == 2)
                let store = ReaderRoleStore(database: database)
                // A name listed as a service role before its role exists cannot be created as a reader.
                let planned = TestReaderRole.uniqueName(prefix: "planned")
                try await database.query("INSERT INTO lector.service_roles (role_name) VALUES ($1)", planned)
                await #expect(throws: TenancyError.self) { try await store.createReader(name: planned, tenant: "tenant_a") }
                #expect(try await database.query("SELECT 1 FROM pg_roles WHERE rolname = $1", planned).isEmpty)
                try await database.query("CREATE ROLE \(quoteIdentifier(sneaky)) LOGIN")
                try await database.query("GRANT \(quoteIdentifier(service)) TO \(quoteIdentifier(sneaky))")
                await #expect(throws: TenancyError.self) { try await store.createReader(name: sneaky, tenant: "tenant_a") }
                try await TestReaderRole.with(tenant: "tenant_b", database: database) { readerB in
                    try await database.query("CREATE ROLE \(quoteIdentifier(other)) LOGIN")
                    try await database.query("GRANT \(quoteIdentifier(readerB)) TO \(quoteIdentifier(other))")
                    await #expect(throws: TenancyError.self) { try await store.createReader(name: other, tenant: "tenant_a") }
                    // Nor the other way round: tenant_b's reader could SET ROLE to a role made tenant_a's.
                    try await database.query("REVOKE \(quoteIdentifier(readerB)) FROM \(quoteIdentifier(other))")
                    try await database.query("GRANT \(quoteIdentifier(other)) TO \(quoteIdentifier(readerB))")
                    await #expect(throws: TenancyError.self) { try await store.createReader(name: other, tenant: "tenant_a") }
                    try await database.query("REVOKE \(quoteIdentifier(other)) FROM \(quoteIdentifier(readerB))")
                }
                #expect(try await store.list().isEmpty)
                for role in [sneaky, other, service] { try await TestReaderRole.drop(role, in: database) }
            } catch {
                for role in [sneaky, other, service] { try? await TestReaderRole.drop(role, in: database) }
                throw error
            }
        }
    }

    /// Deny by default for tables to come: every table of the schema has row-level security, and no
    /// policy admits every role unconditionally (`USING (true)`), as 0030's did.
    @Test func everyTableHasRowLevelSecurityAndNoPolicyAdmitsEveryRole() async throws {
        try await TestDatabase.with { database, _ in
            let unprotected = try await database.query(
                """
                SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'lector' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity ORDER BY 1
                """
            ).map { try $0.decode("name", as: String.self) }
            #expect(unprotected.isEmpty, "tables without row-level security: \(unprotected)")
            let open = try await database.query(
                """
                SELECT p.polrelid::regclass::text || '.' || p.polname AS name FROM pg_policy p
                JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'lector' AND p.polpermissive
                  AND (coalesce(pg_get_expr(p.polqual, p.polrelid), 'true') = 'true'
                       OR coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') = 'true')
                ORDER BY 1
                """
            ).map { try $0.decode("name", as: String.self) }
            #expect(open.isEmpty, "policies that let every role through: \(open)")
        }
    }
}
