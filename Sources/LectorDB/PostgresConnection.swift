import CLibPQ
import Foundation
import Logging
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One PostgreSQL connection.
///
/// Every libpq call runs on the client's thread pool, never on Swift's cooperative pool. A connection is
/// used by one task at a time: the pool leases it exclusively. Cancelling the calling task cancels the
/// statement on the server.
public final class PostgresConnection: @unchecked Sendable {
    // @unchecked Sendable: `handle` is only touched by the task that holds the lease, one libpq call at a
    // time on the thread pool; `cancelHandle` is guarded by its Mutex, and PQcancel is documented as safe
    // to call from any thread while another thread runs a query on the connection.
    private let handle: OpaquePointer
    private let cancelHandle: Mutex<CancelHandle>
    private let threadPool: NIOThreadPool
    private let logger: Logger
    /// Set once the connection failed at the connection level; the pool then drops it.
    public private(set) var isBroken = false

    private init(handle: OpaquePointer, threadPool: NIOThreadPool, logger: Logger) {
        self.handle = handle
        self.cancelHandle = Mutex(CancelHandle(pointer: PQgetCancel(handle)))
        self.threadPool = threadPool
        self.logger = logger
    }

    deinit {
        cancelHandle.withLock { if let c = $0.pointer { PQfreeCancel(c) } }
        PQfinish(handle)
    }

    /// Opens a connection.
    ///
    /// - Throws: ``DatabaseError`` of kind `connectionFailed` with libpq's reason.
    public static func connect(
        _ configuration: PostgresConfiguration, threadPool: NIOThreadPool, logger: Logger
    ) async throws -> PostgresConnection {
        try await threadPool.runIfActive {
            try connectBlocking(configuration, threadPool: threadPool, logger: logger)
        }
    }

    static func connectBlocking(
        _ configuration: PostgresConfiguration, threadPool: NIOThreadPool, logger: Logger
    ) throws(DatabaseError) -> PostgresConnection {
        // Lector's defaults first: libpq lets the expanded connection string that follows override them.
        let (keywords, values) = configuration.libpqParameters(applicationSuffix: "")
        let raw: OpaquePointer? = withCStrings(keywords) { k in
            withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let raw else {
            throw DatabaseError(kind: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(raw) == CONNECTION_OK else {
            let message = libpqMessage(PQerrorMessage(raw))
            PQfinish(raw)
            throw DatabaseError(kind: .connectionFailed, message: message)
        }
        let connection = PostgresConnection(handle: raw, threadPool: threadPool, logger: logger)
        try connection.prepareSession()
        return connection
    }

    /// Settings every Lector session relies on for decoding, and silence for server notices.
    private func prepareSession() throws(DatabaseError) {
        // libpq prints NOTICEs ("schema already exists, skipping") to stderr unless told otherwise.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        _ = try executeScriptBlocking(
            "SET datestyle TO 'ISO, YMD'; SET intervalstyle TO 'iso_8601'; SET timezone TO 'UTC'; "
                + "SET client_encoding TO 'UTF8'")
    }

    // MARK: - Queries

    /// Runs one statement with parameters (`$1`, `$2`, ...), never interpolating values into SQL.
    ///
    /// - Throws: ``DatabaseError``; `queryCanceled` when the calling task was cancelled.
    @discardableResult
    public func query(_ sql: String, _ binds: [any PostgresEncodable] = []) async throws -> PostgresRows {
        let parameters = binds.map(\.postgresBind)
        return try await runCancellable { try self.queryBlocking(sql, parameters) }
    }

    /// Runs one statement; parameters as variadic arguments.
    @discardableResult
    public func query(_ sql: String, _ first: any PostgresEncodable, _ rest: any PostgresEncodable...)
        async throws -> PostgresRows
    {
        try await query(sql, [first] + rest)
    }

    /// Runs a script of one or more statements without parameters (migrations, session setup).
    public func executeScript(_ sql: String) async throws {
        try await runCancellable { _ = try self.executeScriptBlocking(sql) }
    }

    /// Loads rows with `COPY ... FROM STDIN` (text format); `sql` is the COPY statement.
    ///
    /// Each row is a list of column values, nil for NULL. Returns the number of rows copied.
    @discardableResult
    public func copyIn(_ sql: String, rows: [[String?]]) async throws -> Int {
        try await runCancellable { try self.copyInBlocking(sql, rows: rows) }
    }

    /// The SCRAM-SHA-256 verifier of `password` for `role` (libpq's `PQencryptPasswordConn`), so that a
    /// role's password can be set without the clear text reaching the server or its statement log.
    ///
    /// - Throws: ``DatabaseError`` with libpq's reason.
    public func encryptPassword(_ password: String, role: String) async throws -> String {
        try await runCancellable { try self.encryptPasswordBlocking(password, role: role) }
    }

    private func encryptPasswordBlocking(_ password: String, role: String) throws -> String {
        guard let verifier = PQencryptPasswordConn(handle, password, role, "scram-sha-256") else {
            throw DatabaseError(kind: .other, message: libpqMessage(PQerrorMessage(handle)))
        }
        defer { PQfreemem(verifier) }
        return String(cString: verifier)
    }

    /// Runs `body` between BEGIN and COMMIT; rolls back when it throws.
    ///
    /// A task cancelled after `body` returned but before COMMIT was sent rolls back and throws
    /// `CancellationError`; whatever happens, the connection never stays inside the transaction (the
    /// pool also refuses to keep one that is, see ``isIdle``).
    public func withTransaction<T: Sendable>(
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await executeScript("BEGIN")
        let value: T
        do {
            value = try await body(self)
            // Cancellation that lands between the body and COMMIT: COMMIT would not even be sent
            // (runCancellable checks first), leaving the transaction open on a pooled connection.
            try Task.checkCancellation()
        } catch {
            if !isBroken {
                // The original error matters more than a failed rollback; a connection that cannot roll
                // back is marked broken and dropped by the pool.
                try? await withoutCancellation { try await self.executeScript("ROLLBACK") }
            }
            throw error
        }
        do {
            try await executeScript("COMMIT")
        } catch {
            // A COMMIT that failed (cancelled on the wire, connection lost) may leave the session in an
            // aborted transaction: end it, or mark the connection so the pool drops it.
            if !isBroken, !isIdle {
                try? await withoutCancellation { try await self.executeScript("ROLLBACK") }
            }
            throw error
        }
        return value
    }

    /// Whether the session is outside any transaction and usable (libpq's own state; no round trip).
    public var isIdle: Bool {
        !isBroken && PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    // MARK: - Blocking core (on the thread pool only)

    func queryBlocking(_ sql: String, _ parameters: [PostgresBind]) throws(DatabaseError) -> PostgresRows {
        let count = Int32(parameters.count)
        var types = parameters.map { Oid($0.oid) }
        var lengths = parameters.map { Int32($0.bytes?.count ?? 0) }
        var formats = parameters.map { Int32($0.binary ? 1 : 0) }
        // All values in one buffer, NUL-terminated each (text-format values must be C strings).
        var storage: [UInt8] = []
        storage.reserveCapacity(parameters.reduce(0) { $0 + ($1.bytes?.count ?? 0) + 1 })
        var offsets: [Int?] = []
        for parameter in parameters {
            if let bytes = parameter.bytes {
                offsets.append(storage.count)
                storage.append(contentsOf: bytes)
                storage.append(0)
            } else {
                offsets.append(nil)
            }
        }
        let result: OpaquePointer? = storage.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            var values: [UnsafePointer<CChar>?] = offsets.map { offset in offset.flatMap { base?.advanced(by: $0) } }
            return PQexecParams(handle, sql, count, &types, &values, &lengths, &formats, 0)
        }
        return try check(result)
    }

    func executeScriptBlocking(_ sql: String) throws(DatabaseError) -> PostgresRows {
        try check(PQexec(handle, sql))
    }

    func copyInBlocking(_ sql: String, rows: [[String?]]) throws(DatabaseError) -> Int {
        let start = PQexec(handle, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try check(start)
            throw DatabaseError(kind: .unexpectedResult, message: "the statement did not start COPY FROM STDIN")
        }
        PQclear(start)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        func flush() -> Bool {
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer.withUnsafeBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) {
                    PQputCopyData(handle, $0, Int32(b.count)) == 1
                }
            }
        }
        var sent = true
        for row in rows where sent {
            CopyText.append(row: row, to: &buffer)
            if buffer.count >= 1 << 16 { sent = flush() }
        }
        if sent, !buffer.isEmpty { sent = flush() }
        // On a failed send, end the COPY with an error so the server rolls it back.
        PQputCopyEnd(handle, sent ? nil : "client failed to send COPY data")
        var copied = 0
        var failure: DatabaseError?
        while let result = PQgetResult(handle) {
            do {
                let rows = try check(result)
                copied = rows.affectedRows
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return copied
    }

    /// Turns a libpq result into rows or a classified error; takes ownership of `result`.
    private func check(_ result: OpaquePointer?) throws(DatabaseError) -> PostgresRows {
        guard let result else {
            throw connectionError(fallback: "no result from the server")
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return PostgresRows(taking: result)
        default:
            let state = field(result, "C")
            let primary = field(result, "M") ?? libpqMessage(PQresultErrorMessage(result))
            let constraint = field(result, "n")
            PQclear(result)
            if PQstatus(handle) != CONNECTION_OK {
                isBroken = true
                throw DatabaseError(kind: .connectionLost, sqlState: state, message: primary)
            }
            var kind = state.map(DatabaseError.kind(forSQLState:)) ?? .other
            if kind == .connectionLost || kind == .connectionFailed { isBroken = true }
            if state == nil { kind = .other }
            throw DatabaseError(kind: kind, sqlState: state, message: primary, constraint: constraint)
        }
    }

    private func connectionError(fallback: String) -> DatabaseError {
        let message = libpqMessage(PQerrorMessage(handle))
        if PQstatus(handle) != CONNECTION_OK { isBroken = true }
        return DatabaseError(
            kind: isBroken ? .connectionLost : .other, message: message.isEmpty ? fallback : message)
    }

    private func field(_ result: OpaquePointer, _ code: Character) -> String? {
        guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
        return String(cString: value)
    }

    // MARK: - Liveness

    /// Whether an idle connection is still usable. Notices a server restart or a dropped socket before a
    /// caller's statement fails on it: a healthy idle connection has nothing to read, a dead one has the
    /// server's FATAL message or EOF waiting.
    func isUsableBlocking() -> Bool {
        guard !isBroken, PQstatus(handle) == CONNECTION_OK else { return false }
        // A dying server first sends FATAL, then closes: reading until nothing is pending sees both.
        for _ in 0..<4 {
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { break }
            if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return false }
            if PQconsumeInput(handle) == 0 { return false }
            _ = PQisBusy(handle)  // parses what arrived (an error while idle breaks the connection)
            while let notice = PQnotifies(handle) { PQfreemem(notice) }
        }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// Reconnects a broken connection in place with the same parameters.
    func resetBlocking() throws(DatabaseError) {
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            isBroken = true
            throw DatabaseError(kind: .connectionFailed, message: libpqMessage(PQerrorMessage(handle)))
        }
        cancelHandle.withLock {
            if let c = $0.pointer { PQfreeCancel(c) }
            $0.pointer = PQgetCancel(handle)
        }
        isBroken = false
        try prepareSession()
    }

    // MARK: - Running blocking work

    private func runCancellable<T: Sendable>(_ body: @escaping @Sendable () throws -> T)
        async throws -> T
    {
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            try await threadPool.runIfActive { try body() }
        } onCancel: {
            self.cancelRunningStatement()
        }
    }

    /// Asks the server to cancel whatever this connection runs now. Safe from any thread.
    public func cancelRunningStatement() {
        cancelHandle.withLock { cancel in
            guard let handle = cancel.pointer else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(handle, &buffer, Int32(buffer.count))
        }
    }
}

/// libpq's PGcancel, which exists to be used from another thread than the connection's.
struct CancelHandle: @unchecked Sendable {
    // @unchecked Sendable: only touched under PostgresConnection.cancelHandle's Mutex.
    var pointer: OpaquePointer?
}

/// libpq messages end with a newline and may span lines; errors here are one line.
func libpqMessage(_ pointer: UnsafePointer<CChar>?) -> String {
    guard let pointer else { return "" }
    return String(cString: pointer).split(whereSeparator: \.isNewline).map {
        $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }.joined(separator: "; ")
}

/// Calls `body` with a NULL-terminated array of C strings.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicated = strings.map { strdup($0) }
    defer { duplicated.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicated.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Runs `body` shielded from the current task's cancellation (for cleanup that must happen).
func withoutCancellation<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await body() }.value
}

/// Encoding of rows in COPY's text format.
enum CopyText {
    static func append(row: [String?], to buffer: inout [UInt8]) {
        for (i, value) in row.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let value else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [92, 92])
                case UInt8(ascii: "\t"): buffer.append(contentsOf: [92, UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): buffer.append(contentsOf: [92, UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): buffer.append(contentsOf: [92, UInt8(ascii: "r")])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
    }
}
