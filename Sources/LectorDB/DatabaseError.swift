import LectorCore

/// A failure talking to PostgreSQL.
///
/// `kind` lets callers tell apart what they handle differently (a unique violation, a serialization
/// failure to retry, a lost connection); `sqlState` is PostgreSQL's own five-character code when the
/// server sent one. `message` is the server's primary message or libpq's, never parameter values
/// (PostgreSQL's DETAIL field, which can quote values, is not kept).
public struct DatabaseError: LectorError {
    /// What kind of failure this is.
    public enum Kind: String, Sendable, CaseIterable {
        /// Could not open a connection (server down, wrong host, authentication failed).
        case connectionFailed = "connection_failed"
        /// The connection broke during use (server restart, network).
        case connectionLost = "connection_lost"
        case uniqueViolation = "unique_violation"
        case foreignKeyViolation = "foreign_key_violation"
        case checkViolation = "check_violation"
        case notNullViolation = "not_null_violation"
        case serializationFailure = "serialization_failure"
        case deadlockDetected = "deadlock_detected"
        case lockNotAvailable = "lock_not_available"
        /// The statement was cancelled (by the caller's task cancellation or a statement timeout).
        case queryCanceled = "query_canceled"
        case undefinedObject = "undefined_object"
        case syntaxError = "syntax_error"
        case insufficientPrivilege = "insufficient_privilege"
        /// A value in a result could not be decoded as the type asked for.
        case decoding
        /// The result did not have the expected shape (no such column, no row).
        case unexpectedResult = "unexpected_result"
        /// A migration file was edited after it was applied, or cannot be applied.
        case migration
        case other
    }

    public var kind: Kind
    /// PostgreSQL's SQLSTATE, when the server reported one.
    public var sqlState: String?
    /// The server's primary message or libpq's message; never parameter values.
    public var message: String
    /// The constraint that was violated, when the server names one.
    public var constraint: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, constraint: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.constraint = constraint
    }

    public var code: String { "database.\(kind.rawValue)" }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }

    /// Whether the same work may succeed when simply tried again (on a fresh connection for
    /// connection failures).
    public var isTransient: Bool {
        switch kind {
        case .connectionFailed, .connectionLost, .serializationFailure, .deadlockDetected, .lockNotAvailable:
            return true
        default:
            return false
        }
    }

    /// Whether the connection this happened on can no longer be used.
    public var isConnectionLevel: Bool { kind == .connectionFailed || kind == .connectionLost }

    /// Maps a SQLSTATE to a kind.
    static func kind(forSQLState state: String) -> Kind {
        switch state {
        case "23505": return .uniqueViolation
        case "23503": return .foreignKeyViolation
        case "23514": return .checkViolation
        case "23502": return .notNullViolation
        case "40001": return .serializationFailure
        case "40P01": return .deadlockDetected
        case "55P03": return .lockNotAvailable
        case "57014": return .queryCanceled
        case "42601": return .syntaxError
        case "42501": return .insufficientPrivilege
        case "42P01", "42703", "42883", "3F000", "42704": return .undefinedObject
        // admin_shutdown, crash_shutdown, cannot_connect_now, and the whole connection exception class.
        case "57P01", "57P02", "57P03": return .connectionLost
        case let s where s.hasPrefix("08"): return .connectionLost
        case "53300": return .connectionFailed
        default: return .other
        }
    }
}
