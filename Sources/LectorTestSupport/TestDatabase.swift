import Foundation
import LectorCore
import LectorDB
import LectorSchema
import Logging
import Synchronization

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
    /// Waits first for one of the suite's database slots (`slots`), so that however many tests Swift
    /// Testing runs at once, the server is not run out of connections. A test that opens a second
    /// database inside the first uses the slot it holds.
    ///
    /// - Parameters:
    ///   - server: the server to create the database on (a temporary cluster, for example).
    ///   - body: receives the pool and the configuration that reaches the database (for code under test
    ///     that opens its own connections or spawns processes).
    public static func with<T: Sendable>(
        server: String = serverURL, migrated: Bool = true, maxConnections: Int = 8,
        _ body: (PostgresClient, PostgresConfiguration) async throws -> T
    ) async throws -> T {
        if holdsSlot { return try await scratch(server, migrated, maxConnections, body) }
        await slots.acquire()
        defer { slots.release() }
        return try await $holdsSlot.withValue(true) { try await scratch(server, migrated, maxConnections, body) }
    }

    /// How many scratch databases the tests of one process hold at once: `LECTOR_TEST_DATABASES`, else 6.
    ///
    /// Swift Testing runs twice as many tests at once as the machine has cores. A database test holds a
    /// pool of up to `maxConnections` and often starts workers with pools of their own, so on a machine
    /// with many cores the suite ran the server (300 connections) out: "sorry, too many clients
    /// already". Bounding the databases bounds the connections whatever the core count; tests without
    /// a database are not held back.
    static let slots = Slots(count: Environment.value("LECTOR_TEST_DATABASES").flatMap(Int.init).map { max(1, $0) } ?? 6)

    @TaskLocal static var holdsSlot = false

    private static func scratch<T: Sendable>(
        _ server: String, _ migrated: Bool, _ maxConnections: Int,
        _ body: (PostgresClient, PostgresConfiguration) async throws -> T
    ) async throws -> T {
        let name = "lector_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await admin(server) { try await $0.query("CREATE DATABASE \(quoteIdentifier(String(name)))") }
        var configuration = PostgresConfiguration(connectionString: server, maxConnections: maxConnections)
        configuration.databaseName = String(name)
        let client = PostgresClient(configuration: configuration, logger: logger)
        func cleanUp() async {
            await client.shutdown()
            try? await admin(server) { try await $0.query("DROP DATABASE IF EXISTS \(quoteIdentifier(String(name))) WITH (FORCE)") }
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

    /// A one-connection client for CREATE and DROP DATABASE, closed straight after: nothing is held for
    /// the length of the test, and a server restart in between (the restart tests) leaves no dead
    /// connection to trip on.
    private static func admin(_ server: String, _ body: (PostgresClient) async throws -> Void) async throws {
        let admin = PostgresClient(
            configuration: PostgresConfiguration(connectionString: server, maxConnections: 1), logger: logger)
        do {
            try await body(admin)
            await admin.shutdown()
        } catch {
            await admin.shutdown()
            throw error
        }
    }

    /// A counting semaphore for async code: `acquire` waits, in order, until a slot is free.
    final class Slots: Sendable {
        private struct State {
            var free: Int
            var waiting: [CheckedContinuation<Void, Never>] = []
        }

        private let state: Mutex<State>

        init(count: Int) { state = Mutex(State(free: count)) }

        func acquire() async {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    guard state.free > 0 else {
                        state.waiting.append(continuation)
                        return false
                    }
                    state.free -= 1
                    return true
                }
                if now { continuation.resume() }
            }
        }

        func release() {
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if state.waiting.isEmpty {
                    state.free += 1
                    return nil
                }
                return state.waiting.removeFirst()
            }
            next?.resume()
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
