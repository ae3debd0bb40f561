import Foundation
import LectorDB
import LectorTestSupport
import Testing

/// The `lector` binary as people and scripts meet it: exit codes, one-line errors, migrate.
@Suite("The lector command line")
struct CLITests {
    let lector = RepoPaths.lectorBinary.path

    @Test func helpAndVersion() async throws {
        let help = try await ChildProcess.run(lector, ["--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("migrate"))
        #expect(help.standardOutput.contains("LECTOR_DATABASE_URL"))
        let version = try await ChildProcess.run(lector, ["version"])
        #expect(version.status == 0)
        #expect(version.standardOutput.hasPrefix("lector "))
    }

    @Test func unknownCommandIsAUsageError() async throws {
        let result = try await ChildProcess.run(lector, ["frobnicate"])
        #expect(result.status == 64)
    }

    /// Checked before any file or the database: the API could never serve such a tenant's documents.
    @Test func aTenantTheAPICannotNameIsAUsageError() async throws {
        let result = try await ChildProcess.run(lector, ["submit", "--tenant", "bad tenant", "-"])
        #expect(result.status == 64)
        #expect(result.standardError.split(separator: "\n") == [
            "error: tenancy.invalid_tenant: a tenant is 1 to 63 letters, digits, '_', '.' or '-', starting with a letter or digit"
        ])
    }

    @Test func unreachableDatabaseIsOneLineAndExit69() async throws {
        let port = try TemporaryPostgresCluster.freePort()
        let result = try await ChildProcess.run(
            lector, ["migrate"], environment: ["LECTOR_DATABASE_URL": "postgresql://lector@127.0.0.1:\(port)/lector"])
        #expect(result.status == 69)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("error: database.connection_failed: ") == true)
        // A malformed connection string is the same kind of failure, not a crash.
        let malformed = try await ChildProcess.run(lector, ["migrate", "--database-url", "postgresql://[bad"])
        #expect(malformed.status == 69)
        #expect(malformed.standardError.split(separator: "\n").count == 1)
    }

    @Test func migrateTwiceAndStatus() async throws {
        try await TestDatabase.with(migrated: false) { _, configuration in
            let database = try #require(configuration.databaseName)
            let args = ["--database-url", dbURL(configuration.connectionString, database)]
            let first = try await ChildProcess.run(lector, ["migrate"] + args)
            #expect(first.status == 0, "\(first.standardError)")
            #expect(first.standardOutput.contains("applied 0001_core.sql"))
            let second = try await ChildProcess.run(lector, ["migrate"] + args)
            #expect(second.status == 0)
            #expect(second.standardOutput.contains("schema is up to date"))
            let status = try await ChildProcess.run(lector, ["migrate", "--status", "--json"] + args)
            #expect(status.status == 0)
            #expect(status.standardOutput.contains("\"state\" : \"applied\""))
        }
    }

    /// Replaces the database name in a `postgresql://` URL.
    private func dbURL(_ url: String, _ database: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + database
        return components.string ?? url
    }
}
