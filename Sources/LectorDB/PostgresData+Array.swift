import Foundation

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
