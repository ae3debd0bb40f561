import Foundation
import LectorEngine
import Synchronization

/// Why the browser driver gave up: a command the browser refused, a wait that ran out (naming what it
/// waited for), a JavaScript exception, or a browser that ended.
public struct BrowserError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An event the browser sent: its method, the session it belongs to (nil for the browser target) and
/// its parameters.
struct DevToolsEvent: Sendable {
    var method: String
    var sessionID: String?
    var params: JSONValue
}

/// The DevTools protocol over `--remote-debugging-pipe`: NUL-terminated JSON messages written to the
/// browser's fd 3 and read from its fd 4.
///
/// A reader thread of its own (never Swift's cooperative pool) splits the incoming bytes into messages,
/// resumes the command waiting for each response by id, and hands events to the subscribers of their
/// session. Writes run on threads of their own under a lock.
final class DevToolsPipe: Sendable {
    private struct State {
        var nextID = 1
        var pending: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
        var subscribers: [UUID: (session: String?, continuation: AsyncStream<DevToolsEvent>.Continuation)] = [:]
        /// Why the pipe ended, once it has.
        var ended: String?
    }

    private let state = Mutex(State())
    /// Whether `input` is still open; held while writing, so that a message is never interleaved with
    /// another and never written to a descriptor closed (and perhaps reused) meanwhile.
    private let inputOpen = Mutex(true)
    private let input: Int32
    private let output: Int32
    /// Says what the browser printed, for the message when it ends.
    private let diagnostics: @Sendable () -> String

    /// Takes ownership of `input` (written to, the browser's fd 3) and `output` (read from, its fd 4)
    /// and starts the reader thread.
    init(input: Int32, output: Int32, diagnostics: @escaping @Sendable () -> String) {
        self.input = input
        self.output = output
        self.diagnostics = diagnostics
        let thread = Thread { [self] in readLoop() }
        thread.name = "lector.devtools.reader"
        thread.start()
    }

    /// Sends `method` with `params` (to `session`, or to the browser target) and waits at most `seconds`
    /// for its response's `result`.
    /// - Throws: ``BrowserError`` when the browser answers with an error, ends, or does not answer in time.
    func send(
        _ method: String, _ params: [String: JSONValue] = [:], session: String? = nil, seconds: Double
    ) async throws -> JSONValue {
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var message: [String: JSONValue] = ["id": .number(Double(id)), "method": .string(method), "params": .object(params)]
        if let session { message["sessionId"] = .string(session) }
        let bytes = JSONValue.object(message).serialized() + [0]
        let response = try await withDeadline(seconds, "the browser's answer to \(method)") {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<JSONValue, any Error>) in
                    let ended = self.state.withLock { state -> String? in
                        if state.ended == nil { state.pending[id] = continuation }
                        return state.ended
                    }
                    if let ended {
                        continuation.resume(throwing: BrowserError("cannot send \(method): \(ended)"))
                        return
                    }
                    // Cancelled before the continuation was registered: onCancel found nothing to fail.
                    if Task.isCancelled {
                        self.fail(id, CancellationError())
                        return
                    }
                    // The write blocks when the pipe is full: off the cooperative pool.
                    Thread {
                        let written = self.inputOpen.withLock { $0 && Self.writeAll(self.input, bytes) }
                        if !written { self.fail(id, BrowserError("cannot send \(method): the browser's pipe is closed")) }
                    }.start()
                }
            } onCancel: {
                self.fail(id, CancellationError())
            }
        }
        if let error = response["error"] {
            throw BrowserError("\(method) failed: \(error["message"]?.stringValue ?? "\(error)")")
        }
        return response["result"] ?? .object([:])
    }

    /// A subscriber's events, buffered until read; ended by ``unsubscribe(_:)`` or the browser's end.
    struct Subscription: Sendable {
        let events: AsyncStream<DevToolsEvent>
        let key: UUID
    }

    /// Events of `session` (nil: the browser target's) from now on, until ``unsubscribe(_:)``.
    func subscribe(session: String?) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: DevToolsEvent.self)
        let key = UUID()
        let ended = state.withLock { state -> Bool in
            if state.ended == nil { state.subscribers[key] = (session, continuation) }
            return state.ended != nil
        }
        if ended { continuation.finish() }
        return Subscription(events: stream, key: key)
    }

    /// Stops buffering events for `subscription` and ends its stream.
    func unsubscribe(_ subscription: Subscription) {
        state.withLock { $0.subscribers.removeValue(forKey: subscription.key) }?.continuation.finish()
    }

    /// Why the pipe ended, or nil while it is open.
    var endedReason: String? { state.withLock { $0.ended } }

    /// Closes the command side (after the browser was killed); waiting commands fail. The reader thread
    /// closes the other side when it reads the end, so no descriptor is closed under a blocked read.
    func close() {
        end("the browser was closed")
        inputOpen.withLock { open in
            if open { Glibc.close(input) }
            open = false
        }
    }

    private func fail(_ id: Int, _ error: any Error) {
        state.withLock { $0.pending.removeValue(forKey: id) }?.resume(throwing: error)
    }

    private func end(_ reason: String) {
        let (pending, subscribers) = state.withLock { state in
            if state.ended == nil { state.ended = reason }
            defer {
                state.pending = [:]
                state.subscribers = [:]
            }
            return (Array(state.pending.values), Array(state.subscribers.values))
        }
        for continuation in pending { continuation.resume(throwing: BrowserError(reason)) }
        for subscriber in subscribers { subscriber.continuation.finish() }
    }

    private func readLoop() {
        var buffer: [UInt8] = []
        var scanned = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffer.append(contentsOf: chunk[0..<count])
            // Only the new bytes are searched for the terminator: a screenshot is megabytes long.
            var start = 0
            var searchFrom = scanned
            while let end = buffer[searchFrom...].firstIndex(of: 0) {
                dispatch(buffer[start..<end])
                start = end + 1
                searchFrom = start
            }
            if start > 0 { buffer.removeFirst(start) }
            scanned = buffer.count
        }
        end("the browser ended; it printed: \(diagnostics())")
        Glibc.close(output)
    }

    private func dispatch(_ bytes: ArraySlice<UInt8>) {
        guard let message = try? JSONValue.parse(bytes) else { return }
        if let id = message["id"]?.intValue {
            state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: message)
        } else if let method = message["method"]?.stringValue {
            let event = DevToolsEvent(
                method: method, sessionID: message["sessionId"]?.stringValue, params: message["params"] ?? .object([:]))
            let subscribers = state.withLock { $0.subscribers.values.filter { $0.session == event.sessionID } }
            for subscriber in subscribers { subscriber.continuation.yield(event) }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}

/// Runs `body`, or fails after `seconds` with a ``BrowserError`` naming `what` it waited for.
///
/// The bound is generous and only ends a hang; it is no timing threshold.
func withDeadline<T: Sendable>(
    _ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw BrowserError("gave up after \(Int(seconds)) s waiting for \(what)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
