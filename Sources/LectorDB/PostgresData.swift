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

// MARK: - bytea

/// Binary data for `bytea` columns, sent in binary format (no hex doubling on the way in).
public struct PostgresBytes: PostgresEncodable, PostgresDecodable, Equatable, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var postgresBind: PostgresBind { PostgresBind(oid: PostgresOID.bytea, binary: true, bytes: bytes) }

    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> PostgresBytes? {
        guard oid == PostgresOID.bytea else { return nil }
        // bytea_output = hex (the default since 9.0): "\x" then two hex digits per byte.
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"),
            text.count % 2 == 0
        else { return nil }
        let count = (text.count - 2) / 2
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var i = 2
            for j in 0..<count {
                let high = hexValue(text[i]), low = hexValue(text[i + 1])
                if high > 15 || low > 15 { failed = true; break }
                buffer[j] = high << 4 | low
                i += 2
            }
            initialized = failed ? 0 : count
        }
        return failed ? nil : PostgresBytes(bytes)
    }

    @inline(__always)
    private static func hexValue(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c &- UInt8(ascii: "A") &+ 10
        default: 255
        }
    }
}

extension Data: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind { PostgresBytes([UInt8](self)).postgresBind }
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> Data? {
        PostgresBytes.decode(postgresText: text, oid: oid).map { Data($0.bytes) }
    }
}

// MARK: - Timestamps

extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind {
        // Microsecond precision, UTC, in a form PostgreSQL parses under any DateStyle.
        let micros = (timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = Int64((micros / 1_000_000).rounded(.down))
        let fraction = Int64(micros) - seconds * 1_000_000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let text = String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), fraction)
        return .text(text, oid: PostgresOID.timestamptz)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]]` (DateStyle ISO, which every Lector session sets),
    /// and plain dates as midnight UTC.
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> Date? {
        guard oid == PostgresOID.timestamptz || oid == PostgresOID.timestamp || oid == PostgresOID.date else {
            return nil
        }
        var parser = TimestampParser(text: text)
        return parser.parse()
    }
}

/// A small, allocation-free parser of PostgreSQL's ISO timestamp output.
private struct TimestampParser {
    let text: UnsafeBufferPointer<UInt8>
    var index = 0

    init(text: UnsafeBufferPointer<UInt8>) { self.text = text }

    mutating func number(digits: Int) -> Int? {
        guard index + digits <= text.count else { return nil }
        var value = 0
        for _ in 0..<digits {
            let c = text[index]
            guard c >= 48, c <= 57 else { return nil }
            value = value * 10 + Int(c - 48)
            index += 1
        }
        return value
    }

    mutating func expect(_ c: Character) -> Bool {
        guard index < text.count, text[index] == c.asciiValue! else { return false }
        index += 1
        return true
    }

    mutating func parse() -> Date? {
        guard let year = number(digits: 4), expect("-"), let month = number(digits: 2), expect("-"),
            let day = number(digits: 2)
        else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offsetSeconds = 0
        if index < text.count {
            guard expect(" ") || expect("T"), let h = number(digits: 2), expect(":"), let m = number(digits: 2),
                expect(":"), let s = number(digits: 2)
            else { return nil }
            hour = h; minute = m; second = s
            if expect(".") {
                var scale = 0.1
                while index < text.count, text[index] >= 48, text[index] <= 57 {
                    fraction += Double(text[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
            }
            if index < text.count {
                let sign: Int
                if expect("+") { sign = 1 } else if expect("-") { sign = -1 } else if expect("Z") {
                    return index == text.count ? make() : nil
                } else { return nil }
                guard let oh = number(digits: 2) else { return nil }
                var om = 0, os = 0
                if expect(":") { om = number(digits: 2) ?? 0 }
                if expect(":") { os = number(digits: 2) ?? 0 }
                offsetSeconds = sign * (oh * 3600 + om * 60 + os)
            }
        }
        guard index == text.count else { return nil }
        return make()

        func make() -> Date? {
            let days = daysFromCivil(year: year, month: month, day: day)
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
            return Date(timeIntervalSince1970: Double(seconds) + fraction)
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

// MARK: - JSON

/// A JSON document for `json`/`jsonb` columns, as its UTF-8 text.
public struct PostgresJSON: PostgresEncodable, PostgresDecodable, Equatable {
    /// The JSON text.
    public var text: String

    public init(text: String) { self.text = text }

    /// Encodes a value with `JSONEncoder` (sorted keys, so equal values give equal text).
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes the JSON text as `type`.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    public var postgresBind: PostgresBind { .text(text, oid: PostgresOID.jsonb) }

    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> PostgresJSON? {
        guard oid == PostgresOID.json || oid == PostgresOID.jsonb || oid == PostgresOID.text else { return nil }
        return PostgresJSON(text: String(decoding: text, as: UTF8.self))
    }
}

// MARK: - Arrays

/// Element types of the arrays Lector binds and decodes (`bigint[]`, `integer[]`, `text[]`).
public protocol PostgresArrayElement: PostgresEncodable, PostgresDecodable {
    /// The OID of an array of this element type.
    static var postgresArrayOID: UInt32 { get }
}

extension Int: PostgresArrayElement { public static var postgresArrayOID: UInt32 { PostgresOID.int8Array } }
extension Int64: PostgresArrayElement { public static var postgresArrayOID: UInt32 { PostgresOID.int8Array } }
extension Int32: PostgresArrayElement { public static var postgresArrayOID: UInt32 { PostgresOID.int4Array } }
extension String: PostgresArrayElement { public static var postgresArrayOID: UInt32 { PostgresOID.textArray } }

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public var postgresBind: PostgresBind {
        var text = "{"
        for (i, element) in enumerated() {
            if i > 0 { text += "," }
            let raw = element.postgresBind.bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""
            text += "\""
            for c in raw.unicodeScalars {
                if c == "\"" || c == "\\" { text += "\\" }
                text.unicodeScalars.append(c)
            }
            text += "\""
        }
        text += "}"
        return .text(text, oid: Element.postgresArrayOID)
    }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> [Element]? {
        let elementOID: UInt32
        switch oid {
        case PostgresOID.int8Array: elementOID = PostgresOID.int8
        case PostgresOID.int4Array: elementOID = PostgresOID.int4
        case PostgresOID.textArray: elementOID = PostgresOID.text
        case 1015: elementOID = PostgresOID.varchar  // varchar[]
        default: return nil
        }
        guard let items = PostgresArrayText.parse(text) else { return nil }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for item in items {
            // A NULL element cannot be represented in a non-optional array.
            guard let item else { return nil }
            let decoded: Element? = item.utf8.withContiguousStorageIfAvailable {
                Element.decode(postgresText: $0, oid: elementOID)
            } ?? Array<UInt8>(item.utf8).withUnsafeBufferPointer { Element.decode(postgresText: $0, oid: elementOID) }
            guard let decoded else { return nil }
            result.append(decoded)
        }
        return result
    }
}

/// Parses the text form of a one-dimensional array: `{1,2}`, `{"a b",NULL,c}`.
enum PostgresArrayText {
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> [String?]? {
        guard text.count >= 2, text.first == UInt8(ascii: "{"), text.last == UInt8(ascii: "}") else { return nil }
        var items: [String?] = []
        var i = 1
        let end = text.count - 1
        if i == end { return [] }
        while i <= end {
            var bytes: [UInt8] = []
            var quoted = false
            if text[i] == UInt8(ascii: "\"") {
                quoted = true
                i += 1
                while i < end, text[i] != UInt8(ascii: "\"") {
                    if text[i] == UInt8(ascii: "\\") { i += 1 }
                    guard i < end else { return nil }
                    bytes.append(text[i])
                    i += 1
                }
                i += 1  // closing quote
            } else {
                while i < end, text[i] != UInt8(ascii: ",") {
                    bytes.append(text[i])
                    i += 1
                }
            }
            let string = String(decoding: bytes, as: UTF8.self)
            items.append(!quoted && string == "NULL" ? nil : string)
            guard i == end || text[i] == UInt8(ascii: ",") else { return nil }
            i += 1
        }
        return items
    }
}
