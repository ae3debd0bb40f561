import Foundation
import LectorDB
import LectorQueue
import LectorService
import LectorTestSupport
import Testing

/// A reader role made by `lector role create-reader` sees only its tenant's rows, in every view and
/// every table it can read, and cannot write.
@Suite("Row-level security for SQL readers")
struct RowLevelSecurityTests {
    static let views = ["contract_overview", "latest_findings", "latest_analyses", "upcoming_deadlines"]

    /// Two tenants with a document, a job, an analysis, a finding with a quote, a page and a deadline each.
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
            // A batch whose member is the document, with the file fingerprint a directory source keeps.
            let batch = try await database.query(
                "INSERT INTO lector.batches (name, tenant) VALUES ($1, $2) RETURNING id", "inbox-\(tenant)", tenant
            ).one().decode("id", as: Int64.self)
            try await database.query(
                """
                INSERT INTO lector.batch_items (batch_id, item, document_id, job_id, status) VALUES ($1, $2, $3, $4, 'queued')
                """, batch, "/srv/inbox/\(tenant).pdf", outcome.documentID, outcome.jobID)
            try await database.query(
                """
                INSERT INTO lector.batch_files (batch_name, path, size_bytes, mtime, sha256, document_id, batch_id)
                VALUES ($1, $2, 1, now(), 'x', $3, $4)
                """, "inbox-\(tenant)", "/srv/inbox/\(tenant).pdf", outcome.documentID, batch)
        }
    }

    /// A connection string for `role` to the test database.
    static func url(role: String, password: String, database configuration: PostgresConfiguration) throws -> PostgresConfiguration {
        var components = try #require(URLComponents(string: TestDatabase.serverURL))
        components.user = role
        components.password = password
        components.path = "/" + (configuration.databaseName ?? "lector")
        return PostgresConfiguration(connectionString: try #require(components.string), maxConnections: 2)
    }

    @Test func aReaderSeesOnlyItsTenantAndCannotWrite() async throws {
        try await TestDatabase.with { database, configuration in
            try await Self.seed(database)
            let role = "reader_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
            let password = UUID().uuidString
            let store = ReaderRoleStore(database: database)
            try await store.createReader(name: role, tenant: "tenant_a", password: password)
            // Idempotent: running it again changes nothing.
            try await store.createReader(name: role, tenant: "tenant_a", password: password)
            #expect(try await store.list().map(\.role) == [role])
            let hash = try await database.query("SELECT rolpassword FROM pg_authid WHERE rolname = $1", role).one()
                .decode("rolpassword", as: String?.self)
            #expect(hash?.hasPrefix("SCRAM-SHA-256$") == true)

            let reader = PostgresClient(
                configuration: try Self.url(role: role, password: password, database: configuration), logger: TestDatabase.logger)
            do {
                // As the reader: every view has rows, all of tenant_a.
                for view in Self.views {
                    let tenants = try await reader.query("SELECT DISTINCT tenant FROM lector.\(view)").map {
                        try $0.decode("tenant", as: String.self)
                    }
                    #expect(tenants == ["tenant_a"], "view \(view)")
                }
                // The batch views too: the reader's batch and its member, nothing of tenant_b's.
                #expect(try await reader.query("SELECT name FROM lector.batch_progress").map { try $0.decode("name", as: String.self) } == ["inbox-tenant_a"])
                #expect(try await reader.query("SELECT item FROM lector.batch_item_states").map { try $0.decode("item", as: String.self) } == ["/srv/inbox/tenant_a.pdf"])
                #expect(try await reader.query("SELECT item FROM lector.batch_items").count == 1)
                // Every view a reader is granted can be read (none reads a table the reader lacks).
                let granted = try await database.query(
                    """
                    SELECT DISTINCT table_name::text AS name FROM information_schema.role_table_grants
                    WHERE grantee = 'lector_reader' AND table_schema = 'lector' ORDER BY 1
                    """
                ).map { try $0.decode("name", as: String.self) }
                #expect(granted.contains("batch_report") && granted.contains("contract_overview"))
                for name in granted {
                    await #expect(throws: Never.self, "\(name)") {
                        try await reader.query("SELECT count(*) FROM lector.\(quoteIdentifier(name))")
                    }
                }
                let jobs = try await reader.query("SELECT coalesce(sum(jobs), 0)::int AS n FROM lector.job_stats").one()
                #expect(try jobs.decode("n", as: Int.self) == 1)
                // And the tables under them: only tenant_a's rows, joined or not.
                #expect(try await reader.query("SELECT tenant FROM lector.documents").map { try $0.decode("tenant", as: String.self) } == ["tenant_a"])
                #expect(try await reader.query("SELECT tenant FROM lector.findings").map { try $0.decode("tenant", as: String.self) } == ["tenant_a"])
                #expect(try await reader.query("SELECT text FROM lector.pages").map { try $0.decode("text", as: String.self) } == ["secret text of tenant_a"])
                #expect(try await reader.query("SELECT text FROM lector.finding_quotes").map { try $0.decode("text", as: String.self) } == ["quote of tenant_a"])
                #expect(try await reader.query("SELECT tenant FROM lector.tenant_readers").count == 1)
                let leak = try await reader.query(
                    "SELECT count(*) AS n FROM lector.latest_findings WHERE tenant = 'tenant_b' OR value LIKE '%tenant_b%'").one()
                #expect(try leak.decode("n", as: Int.self) == 0)

                // Not readable at all: document bytes, job arguments, tokens.
                for sql in [
                    "SELECT content FROM lector.documents", "SELECT args FROM lector.jobs", "SELECT * FROM lector.api_tokens",
                    "SELECT path FROM lector.batch_files",
                ] {
                    await #expect(throws: DatabaseError.self, "\(sql)") { try await reader.query(sql) }
                }
                // Writes are refused, even in a transaction that asks to write.
                for sql in [
                    "INSERT INTO lector.batches (name, tenant) VALUES ('x', 'tenant_a')",
                    "UPDATE lector.findings SET value = 'changed'",
                    "DELETE FROM lector.finding_quotes",
                    "INSERT INTO lector.tenant_readers (role_name, tenant) VALUES (current_user, 'tenant_b')",
                    "UPDATE lector.tenant_readers SET tenant = 'tenant_b'",
                ] {
                    await #expect(throws: DatabaseError.self, "\(sql)") { try await reader.query(sql) }
                    await #expect(throws: DatabaseError.self, "\(sql) (read write)") {
                        try await reader.withTransaction { connection in
                            try await connection.query("SET TRANSACTION READ WRITE")
                            try await connection.query(sql)
                        }
                    }
                }
            } catch {
                await reader.shutdown()
                throw error
            }
            await reader.shutdown()
            #expect(try await database.query("SELECT count(*) AS n FROM lector.findings WHERE value LIKE 'expires%'").one().decode("n", as: Int.self) == 2)

            // The service role still sees both tenants through the views.
            #expect(try await database.query("SELECT count(*) AS n FROM lector.contract_overview").one().decode("n", as: Int.self) == 2)

            try await database.query("DELETE FROM lector.tenant_readers WHERE role_name = $1", role)
            try await database.query("DROP OWNED BY \(quoteIdentifier(role))")
            try await database.query("DROP ROLE \(quoteIdentifier(role))")
        }
    }

    /// `CREATE OR REPLACE VIEW` drops `security_invoker`; a view without it would show a reader every
    /// tenant (were it granted). Every view of the schema must have it.
    @Test func everyViewRunsWithTheReadersRights() async throws {
        try await TestDatabase.with { database, _ in
            let views = try await database.query(
                """
                SELECT c.relname::text AS name, 'security_invoker=true' = ANY (coalesce(c.reloptions, '{}')) AS invoker
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'lector' AND c.relkind = 'v' ORDER BY 1
                """)
            let missing = try views.filter { !(try $0.decode("invoker", as: Bool.self)) }.map { try $0.decode("name", as: String.self) }
            #expect(missing.isEmpty, "views without security_invoker = true: \(missing)")
            let names = Set(try views.map { try $0.decode("name", as: String.self) })
            #expect(names.isSuperset(of: Self.views + ["job_stats"]))
        }
    }

    @Test func roleNamesAreValidatedAndPrivilegedRolesRefused() async throws {
        try await TestDatabase.with { database, _ in
            let store = ReaderRoleStore(database: database)
            for name in ["Robert'); DROP TABLE lector.documents; --", "pg_reader", "lector_reader", "", "1abc", "a b"] {
                await #expect(throws: TenancyError.self, "\(name)") { try await store.createReader(name: name, tenant: "a") }
            }
            await #expect(throws: TenancyError.self) { try await store.createReader(name: "fine_name", tenant: "bad tenant") }
            // The test server's own role is a superuser: it would bypass row-level security.
            let me = try await database.query("SELECT current_user::text AS u").one().decode("u", as: String.self)
            await #expect(throws: TenancyError.self) { try await store.createReader(name: me, tenant: "a") }
            #expect(try await store.list().isEmpty)
        }
    }
}
