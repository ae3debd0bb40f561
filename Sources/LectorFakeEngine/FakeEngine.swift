import LectorEngine
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scriptable OpenAI-compatible HTTP server on loopback, for tests and benchmarks that need
/// behaviour a real engine won't produce on demand: 429s, 5xx, stalls, resets, malformed JSON,
/// context-overflow 400s in each dialect's exact shape.
///
/// Use ``withRunning(host:port:capacity:handler:_:)`` in tests (it stops the server when the body
/// returns); ``run(host:port:capacity:handler:onListening:)`` serves until cancelled.
public final class FakeEngine: Sendable {
    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:PORT/v1`, for ``EngineConfiguration/url``.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    private let recorded: Mutex<[FakeRequest]>
    let capacity: Capacity?
    /// The continuous-batching model, when the engine runs one.
    public let batching: FakeBatching?

    init(port: Int, capacity: Capacity?, batching: FakeBatching? = nil) {
        self.port = port
        self.capacity = capacity
        self.batching = batching
        self.recorded = Mutex([])
    }

    /// Every request received, in order.
    public var requests: [FakeRequest] { recorded.withLock { $0 } }

    /// The chat completion requests received, in order.
    public var chatRequests: [FakeRequest] { requests.filter { $0.path.hasSuffix("/chat/completions") } }

    /// Slot accounting when the engine models K parallel slots with a fixed service time.
    public var statistics: Capacity.Statistics? { capacity?.statistics }

    /// K parallel slots: a request holds one slot for the whole service time, later ones queue (as
    /// llama.cpp and vLLM at full batch do).
    public final class Capacity: Sendable {
        /// Slots.
        public let slots: Int
        /// How long a request holds its slot.
        public let serviceTime: Duration
        /// A fixed bound of `slots` (the client's limiter, not adapting).
        let limit: AdaptiveLimit
        let state = Mutex(Statistics())

        /// Busy time and completions, to compare with the capacity.
        public struct Statistics: Sendable {
            /// Requests served.
            public var completed = 0
            /// Sum over requests of the time a slot was held.
            public var busy: Duration = .zero
            /// When the first request took a slot.
            public var firstStart: ContinuousClock.Instant?
            /// When the last request left its slot.
            public var lastEnd: ContinuousClock.Instant?
            /// Most requests held slots at once.
            public var peakBusySlots = 0
            var busySlots = 0
        }

        /// `slots` slots, each request holding one for `serviceTime`.
        public init(slots: Int, serviceTime: Duration) {
            self.slots = slots
            self.serviceTime = serviceTime
            self.limit = AdaptiveLimit(initial: slots, maximum: slots, adaptive: false)
        }

        /// The counters so far.
        public var statistics: Statistics { state.withLock { $0 } }

        /// Clears the counters (between benchmark rounds).
        public func reset() { state.withLock { $0 = Statistics() } }

        func serve() async throws {
            try await limit.acquire()
            defer { limit.release(.ignored) }
            let start = ContinuousClock.now
            state.withLock { s in
                if s.firstStart == nil { s.firstStart = start }
                s.busySlots += 1
                s.peakBusySlots = max(s.peakBusySlots, s.busySlots)
            }
            try await Task.sleep(until: start + serviceTime, clock: .continuous)
            let end = ContinuousClock.now
            state.withLock { s in
                s.busySlots -= 1
                s.completed += 1
                s.busy += end - start
                s.lastEnd = end
            }
        }
    }

    /// Runs a fake engine for the duration of `body`.
    ///
    /// - Parameters:
    ///   - capacity: model K slots with a fixed service time before `handler` is asked, or nil.
    ///   - batching: model continuous batching (queue, prefill, decode) around `handler`'s replies, or nil.
    ///   - handler: decides each request's reply (see ``FakeScript`` for a queue of replies).
    public static func withRunning<T: Sendable>(
        host: String = "127.0.0.1", port: Int = 0, capacity: Capacity? = nil, batching: FakeBatching? = nil,
        handler: @escaping @Sendable (FakeRequest) async -> FakeReply,
        isolation: isolated (any Actor)? = #isolation, _ body: (FakeEngine) async throws -> T
    ) async throws -> T {
        let server = try await bind(host: host, port: port)
        let engine = FakeEngine(port: server.channel.localAddress?.port ?? port, capacity: capacity, batching: batching)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.serve(server, handler: handler) }
            do {
                let value = try await body(engine)
                group.cancelAll()
                try? await server.channel.close()
                return value
            } catch {
                group.cancelAll()
                try? await server.channel.close()
                throw error
            }
        }
    }

    /// Serves until the task is cancelled; `onListening` gets the engine once it listens.
    public static func run(
        host: String = "127.0.0.1", port: Int = 0, capacity: Capacity? = nil, batching: FakeBatching? = nil,
        handler: @escaping @Sendable (FakeRequest) async -> FakeReply,
        onListening: @Sendable (FakeEngine) -> Void
    ) async throws {
        let server = try await bind(host: host, port: port)
        let engine = FakeEngine(port: server.channel.localAddress?.port ?? port, capacity: capacity, batching: batching)
        onListening(engine)
        try await withTaskCancellationHandler {
            try await engine.serve(server, handler: handler)
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    typealias Server = NIOAsyncChannel<Connection, Never>

    private static func bind(host: String, port: Int) async throws -> Server {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func serve(_ server: Server, handler: @escaping @Sendable (FakeRequest) async -> FakeReply) async throws {
        try await server.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { await self.handle(connection, handler: handler) }
                }
            }
        }
    }

    private func handle(_ connection: Connection, handler: @Sendable (FakeRequest) async -> FakeReply) async {
        let channel = connection.channel
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        head = h
                        body = []
                    case .body(let buffer):
                        body.append(contentsOf: buffer.readableBytesView)
                    case .end:
                        guard let head else { return }
                        let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
                        var headers: [String: String] = [:]
                        for (name, value) in head.headers { headers[name.lowercased()] = value }
                        let request = FakeRequest(method: "\(head.method)", path: path, headers: headers, body: body)
                        recorded.withLock { $0.append(request) }
                        if let capacity, path.hasSuffix("/chat/completions") { try await capacity.serve() }
                        let keepOpen: Bool
                        if let batching, path.hasSuffix("/chat/completions") {
                            keepOpen = try await serve(request, in: batching, handler: handler, to: outbound, channel: channel)
                        } else {
                            keepOpen = try await write(await handler(request), to: outbound, channel: channel)
                        }
                        if !keepOpen { return }
                    }
                }
            }
        } catch {
            // A client that hung up, or a reset we made: nothing to report.
        }
    }

    /// Answers one chat completion through the batching model: queue (or 429), prefill, first token,
    /// decode; the sequence is held until the answer is written.
    private func serve(
        _ request: FakeRequest, in batching: FakeBatching, handler: @Sendable (FakeRequest) async -> FakeReply,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel
    ) async throws -> Bool {
        guard try await batching.admit() else {
            return try await write(FakeResponses.rateLimited(retryAfter: 1), to: outbound, channel: channel)
        }
        let started = ContinuousClock.now
        do {
            try await Task.sleep(for: batching.prefill)
            let keepOpen = try await write(batching.pace(await handler(request)), to: outbound, channel: channel)
            batching.finish(started: started, answered: true)
            return keepOpen
        } catch {
            batching.finish(started: started, answered: false)
            throw error
        }
    }

    /// Writes one reply; returns whether the connection may serve another request.
    private func write(
        _ reply: FakeReply, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel
    ) async throws -> Bool {
        switch reply {
        case .respond(let status, let headers, let body):
            var h = HTTPHeaders(headers.map { ($0.key, $0.value) })
            h.replaceOrAdd(name: "Content-Length", value: "\(body.utf8.count)")
            h.replaceOrAdd(name: "Server", value: "lector-fake-engine")
            try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: h)))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
            try await outbound.write(.end(nil))
            return true
        case .stream(let events, let interval, let ending):
            let h = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("Server", "lector-fake-engine")])
            try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: h)))
            for (i, event) in events.enumerated() {
                if i > 0 && interval > .zero { try await Task.sleep(for: interval) }
                try await outbound.write(.body(.byteBuffer(ByteBuffer(string: "data: \(event)\n\n"))))
            }
            switch ending {
            case .done:
                try await outbound.write(.body(.byteBuffer(ByteBuffer(string: "data: [DONE]\n\n"))))
                try await outbound.write(.end(nil))
                return true
            case .stall: return try await write(.stall, to: outbound, channel: channel)
            case .reset: return try await write(.reset, to: outbound, channel: channel)
            }
        case .delayed(let wait, let next):
            try await Task.sleep(for: wait)
            return try await write(next, to: outbound, channel: channel)
        case .stall:
            // Until the engine stops (cancellation); the client meanwhile hits its own deadline.
            try await Task.sleep(for: .seconds(3600))
            return false
        case .reset:
            await Self.reset(channel)
            return false
        }
    }

    /// Closes with SO_LINGER 0, so the client sees a TCP reset rather than a clean end of stream.
    private static func reset(_ channel: any Channel) async {
        if let provider = channel as? any SocketOptionProvider {
            try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }
}
