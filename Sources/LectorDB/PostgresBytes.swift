import Foundation

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
