import LectorCore

/// How to reach PostgreSQL.
///
/// The connection string is handed to libpq as is, so everything libpq understands works: URIs
/// (`postgresql://user@host:5432/db?sslmode=verify-full`), `key=value` conninfo, several hosts for
/// failover, service files, `.pgpass` and the `PG*` environment variables for whatever the string leaves
/// out. Lector only adds defaults the string can override (application name, connect timeout, TCP
/// keepalives and `tcp_user_timeout`, so that a half-open connection after a network partition is
/// noticed within about a minute instead of the kernel's two hours).
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
    /// A role name that replaces the one in `connectionString` (for work that must run as a role of
    /// its own, such as a batch's query source running as a tenant's reader). libpq finds its
    /// credentials as usual: `.pgpass`, a client certificate, the server's trust or peer rules.
    public var userName: String?
    /// When set, the server cancels any statement of these sessions that runs longer (`statement_timeout`,
    /// as a default the connection string's own `options` replace): a worker's queue statements are short,
    /// and one stuck behind a lock or a dying server should fail and be retried rather than hang.
    public var statementTimeoutSeconds: Int?

    public init(
        connectionString: String = "", applicationName: String = "lector", connectTimeout: Int = 10,
        maxConnections: Int = 8
    ) {
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
        self.maxConnections = maxConnections
        self.databaseName = nil
        self.userName = nil
        self.statementTimeoutSeconds = nil
    }

    /// libpq keywords and values in order: Lector's defaults, then the connection string (expanded by
    /// libpq, overriding the defaults), then the database override.
    func libpqParameters(applicationSuffix: String = "") -> (keywords: [String], values: [String]) {
        var keywords = ["application_name", "connect_timeout"]
        var values = [applicationName + applicationSuffix, String(connectTimeout)]
        // Keepalive probes after 30 s of silence, every 10 s, 3 lost ones end the connection; unacknowledged
        // data (a statement sent into a partition) ends it after 60 s. Both only act on a dead peer: a
        // long statement the server is working on keeps the connection's TCP alive.
        for (keyword, value) in Self.keepaliveDefaults {
            keywords.append(keyword)
            values.append(value)
        }
        if let statementTimeoutSeconds, statementTimeoutSeconds > 0 {
            keywords.append("options")
            values.append("-c statement_timeout=\(statementTimeoutSeconds)s")
        }
        if !connectionString.isEmpty {
            keywords.append("dbname")
            values.append(connectionString)
        }
        if let databaseName {
            keywords.append("dbname")
            values.append(databaseName)
        }
        if let userName {
            keywords.append("user")
            values.append(userName)
        }
        return (keywords, values)
    }

    /// The TCP keepalive defaults a connection string may override (libpq keywords and values).
    public static let keepaliveDefaults: [(String, String)] = [
        ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "60000"),
    ]

    /// The configuration from `LECTOR_DATABASE_URL`, or from the file `LECTOR_DATABASE_URL_FILE` names
    /// (a container secret or a systemd credential: the URL may carry a password), or libpq's own
    /// defaults when neither is set.
    ///
    /// - Throws: ``ConfigurationError`` when `LECTOR_DATABASE_URL_FILE` names a file that cannot be read.
    public static func fromEnvironment(maxConnections: Int = 8) throws(ConfigurationError) -> PostgresConfiguration {
        PostgresConfiguration(
            connectionString: try Secret.fromEnvironment("LECTOR_DATABASE_URL")?.value ?? "",
            maxConnections: maxConnections)
    }
}
