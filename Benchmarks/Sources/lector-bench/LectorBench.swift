import ArgumentParser
import Foundation
import LectorCore
import LectorDB
import LectorSchema
import Logging

/// `lector-bench`: the Lector side of `Benchmarks/run queue` and `Benchmarks/run batch`, and the worker
/// with test handlers that the queue's crash tests kill. Not shipped: these empty tables and run
/// handlers no deployment has, so they live outside the `lector` binary.
///
/// Each runs in a scratch database of its own by default (created beside the one `--database-url`
/// names, migrated, dropped at the end). `--in-place` uses the named database itself, and refuses one
/// that holds documents or jobs unless `--allow-existing-data` says its contents may be lost.
@main
struct LectorBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lector-bench",
        abstract: "Benchmarks and test workers for Lector's queue and batches (never against production data).",
        subcommands: [QueueBench.self, BatchBench.self, PageRenderBench.self, Work.self])
}

/// Where a bench command runs and how it logs.
struct BenchOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL server to use (libpq URI); default $LECTOR_DATABASE_URL. A scratch database is made on it.",
            valueName: "url"))
    var databaseURL: String?

    @Flag(help: "Use the database --database-url names instead of a scratch database of its own.")
    var inPlace = false

    @Flag(help: "With --in-place: run even though the database holds documents or jobs (they may be deleted).")
    var allowExistingData = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    func makeLogger() -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "lector-bench")
    }

    func url() throws -> String {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["LECTOR_DATABASE_URL"], !url.isEmpty else {
            throw ValidationError("no database: pass --database-url or set LECTOR_DATABASE_URL")
        }
        return url
    }

    /// Runs `body` with a pool on the database the options choose (see ``LectorBench``).
    func withDatabase<T: Sendable>(
        logger: Logger, maxConnections: Int, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let server = try url()
        if inPlace {
            return try await Self.withClient(server, maxConnections: maxConnections, logger: logger) { client in
                try await refuseExistingData(client)
                return try await body(client)
            }
        }
        let name = "lector_bench_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try await Self.withClient(server, maxConnections: 1, logger: logger) { admin in
            try await admin.query("CREATE DATABASE \(quoteIdentifier(name))")
        }
        do {
            let scratch = try Self.url(server, database: name)
            let value = try await Self.withClient(scratch, maxConnections: maxConnections, logger: logger) { client in
                _ = try await Migrator(migrations: LectorSchema.migrations, logger: logger).migrate(client)
                return try await body(client)
            }
            try await dropScratch(server, name, logger: logger)
            return value
        } catch {
            try? await dropScratch(server, name, logger: logger)
            throw error
        }
    }

    private func dropScratch(_ server: String, _ name: String, logger: Logger) async throws {
        try await Self.withClient(server, maxConnections: 1, logger: logger) { admin in
            try await admin.query("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)")
        }
    }

    /// Refuses a database that holds documents or jobs, unless told otherwise.
    private func refuseExistingData(_ client: PostgresClient) async throws {
        let schema = try await client.query(
            "SELECT to_regclass('lector.jobs') IS NOT NULL AND to_regclass('lector.documents') IS NOT NULL AS ok").one()
        guard try schema.decode("ok", as: Bool.self) else {
            throw ValidationError("the database has no Lector schema: run `lector migrate` on it first")
        }
        guard !allowExistingData else { return }
        let row = try await client.query(
            """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM lector.documents LIMIT 1) d)
                 + (SELECT count(*) FROM (SELECT 1 FROM lector.jobs LIMIT 1) j) AS n
            """
        ).one()
        if try row.decode("n", as: Int.self) > 0 {
            throw ValidationError(
                "the database holds documents or jobs, which a benchmark may delete; drop --in-place to use a scratch database, or add --allow-existing-data")
        }
    }

    /// The URI `server` with its database replaced by `database`.
    static func url(_ server: String, database: String) throws -> String {
        guard var parts = URLComponents(string: server), parts.scheme?.hasPrefix("postgres") == true else {
            throw ValidationError("a scratch database needs --database-url as a postgresql:// URI")
        }
        parts.path = "/" + database
        guard let url = parts.string else { throw ValidationError("cannot build the scratch database's URI") }
        return url
    }

    static func withClient<T: Sendable>(
        _ url: String, maxConnections: Int, logger: Logger, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        try await PostgresClient.withClient(
            configuration: PostgresConfiguration(connectionString: url, maxConnections: maxConnections), logger: logger, body)
    }
}

/// Prints `value` as one line of JSON.
func printJSON(_ value: Any) {
    let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8)
    print(String(decoding: data, as: UTF8.self))
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
