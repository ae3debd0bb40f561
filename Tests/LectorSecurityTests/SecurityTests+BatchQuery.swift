import Foundation
import LectorAnalysis
import LectorBatch
import LectorDB
import LectorEngine
import LectorQueue
import LectorTestSupport
import Testing

extension SecurityTests {
    static func batchRunner(_ database: PostgresClient) -> BatchRunner {
        let profile = AnalysisProfile(
            name: "p", promptVersion: "security/1", categories: FindingCategory.all.filter { $0.key == "governing_law" },
            reasoningEffort: .off, imagePolicy: .auto, maxOutputTokens: 1024, marginTokens: 128, contextTokens: 32_768)
        return BatchRunner(
            database: database, queue: JobQueue(client: database, logger: TestDatabase.logger), profiles: ["p": profile],
            logger: TestDatabase.logger)
    }

    static func querySource(_ sql: String, tenant: String = "tenant_a") -> BatchDefinition {
        BatchDefinition(name: "requery", tenant: tenant, profile: "p", source: .query(sql))
    }

    /// Baseline: the query runs as the tenant's reader (not the service), read-only, under a statement
    /// timeout; without a reader role for the tenant it does not run at all.
    @Test func batchQueryRunsAsTenantReaderReadOnlyWithTimeout() async throws {
        try await TestDatabase.with { database, _ in
            try await Self.seed(database)
            let runner = Self.batchRunner(database)
            let probe = """
                SELECT id AS document_id FROM lector.documents
                WHERE current_user = session_user AND NOT lector.current_role_is_service()
                  AND current_setting('transaction_read_only') = 'on' AND current_setting('statement_timeout') = '2min'
                """
            await #expect(throws: BatchError.self) { try await runner.plan(Self.querySource(probe)) }
            try await TestReaderRole.with(tenant: "tenant_a", database: database) { _ in
                let plan = try await runner.plan(Self.querySource(probe))
                #expect(plan.candidates.count == 1)
            }
        }
    }

    /// The attack: a query source (tenant_a's batch) that reads tenant_b's rows in its own body, past
    /// the tenant filter the runner wraps around its result: directly, through an error message (a cast
    /// that fails on the value), and the service's token hashes. It gets no row and no value of theirs.
    @Test func batchQueryReadingOtherTenantsPastItsFilterOrThroughErrorsGetsNothing() async throws {
        try await TestDatabase.with { database, _ in
            try await Self.seed(database)
            let runner = Self.batchRunner(database)
            try await TestReaderRole.with(tenant: "tenant_a", database: database) { _ in
                let direct = try await runner.plan(Self.querySource(
                    "SELECT id AS document_id FROM lector.documents WHERE tenant = 'tenant_b' OR filename LIKE 'tenant_b%'"))
                #expect(direct.candidates.isEmpty)
                // With the service's rights this failed with "invalid input syntax for type bigint: tenant_b.pdf".
                let viaError = try await runner.plan(Self.querySource(
                    "SELECT (SELECT filename FROM lector.documents WHERE tenant = 'tenant_b' LIMIT 1)::bigint AS document_id"))
                #expect(viaError.candidates.isEmpty)
                do {
                    _ = try await runner.plan(Self.querySource(
                        "SELECT (SELECT token_sha256 FROM lector.api_tokens LIMIT 1)::bigint AS document_id"))
                    Issue.record("the query read lector.api_tokens")
                } catch let error as BatchError {
                    #expect(!error.description.contains("bbbb") && !error.description.contains("aaaa"), "\(error)")
                    #expect(error.description.contains("permission denied"), "\(error)")
                }
            }
        }
    }

    /// The attack: a query source that changes its session for good (set_config(..., false)), takes a
    /// session advisory lock, and tries to become the service again (set_config('role', ...)). The role
    /// switch is refused; the setting and the lock end with the query's own connection, and no service
    /// connection ever carries them.
    @Test func batchQuerySetConfigAdvisoryLockAndRoleSwitchDieWithItsConnection() async throws {
        try await TestDatabase.with { database, _ in
            try await Self.seed(database)
            let runner = Self.batchRunner(database)
            let owner = try await Self.owner(database)
            let marker = "lector-security-" + UUID().uuidString.prefix(8).lowercased()
            let lockKey = Int64.random(in: 1_000_000...9_000_000)
            try await TestReaderRole.with(tenant: "tenant_a", database: database) { _ in
                let plan = try await runner.plan(Self.querySource(
                    """
                    SELECT id AS document_id FROM lector.documents
                    WHERE set_config('application_name', '\(marker)', false) IS NOT NULL
                      AND set_config('search_path', 'pg_temp', false) IS NOT NULL
                      AND pg_try_advisory_lock(\(lockKey))
                    """))
                #expect(plan.candidates.count == 1)
                await #expect(throws: BatchError.self) {
                    _ = try await runner.plan(Self.querySource(
                        "SELECT id AS document_id FROM lector.documents WHERE set_config('role', '\(owner)', false) IS NOT NULL"))
                }
                // The query's connection closes when it returns; its backend ends a moment later.
                #expect(try await eventually(30) {
                    try await database.query(
                        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", marker
                    ).one().decode("n", as: Int.self) == 0
                })
                #expect(try await eventually(30) {
                    try await database.query(
                        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1::bigint::oid", lockKey
                    ).one().decode("n", as: Int.self) == 0
                })
                let searchPath = try await database.query("SELECT current_setting('search_path') AS path").one()
                #expect(try searchPath.decode("path", as: String.self) != "pg_temp")
            }
        }
    }
}
