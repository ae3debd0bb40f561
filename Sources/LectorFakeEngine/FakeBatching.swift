import Synchronization

/// A continuous-batching engine, as vLLM runs one: up to `sequences` requests decode together, a new
/// one joins the batch at once while there is room and queues when there is not. Latency is queue +
/// prefill + decode, the decode slowing a little as the batch fills; throughput grows with the requests
/// in flight up to `sequences`. An optional gateway in front refuses with 429 when more than
/// `maxWaiting` requests queue.
public final class FakeBatching: Sendable {
    /// Sequences decoded together (vLLM's `--max-num-seqs`).
    public let sequences: Int
    /// Time from joining the batch to the first token.
    public let prefill: Duration
    /// Time from the first token to the last with the batch nearly empty.
    public let decode: Duration
    /// How much slower decoding is with a full batch (0.3: 30 % slower).
    public let slowdown: Double
    /// Requests allowed to queue before a 429 (nil: unbounded, as vLLM itself).
    public let maxWaiting: Int?

    /// What the engine did.
    public struct Statistics: Sendable {
        /// Requests answered.
        public var completed = 0
        /// Requests refused with 429 (the queue was full).
        public var rejected = 0
        /// Sum over requests of the time they held a sequence.
        public var busy: Duration = .zero
        /// When the first sequence started.
        public var firstStart: ContinuousClock.Instant?
        /// When the last sequence ended.
        public var lastEnd: ContinuousClock.Instant?
        /// Most sequences running at once.
        public var peakRunning = 0
        /// Sequences running now.
        public var running = 0
        /// Requests queued now.
        public var waiting = 0
    }

    struct State {
        var statistics = Statistics()
        var queue: [(id: UInt64, continuation: CheckedContinuation<Bool, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// An engine of `sequences` sequences.
    public init(sequences: Int, prefill: Duration, decode: Duration, slowdown: Double = 0.3, maxWaiting: Int? = nil) {
        self.sequences = max(1, sequences)
        self.prefill = prefill
        self.decode = decode
        self.slowdown = max(0, slowdown)
        self.maxWaiting = maxWaiting
    }

    /// The counters so far.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Clears the counters (between benchmark rounds); the running and queued requests stay.
    public func reset() {
        state.withLock { state in
            let running = state.statistics.running
            let waiting = state.statistics.waiting
            state.statistics = Statistics()
            state.statistics.running = running
            state.statistics.waiting = waiting
        }
    }

    /// Joins the batch, queueing while it is full; false when the gateway refuses (429).
    func admit() async throws -> Bool {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        enum Admission { case now, refused, queued }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
                let admission = state.withLock { state -> Admission in
                    if state.statistics.running < sequences && state.queue.isEmpty {
                        start(&state.statistics)
                        return .now
                    }
                    if let maxWaiting, state.queue.count >= maxWaiting {
                        state.statistics.rejected += 1
                        return .refused
                    }
                    state.queue.append((id, continuation))
                    state.statistics.waiting = state.queue.count
                    return .queued
                }
                switch admission {
                case .now: continuation.resume(returning: true)
                case .refused: continuation.resume(returning: false)
                case .queued: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, any Error>? in
                guard let index = state.queue.firstIndex(where: { $0.id == id }) else { return nil }
                defer { state.statistics.waiting = state.queue.count }
                return state.queue.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func start(_ statistics: inout Statistics) {
        if statistics.firstStart == nil { statistics.firstStart = ContinuousClock.now }
        statistics.running += 1
        statistics.peakRunning = max(statistics.peakRunning, statistics.running)
    }

    /// Leaves the batch (a sequence that started at `started`), handing the sequence to the oldest
    /// queued request.
    func finish(started: ContinuousClock.Instant, answered: Bool) {
        let next = state.withLock { state -> CheckedContinuation<Bool, any Error>? in
            let now = ContinuousClock.now
            state.statistics.busy += now - started
            state.statistics.lastEnd = now
            if answered { state.statistics.completed += 1 }
            state.statistics.running -= 1
            guard !state.queue.isEmpty else { return nil }
            start(&state.statistics)
            defer { state.statistics.waiting = state.queue.count }
            return state.queue.removeFirst().continuation
        }
        next?.resume(returning: true)
    }

    /// ``pace(_:)``, for tests of the shapes it makes.
    public func paceForTesting(_ reply: FakeReply) -> FakeReply { pace(reply) }

    /// The decode time now: slower as the batch fills.
    func decodeTime() -> Duration {
        let running = state.withLock { $0.statistics.running }
        return decode * (1 + slowdown * Double(min(running, sequences)) / Double(sequences))
    }

    /// `reply` paced as this engine answers: a stream's first event at once (the first token, after
    /// the prefill already waited), the rest after the decode; a whole body after the decode.
    func pace(_ reply: FakeReply) -> FakeReply {
        let decode = decodeTime()
        switch reply {
        case .stream(let events, _, let ending) where events.count > 1:
            // The rest goes as one write of several events: `data: ` and the blank lines between them
            // are added here, the writer adds the outer ones.
            return .stream(events: [events[0], events.dropFirst().joined(separator: "\n\ndata: ")], interval: decode, ending: ending)
        case .respond, .stream: return .delayed(decode, reply)
        default: return reply
        }
    }
}
