import LectorCore

/// A batch that cannot be defined, found or run.
///
/// A bad definition names its file and line: `jobs/nightly.yaml:7: schedule: minute: '61' is outside 0-59`.
public struct BatchError: LectorError {
    public enum Kind: String, Sendable {
        /// A definition file that does not parse or validate.
        case invalidDefinition = "invalid_definition"
        /// No definition, or no batch, of that name or id.
        case notFound = "not_found"
        /// The source cannot be read (a missing folder, a query PostgreSQL refused).
        case sourceUnavailable = "source_unavailable"
    }

    public var kind: Kind
    public var file: String?
    public var line: Int?
    public var reason: String

    public init(kind: Kind, file: String? = nil, line: Int? = nil, reason: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.reason = reason
    }

    static func invalid(_ file: String, _ line: Int?, _ reason: String) -> BatchError {
        BatchError(kind: .invalidDefinition, file: file, line: line, reason: reason)
    }

    public var code: String { "batch.\(kind.rawValue)" }

    public var description: String {
        switch (file, line) {
        case let (file?, line?): "\(file):\(line): \(reason)"
        case let (file?, nil): "\(file): \(reason)"
        default: reason
        }
    }
}
