import Logging
import NIOPosix
import Synchronization

/// A bounded pool of PostgreSQL connections: the way the rest of Lector talks to the database.
///
/// Connections open lazily up to `maxConnections`; callers beyond that wait (cancellably) in order.
/// An idle connection is checked before it is handed out, and one that died (a server restart, a dropped
/// socket) is reconnected, so a PostgreSQL restart needs no Lector restart. Blocking libpq calls run on
/// the pool's own threads.
public final class PostgresClient: Sendable {
    /// The configuration the pool connects with.
    public let configuration: PostgresConfiguration
    let threadPool: NIOThreadPool
    private let logger: Logger
    private let state: Mutex<PoolState>

    /// Creates a pool; no connection opens until one is needed. Call ``shutdown()`` when done.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        precondition(configuration.maxConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.logger = logger
        // One thread per connection, plus one for connects and listeners' setup, so a slow statement
        // never waits for a thread.
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.maxConnections + 1)
        self.threadPool.start()
        self.state = Mutex(PoolState(limit: configuration.maxConnections))
    }

    /// Closes idle connections and stops the pool's threads. Leased connections close when returned.
    public func shutdown() async {
        let idle = state.withLock { state in
            state.isShutdown = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        _ = idle  // released here; PQfinish runs in their deinit
        try? await threadPool.shutdownGracefully()
    }

    /// Leases a connection for the duration of `body`.
    ///
    /// - Throws: ``DatabaseError`` (`connectionFailed`) when no connection can be opened;
    ///   `CancellationError` when the task is cancelled while waiting.
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on one leased connection; rolls back when it throws.
    public func withTransaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in try await connection.withTransaction(body) }
    }

    /// Runs one statement on any connection.
    @discardableResult
    public func query(_ sql: String, _ binds: [any PostgresEncodable] = []) async throws -> PostgresRows {
        try await withConnection { try await $0.query(sql, binds) }
    }

    /// Runs one statement on any connection; parameters as variadic arguments.
    @discardableResult
    public func query(_ sql: String, _ first: any PostgresEncodable, _ rest: any PostgresEncodable...)
        async throws -> PostgresRows
    {
        try await query(sql, [first] + rest)
    }

    /// Loads rows with `COPY ... FROM STDIN`; see ``PostgresConnection/copyIn(_:rows:)``.
    @discardableResult
    public func copyIn(_ sql: String, rows: [[String?]]) async throws -> Int {
        try await withConnection { try await $0.copyIn(sql, rows: rows) }
    }

    /// Opens a dedicated connection that is not part of the pool (for LISTEN, advisory locks held for
    /// long). The caller owns it; it closes when released.
    public func makeDedicatedConnection() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration, threadPool: threadPool, logger: logger)
    }

    /// Opens a dedicated connection to the same database, logged in as `role` instead of the pool's
    /// role (see ``PostgresConfiguration/userName``). The caller owns it; it closes when released.
    public func makeDedicatedConnection(as role: String) async throws -> PostgresConnection {
        var configuration = configuration
        configuration.userName = role
        return try await PostgresConnection.connect(configuration, threadPool: threadPool, logger: logger)
    }

    /// The number of open connections and of idle ones (for tests and metrics).
    public var statistics: (open: Int, idle: Int, waiting: Int) {
        state.withLock { ($0.open, $0.idle.count, $0.waiters.count) }
    }

    // MARK: - Leasing

    private func acquire() async throws -> PostgresConnection {
        try Task.checkCancellation()
        let waiterID = WaiterID()
        let lease: Lease = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, any Error>) in
                let immediate: Lease? = state.withLock { state in
                    if state.isShutdown { return .failed(DatabaseError(kind: .connectionFailed, message: "the connection pool is shut down")) }
                    if let connection = state.idle.popLast() { return .idle(connection) }
                    if state.open < state.limit {
                        state.open += 1
                        return .open
                    }
                    // A cancellation that fired before the waiter was queued would otherwise be missed.
                    if Task.isCancelled { return .failed(nil) }
                    state.waiters.append((waiterID, continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == waiterID }.map { state.waiters.remove(at: $0).continuation }
            }
            waiter?.resume(throwing: CancellationError())
        }
        switch lease {
        case .failed(let error):
            throw error ?? CancellationError()
        case .idle(let connection):
            return try await revive(connection)
        case .open:
            do {
                return try await PostgresConnection.connect(configuration, threadPool: threadPool, logger: logger)
            } catch {
                giveUpSlot()
                throw error
            }
        }
    }

    /// Checks an idle connection and reconnects it when it died while idle.
    private func revive(_ connection: PostgresConnection) async throws -> PostgresConnection {
        let usable = try await threadPool.runIfActive { connection.isUsableBlocking() }
        if usable { return connection }
        logger.debug("reconnecting a dead idle connection")
        do {
            try await threadPool.runIfActive { try connection.resetBlocking() }
            return connection
        } catch {
            giveUpSlot()
            throw error
        }
    }

    private func release(_ connection: PostgresConnection) {
        // A connection still inside a transaction (a body that escaped `withTransaction`'s rollback, a
        // raw BEGIN) would hand the next caller its locks and half-done writes: dropped, which makes the
        // server roll back.
        if connection.isBroken || !connection.isIdle {
            if !connection.isBroken {
                logger.warning("dropping a connection returned inside a transaction")
            }
            giveUpSlot()
            return
        }
        let waiter: CheckedContinuation<Lease, any Error>? = state.withLock { state in
            if state.isShutdown {
                state.open -= 1
                return nil
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.idle.append(connection)
            return nil
        }
        waiter?.resume(returning: .idle(connection))
    }

    /// A connection slot was freed without a connection to hand on: let the first waiter open one.
    private func giveUpSlot() {
        let waiter: CheckedContinuation<Lease, any Error>? = state.withLock { state in
            if !state.waiters.isEmpty, !state.isShutdown { return state.waiters.removeFirst().continuation }
            state.open -= 1
            return nil
        }
        waiter?.resume(returning: .open)
    }
}

/// What a waiter is handed: a connection to reuse, the right to open one, or a failure.
private enum Lease: @unchecked Sendable {
    // @unchecked Sendable: a connection in a lease is owned by exactly one task at a time.
    case idle(PostgresConnection)
    case open
    /// nil: the waiting task was cancelled.
    case failed(DatabaseError?)
}

private final class WaiterID: Sendable, Equatable {
    static func == (a: WaiterID, b: WaiterID) -> Bool { a === b }
}

private struct PoolState {
    let limit: Int
    var open = 0
    var idle: [PostgresConnection] = []
    var waiters: [(id: WaiterID, continuation: CheckedContinuation<Lease, any Error>)] = []
    var isShutdown = false

    init(limit: Int) { self.limit = limit }
}

extension PostgresClient {
    /// Runs `body` with a pool on `configuration`, shut down afterwards whether `body` returns or throws.
    public static func withClient<T: Sendable>(
        configuration: PostgresConfiguration, logger: Logger, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration, logger: logger)
        do {
            let value = try await body(client)
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
