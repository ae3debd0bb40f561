import CLibPQ

/// The rows a statement returned. Owns the libpq result and frees it when released.
///
/// Immutable once made, so it may be read from any thread.
public final class PostgresRows: @unchecked Sendable, RandomAccessCollection {
    // @unchecked Sendable: the PGresult is never modified after construction, and libpq's result
    // accessors only read it.
    private let result: OpaquePointer
    /// Column names in order.
    public let columns: [String]
    private let columnIndex: [String: Int]
    /// The number of rows a command touched (`UPDATE 3` → 3), or 0.
    public let affectedRows: Int

    init(taking result: OpaquePointer) {
        self.result = result
        let count = Int(PQnfields(result))
        var names: [String] = []
        var index: [String: Int] = [:]
        for i in 0..<count {
            let name = String(cString: PQfname(result, Int32(i)))
            names.append(name)
            if index[name] == nil { index[name] = i }
        }
        self.columns = names
        self.columnIndex = index
        self.affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    deinit { PQclear(result) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Int(PQntuples(result)) }
    public subscript(position: Int) -> PostgresRow { PostgresRow(rows: self, row: Int32(position)) }

    /// The first row, or a ``DatabaseError`` of kind `unexpectedResult` when there is none.
    public func one() throws(DatabaseError) -> PostgresRow {
        guard let row = first else {
            throw DatabaseError(kind: .unexpectedResult, message: "the query returned no row")
        }
        return row
    }

    func index(of column: String) throws(DatabaseError) -> Int32 {
        guard let i = columnIndex[column] else {
            throw DatabaseError(kind: .unexpectedResult, message: "the result has no column \"\(column)\"")
        }
        return Int32(i)
    }

    func isNull(row: Int32, column: Int32) -> Bool { PQgetisnull(result, row, column) == 1 }

    func oid(column: Int32) -> UInt32 { UInt32(PQftype(result, column)) }

    func withValue<R>(row: Int32, column: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let length = Int(PQgetlength(result, row, column))
        let pointer = PQgetvalue(result, row, column)!
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            body(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}

/// One row of a ``PostgresRows``; decode its columns by name.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let row: Int32

    /// Decodes the column `name` as `type`.
    ///
    /// - Throws: ``DatabaseError`` (`decoding`) naming the column and both types when the value is NULL
    ///   or cannot be represented; (`unexpectedResult`) when there is no such column.
    public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws(DatabaseError) -> T {
        let column = try rows.index(of: name)
        guard !rows.isNull(row: row, column: column) else {
            throw DatabaseError(
                kind: .decoding, message: "column \"\(name)\" is NULL where \(T.self) was expected")
        }
        return try decodeValue(name, column: column)
    }

    /// Decodes the column `name` as `type`, giving nil for NULL.
    public func decode<T: PostgresDecodable>(_ name: String, as type: T?.Type) throws(DatabaseError) -> T? {
        let column = try rows.index(of: name)
        if rows.isNull(row: row, column: column) { return nil }
        return try decodeValue(name, column: column)
    }

    /// Whether the column `name` is NULL.
    public func isNull(_ name: String) throws(DatabaseError) -> Bool {
        rows.isNull(row: row, column: try rows.index(of: name))
    }

    private func decodeValue<T: PostgresDecodable>(_ name: String, column: Int32) throws(DatabaseError) -> T {
        let oid = rows.oid(column: column)
        guard let value = rows.withValue(row: row, column: column, { T.decode(postgresText: $0, oid: oid) }) else {
            throw DatabaseError(
                kind: .decoding,
                message: "column \"\(name)\" of type \(PostgresOID.name(oid)) cannot be decoded as \(T.self)")
        }
        return value
    }
}
