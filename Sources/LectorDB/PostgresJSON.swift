import Foundation

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
