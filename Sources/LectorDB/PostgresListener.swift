import CLibPQ
import Foundation
import Logging
import Synchronization

/// A notification received on a channel the listener listens to.
public struct PostgresNotification: Sendable, Equatable {
    /// The channel name; empty for the synthetic notification sent after a reconnection.
    public var channel: String
    /// The payload given to NOTIFY.
    public var payload: String
    /// True for the notification the listener yields after it lost and re-established its connection:
    /// notifications sent meanwhile were missed, so consumers should look for work now.
    public var isReconnect: Bool

    public init(channel: String, payload: String, isReconnect: Bool = false) {
        self.channel = channel
        self.payload = payload
        self.isReconnect = isReconnect
    }
}

extension PostgresClient {
    /// Listens on `channels` with a dedicated connection and yields notifications as they arrive.
    ///
    /// The connection waits on its own thread. When it breaks, the listener reconnects with backoff,
    /// listens again and yields one notification with `isReconnect` set. Ending the iteration (or
    /// cancelling the consuming task) closes the connection.
    public func listen(_ channels: [String]) -> AsyncStream<PostgresNotification> {
        let configuration = self.configuration
        let (stream, continuation) = AsyncStream<PostgresNotification>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let stop = Atomic(false)
        continuation.onTermination = { _ in stop.store(true, ordering: .relaxed) }
        let listenSQL = channels.map { "LISTEN \(quoteIdentifier($0))" }.joined(separator: "; ")
        // A dedicated thread: this loop blocks in poll() for as long as the stream lives, which must not
        // take a thread from the query pool or from Swift's cooperative pool.
        let thread = Thread {
            var backoff = 0.1
            var connectedBefore = false
            while !stop.load(ordering: .relaxed) {
                guard let connection = try? PostgresListenerConnection(configuration, listen: listenSQL) else {
                    Thread.sleep(forTimeInterval: backoff)
                    backoff = min(backoff * 2, 5)
                    continue
                }
                backoff = 0.1
                if connectedBefore {
                    continuation.yield(PostgresNotification(channel: "", payload: "", isReconnect: true))
                }
                connectedBefore = true
                connection.pump(until: { stop.load(ordering: .relaxed) }) { continuation.yield($0) }
            }
            continuation.finish()
        }
        thread.name = "lector-listen"
        thread.start()
        return stream
    }
}

/// The connection behind a listener; used by its thread only.
private final class PostgresListenerConnection {
    let handle: OpaquePointer

    init(_ configuration: PostgresConfiguration, listen sql: String) throws {
        // Lector's defaults first: libpq lets the expanded connection string that follows override them.
        let (keywords, values) = configuration.libpqParameters(applicationSuffix: "-listen")
        let raw: OpaquePointer? = withCStrings(keywords) { k in withCStrings(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let raw, PQstatus(raw) == CONNECTION_OK else {
            if let raw { PQfinish(raw) }
            throw DatabaseError(kind: .connectionFailed, message: "listener could not connect")
        }
        handle = raw
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw DatabaseError(kind: .other, message: "LISTEN failed: \(libpqMessage(PQerrorMessage(handle)))")
        }
    }

    deinit { PQfinish(handle) }

    /// Waits for notifications until `stop` says so or the connection breaks.
    func pump(until stop: () -> Bool, _ yield: (PostgresNotification) -> Void) {
        while !stop() {
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            // Wake up at least every 250 ms to notice that the stream ended.
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR { return }
            if ready > 0 {
                if PQconsumeInput(handle) == 0 { return }
                while let notify = PQnotifies(handle) {
                    let n = notify.pointee
                    yield(PostgresNotification(channel: String(cString: n.relname), payload: String(cString: n.extra)))
                    PQfreemem(notify)
                }
            }
            if PQstatus(handle) != CONNECTION_OK { return }
        }
    }
}

/// Quotes an identifier (a channel or table name) for the few statements that cannot take parameters.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
