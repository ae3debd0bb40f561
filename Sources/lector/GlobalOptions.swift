import ArgumentParser
import LectorCore
import LectorDB
import LectorQueue
import Logging

/// Options every command takes: where the database is and how to log.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL connection string (libpq URI or conninfo).",
            discussion: "Default: $LECTOR_DATABASE_URL, else the file $LECTOR_DATABASE_URL_FILE names, else libpq's PG* variables.", valueName: "url"))
    var databaseURL: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    @Option(help: "Log format: text or json (one object per line, on standard error).")
    var logFormat: LogFormat = .text

    /// Sets up logging for the process (once) and returns the root logger.
    func makeLogger() -> Logger {
        LogFormat.bootstrap(format: logFormat, level: logLevel)
        return Logger(label: "lector")
    }

    /// The database configuration from the flag or the environment.
    func databaseConfiguration(maxConnections: Int = 8) throws -> PostgresConfiguration {
        if let databaseURL { return PostgresConfiguration(connectionString: databaseURL, maxConnections: maxConnections) }
        return try PostgresConfiguration.fromEnvironment(maxConnections: maxConnections)
    }

    /// Runs `body` with a connection pool, shutting it down afterwards.
    func withDatabase<T: Sendable>(
        logger: Logger, maxConnections: Int = 8, statementTimeoutSeconds: Int? = nil,
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        var configuration = try databaseConfiguration(maxConnections: maxConnections)
        configuration.statementTimeoutSeconds = statementTimeoutSeconds
        return try await PostgresClient.withClient(configuration: configuration, logger: logger, body)
    }

    /// Runs one operator action on the queue (a pool of one connection), reporting errors as every
    /// command does.
    func withQueue(_ body: (JobQueue) async throws -> Void) async throws {
        let logger = makeLogger()
        try await reportingErrors {
            try await withDatabase(logger: logger, maxConnections: 1) { client in
                try await body(JobQueue(client: client, logger: logger))
            }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
