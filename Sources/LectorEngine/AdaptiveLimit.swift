import Synchronization

/// The requests one client keeps in flight, adapted to the engine (AIMD): it grows while latency holds
/// and shrinks when the engine pushes back, so one process keeps a continuous-batching engine full
/// without flooding it.
///
/// - Growth: one more request per completed request while latency holds ("slow start", doubling each
///   round trip), then about √limit more per round trip once the engine has pushed back.
/// - Shrink: halved on 429 or 503; cut by a tenth when the smoothed wait for the first token (per unit
///   of prompt) passes twice its baseline (a queue is growing inside the engine: a continuous-batching
///   engine starts a new sequence at once while it has room, so that wait stays flat until it is full,
///   while whole-answer latency grows with the batch). At most once per round trip.
/// - Only a limit that is used grows: with less demand than the limit, it stays where it is.
///
/// The wait is compared per unit of work (`1 + prompt tokens / 2000`), so long and short prompts share
/// one baseline; without a stream, the whole latency per `1 + completion tokens / 100 + prompt tokens /
/// 2000` is used. Waiters are served first in, first out; a cancelled waiter leaves the queue.
package final class AdaptiveLimit: Sendable {
    /// How a request that held a permit ended.
    package enum Outcome: Sendable {
        /// Answered: `signal` seconds of the latency that grows with a queue in the engine (the wait for
        /// the first token when streamed, else the whole answer) for `work` units of work (1 when
        /// unknown), and `total` seconds in all.
        case answered(signal: Double, work: Double, total: Double)
        /// The engine pushed back (429, 503): the limit halves.
        case overloaded
        /// Anything else (cancelled, a bad request, a transport failure): no signal.
        case ignored
    }

    /// What the limiter reports.
    package struct Snapshot: Sendable {
        package var limit: Int
        package var inFlight: Int
        package var waiting: Int
        package var decreases: Int
        package var overloads: Int
    }

    struct State {
        var limit: Double
        var inFlight = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
        var slowStart = true
        var baseline: Double?
        var smoothed: Double?
        /// Smoothed whole-request latency in seconds: the round trip that paces decreases.
        var roundTrip: Double?
        var lastDecrease: ContinuousClock.Instant?
        var decreases = 0
        var overloads = 0
    }

    let minimum: Double
    let maximum: Double
    /// Whether the limit adapts; when false it stays at its initial value (a fixed bound).
    let adaptive: Bool
    private let state: Mutex<State>

    /// Latency may reach this many times its baseline before the limit shrinks: a batch that fills
    /// slows every sequence a little, a queue slows them a lot.
    static let tolerance = 2.0
    /// Seconds (per unit of work) added to the tolerance: below this, latency differences are noise
    /// (connection set-up, scheduling) rather than a queue.
    static let slack = 0.05
    /// Smoothing of the latency samples.
    static let smoothing = 0.1
    /// How fast the baseline forgets a low sample (per completion), so it follows a change of workload.
    static let baselineDrift = 1.002

    /// A limiter between 1 and `maximum`, starting at `initial`; with `adaptive` false, a fixed bound.
    package init(initial: Int, maximum: Int, adaptive: Bool = true) {
        let maximum = max(1, maximum)
        self.minimum = 1
        self.maximum = Double(maximum)
        self.adaptive = adaptive
        self.state = Mutex(State(limit: Double(min(max(1, initial), maximum))))
    }

    /// The current state.
    package var snapshot: Snapshot {
        state.withLock {
            Snapshot(limit: Int($0.limit), inFlight: $0.inFlight, waiting: $0.waiters.count, decreases: $0.decreases, overloads: $0.overloads)
        }
    }

    /// Waits for a permit.
    package func acquire() async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.waiters.isEmpty && Double(state.inFlight) < state.limit.rounded(.down) {
                        state.inFlight += 1
                        return .success(())
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Returns a permit, adapting the limit to `outcome`, and wakes as many waiters as the limit allows.
    package func release(_ outcome: Outcome) {
        let now = ContinuousClock.now
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            // Used: full (or nearly) when this request ends, or requests are waiting for a permit.
            let used = Double(state.inFlight) >= state.limit.rounded(.down) - 1 || !state.waiters.isEmpty
            state.inFlight -= 1
            if adaptive { adapt(&state, outcome, used: used, now: now) }
            var woken: [CheckedContinuation<Void, any Error>] = []
            while !state.waiters.isEmpty && Double(state.inFlight) < state.limit.rounded(.down) {
                state.inFlight += 1
                woken.append(state.waiters.removeFirst().continuation)
            }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    private func adapt(_ state: inout State, _ outcome: Outcome, used: Bool, now: ContinuousClock.Instant) {
        // One decrease per round trip: the requests already in flight answer for the old limit.
        let roundTrip = Duration.seconds(min(max(state.roundTrip ?? 1, 0.05), 600))
        let mayDecrease = state.lastDecrease.map { now - $0 > roundTrip } ?? true
        switch outcome {
        case .ignored: return
        case .overloaded:
            state.overloads += 1
            state.slowStart = false
            guard mayDecrease else { return }
            state.limit = max(minimum, state.limit / 2)
            state.lastDecrease = now
            state.decreases += 1
        case .answered(let latency, let work, let total):
            guard latency.isFinite, latency >= 0, work.isFinite, work > 0, total.isFinite, total >= 0 else { return }
            state.roundTrip = state.roundTrip.map { $0 + Self.smoothing * (total - $0) } ?? total
            let sample = latency / work
            let baseline = min((state.baseline ?? sample) * Self.baselineDrift, sample)
            state.baseline = baseline
            let smoothed = state.smoothed.map { $0 + Self.smoothing * (sample - $0) } ?? sample
            state.smoothed = smoothed
            let threshold = Self.tolerance * baseline + Self.slack
            // Slow start doubles each round trip: it ends at the first request that queued, not once the
            // average shows it. Later, one slow sample (a new connection, a hiccup) is not a queue.
            if smoothed > threshold || (state.slowStart && sample > threshold) {
                state.slowStart = false
                guard mayDecrease else { return }
                state.limit = max(minimum, state.limit * 0.9)
                state.lastDecrease = now
                state.decreases += 1
            } else if used {
                // Slow start: one more per answer. Then about √limit more per round trip (about `limit`
                // answers): back to a large batch in a few round trips after a decrease.
                let step = state.slowStart ? 1 : max(1, state.limit.squareRoot()) / max(1, state.limit)
                state.limit = min(maximum, state.limit + step)
            }
        }
    }
}
