import Foundation
import LectorCore
import LectorDB
import LectorSchema
import Logging

/// A fresh database for one test or suite: created on the test server, migrated, dropped afterwards.
///
/// The server is `LECTOR_TEST_DATABASE_URL` (set by `deploy/local/test`), else the local cluster of
/// `deploy/local/postgres`. The role needs CREATEDB.
public enum TestDatabase {
    /// The server tests use.
    public static var serverURL: String {
        Environment.value("LECTOR_TEST_DATABASE_URL") ?? "postgresql://lector@127.0.0.1:55432/lector"
    }

    /// A logger for tests: quiet unless LECTOR_TEST_LOG_LEVEL asks for more.
    public static var logger: Logger {
        var logger = Logger(label: "lector.test")
        logger.logLevel = Environment.value("LECTOR_TEST_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    /// Runs `body` with a pool on a new database, migrated unless `migrated` is false, then drops it.
    ///
    /// - Parameter body: receives the pool and the configuration that reaches the database (for code
    ///   under test that opens its own connections or spawns processes).
    public static func with<T: Sendable>(
        migrated: Bool = true, maxConnections: Int = 8,
        _ body: (PostgresClient, PostgresConfiguration) async throws -> T
    ) async throws -> T {
        let name = "lector_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = PostgresClient(
            configuration: PostgresConfiguration(connectionString: serverURL, maxConnections: 1), logger: logger)
        do {
            try await admin.query("CREATE DATABASE \(quoteIdentifier(String(name)))")
        } catch {
            await admin.shutdown()
            throw error
        }
        var configuration = PostgresConfiguration(connectionString: serverURL, maxConnections: maxConnections)
        configuration.databaseName = String(name)
        let client = PostgresClient(configuration: configuration, logger: logger)
        func cleanUp() async {
            await client.shutdown()
            _ = try? await admin.query("DROP DATABASE IF EXISTS \(quoteIdentifier(String(name))) WITH (FORCE)")
            await admin.shutdown()
        }
        do {
            if migrated {
                try await Migrator(migrations: LectorSchema.migrations, logger: logger).migrate(client)
            }
            let value = try await body(client, configuration)
            await cleanUp()
            return value
        } catch {
            await cleanUp()
            throw error
        }
    }
}

/// Where things are in the checkout, for tests that run scripts, read the corpus or spawn `lector`.
public enum RepoPaths {
    /// The repository root: `LECTOR_REPO_ROOT`, else found from this file's location.
    public static var root: URL {
        if let root = Environment.value("LECTOR_REPO_ROOT") { return URL(fileURLWithPath: root) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The shared corpus beside the checkout (`../shared/corpus`).
    public static var corpus: URL { root.deletingLastPathComponent().appendingPathComponent("shared/corpus") }

    /// The `lector` executable of the current build (debug unless LECTOR_TEST_BINARY names another).
    public static var lectorBinary: URL { builtExecutable("lector", override: "LECTOR_TEST_BINARY") }

    /// The built `lector-bench` (benchmarks and the test-handler worker; not shipped).
    public static var benchBinary: URL { builtExecutable("lector-bench", override: "LECTOR_TEST_BENCH_BINARY") }

    static func builtExecutable(_ name: String, override: String) -> URL {
        if let path = Environment.value(override) { return URL(fileURLWithPath: path) }
        // The test bundle lives in the same build folder as the executable.
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent(name),
            Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent(name),
            root.appendingPathComponent(".build/debug/\(name)"),
        ].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }
}
