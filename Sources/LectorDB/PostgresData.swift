import Foundation

/// A parameter value as sent to PostgreSQL: its type OID, its format, and its bytes (nil for NULL).
public struct PostgresBind: Sendable {
    /// The parameter's type OID; 0 lets the server infer it.
    public var oid: UInt32
    /// `true` for PostgreSQL's binary format (used for `bytea`), `false` for text.
    public var binary: Bool
    /// The encoded value, or nil for SQL NULL.
    public var bytes: [UInt8]?

    public init(oid: UInt32, binary: Bool = false, bytes: [UInt8]?) {
        self.oid = oid
        self.binary = binary
        self.bytes = bytes
    }

    /// A text-format value.
    public static func text(_ string: String, oid: UInt32) -> PostgresBind {
        PostgresBind(oid: oid, binary: false, bytes: Array(string.utf8))
    }

    /// SQL NULL of the given type.
    public static func null(oid: UInt32 = 0) -> PostgresBind { PostgresBind(oid: oid, bytes: nil) }
}

/// Well-known type OIDs (pg_type.oid), for binding and for naming types in decoding errors.
public enum PostgresOID {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let int4Array: UInt32 = 1007
    public static let textArray: UInt32 = 1009
    public static let int8Array: UInt32 = 1016
    public static let varchar: UInt32 = 1043
    public static let date: UInt32 = 1082
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let interval: UInt32 = 1186
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802

    /// A readable name for error messages.
    public static func name(_ oid: UInt32) -> String {
        switch oid {
        case bool: "boolean"
        case bytea: "bytea"
        case int8: "bigint"
        case int2: "smallint"
        case int4: "integer"
        case text: "text"
        case json: "json"
        case float4: "real"
        case float8: "double precision"
        case int4Array: "integer[]"
        case textArray: "text[]"
        case int8Array: "bigint[]"
        case varchar: "varchar"
        case date: "date"
        case timestamp: "timestamp"
        case timestamptz: "timestamptz"
        case interval: "interval"
        case numeric: "numeric"
        case uuid: "uuid"
        case jsonb: "jsonb"
        default: "type \(oid)"
        }
    }
}

/// A Swift type that can be sent as a query parameter.
public protocol PostgresEncodable: Sendable {
    /// The value in PostgreSQL's wire form.
    var postgresBind: PostgresBind { get }
}

/// A Swift type that can be read from a result column (text format).
public protocol PostgresDecodable: Sendable {
    /// Decodes a non-NULL value from its text form.
    ///
    /// - Parameters:
    ///   - text: the value's bytes in PostgreSQL's text output format.
    ///   - oid: the column's type OID.
    /// - Returns: nil when the value cannot be represented (the caller turns this into a
    ///   ``DatabaseError`` naming the column and types).
    static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> Self?
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresBind: PostgresBind {
        switch self {
        case .some(let value): value.postgresBind
        case .none: .null()
        }
    }
}

// MARK: - Scalars

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind { .text(self, oid: PostgresOID.text) }
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> String? {
        String(decoding: text, as: UTF8.self)
    }
}

extension Substring: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self), oid: PostgresOID.text) }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind { .text(String(self), oid: PostgresOID.int8) }
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> Int64? {
        switch oid {
        case PostgresOID.int2, PostgresOID.int4, PostgresOID.int8, PostgresOID.numeric:
            Int64(String(decoding: text, as: UTF8.self))
        default: nil
        }
    }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind { .text(String(self), oid: PostgresOID.int8) }
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> Int? {
        Int64.decode(postgresText: text, oid: oid).flatMap { Int(exactly: $0) }
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind { .text(String(self), oid: PostgresOID.int4) }
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> Int32? {
        Int64.decode(postgresText: text, oid: oid).flatMap { Int32(exactly: $0) }
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind {
        let text: String
        if isNaN { text = "NaN" } else if self == .infinity { text = "Infinity" } else if self == -.infinity {
            text = "-Infinity"
        } else { text = "\(self)" }
        return .text(text, oid: PostgresOID.float8)
    }
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> Double? {
        switch oid {
        case PostgresOID.float4, PostgresOID.float8, PostgresOID.numeric, PostgresOID.int2, PostgresOID.int4,
            PostgresOID.int8:
            let string = String(decoding: text, as: UTF8.self)
            switch string {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return Double(string)
            }
        default: return nil
        }
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind { .text(self ? "t" : "f", oid: PostgresOID.bool) }
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> Bool? {
        guard oid == PostgresOID.bool, text.count == 1 else { return nil }
        switch text[0] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind { .text(uuidString.lowercased(), oid: PostgresOID.uuid) }
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> UUID? {
        guard oid == PostgresOID.uuid || oid == PostgresOID.text else { return nil }
        return UUID(uuidString: String(decoding: text, as: UTF8.self))
    }
}
