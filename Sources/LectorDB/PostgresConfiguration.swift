import LectorCore

/// How to reach PostgreSQL.
///
/// The connection string is handed to libpq as is, so everything libpq understands works: URIs
/// (`postgresql://user@host:5432/db?sslmode=verify-full`), `key=value` conninfo, several hosts for
/// failover, service files, `.pgpass` and the `PG*` environment variables for whatever the string leaves
/// out. Lector only adds defaults the string can override (application name, connect timeout).
public struct PostgresConfiguration: Sendable {
    /// A libpq URI or conninfo string; empty means "libpq's defaults and `PG*` variables".
    public var connectionString: String
    /// `application_name` shown in `pg_stat_activity`.
    public var applicationName: String
    /// Seconds libpq waits for a connection to open.
    public var connectTimeout: Int
    /// The most connections the pool opens.
    public var maxConnections: Int
    /// A database name that replaces the one in `connectionString` (for tools and tests that reach
    /// several databases of one server).
    public var databaseName: String?

    public init(
        connectionString: String = "", applicationName: String = "lector", connectTimeout: Int = 10,
        maxConnections: Int = 8
    ) {
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
        self.maxConnections = maxConnections
        self.databaseName = nil
    }

    /// libpq keywords and values in order: Lector's defaults, then the connection string (expanded by
    /// libpq, overriding the defaults), then the database override.
    func libpqParameters(applicationSuffix: String = "") -> (keywords: [String], values: [String]) {
        var keywords = ["application_name", "connect_timeout"]
        var values = [applicationName + applicationSuffix, String(connectTimeout)]
        if !connectionString.isEmpty {
            keywords.append("dbname")
            values.append(connectionString)
        }
        if let databaseName {
            keywords.append("dbname")
            values.append(databaseName)
        }
        return (keywords, values)
    }

    /// The configuration from `LECTOR_DATABASE_URL`, or libpq's own defaults when it is unset.
    public static func fromEnvironment(maxConnections: Int = 8) -> PostgresConfiguration {
        PostgresConfiguration(
            connectionString: Environment.value("LECTOR_DATABASE_URL") ?? "", maxConnections: maxConnections)
    }
}
