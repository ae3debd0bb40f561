import Foundation
import LectorDB
import LectorService

/// A reader role for one test: made by `ReaderRoleStore` (as `lector role create-reader` does), with a
/// unique name (roles are cluster-wide and tests run in parallel), dropped afterwards.
public enum TestReaderRole {
    /// Runs `body` with the name of a new reader role of `tenant` in `database`, then drops the role.
    public static func with<T: Sendable>(
        tenant: String, database: PostgresClient, password: String? = nil, _ body: (String) async throws -> T
    ) async throws -> T {
        let role = uniqueName(prefix: "reader")
        try await ReaderRoleStore(database: database).createReader(name: role, tenant: tenant, password: password)
        do {
            let value = try await body(role)
            try await drop(role, in: database)
            return value
        } catch {
            try? await drop(role, in: database)
            throw error
        }
    }

    /// A role name no other test uses: `prefix_` and 12 random hex digits.
    public static func uniqueName(prefix: String) -> String {
        prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
    }

    /// Drops `role` and what it owns or was granted in `database` (its mapping too), and nothing else.
    public static func drop(_ role: String, in database: PostgresClient) async throws {
        try await database.query("DELETE FROM lector.tenant_readers WHERE role_name = $1", role)
        try await database.query("DROP OWNED BY \(quoteIdentifier(role))")
        try await database.query("DROP ROLE \(quoteIdentifier(role))")
    }
}
