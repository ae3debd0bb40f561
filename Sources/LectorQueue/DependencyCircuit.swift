import Foundation
import LectorCore
import Logging
import Metrics
import Synchronization

/// The health of something every job of a worker needs (the engine), as the worker's state rather than
/// each job's failure: a circuit breaker.
///
/// Closed (available) at first. A job that throws ``DependencyUnavailable`` opens it: the ``Worker``
/// stops claiming, reschedules that job without using an attempt, and ``run(logger:onChange:)`` probes
/// the dependency with capped exponential backoff and full jitter (so that many workers whose circuits
/// opened together do not come back together) until a probe succeeds, which closes it again.
///
/// One log line per change of state (an error for a misconfiguration, a warning for an outage, info
/// when it is back), and the gauge `lector_<name>_up` (1 or 0).
public final class DependencyCircuit: Sendable {
    /// The dependency's name, as handlers name it in ``DependencyUnavailable/dependency``; bounded
    /// (it becomes part of a metric name).
    public let name: String
    /// Capped exponential backoff between probes.
    public let backoff: Backoff
    let probe: @Sendable () async throws -> Void
    private let state: Mutex<State>
    private let changes: AsyncStream<Void>
    private let changed: AsyncStream<Void>.Continuation

    /// The wait before probe `n` (0-based) after the circuit opened: a uniformly random share between
    /// half and all of `min(cap, base * 2^n)`.
    public struct Backoff: Sendable, Equatable {
        /// The first ceiling, in seconds.
        public var base: Double
        /// No wait is longer, in seconds.
        public var cap: Double

        /// The defaults probe after 1-2 s at first, and at least every minute.
        public init(base: Double = 2, cap: Double = 60) {
            self.base = max(0.001, base.isFinite ? base : 2)
            self.cap = max(self.base, cap.isFinite ? cap : 60)
        }

        /// The wait before probe `probe`, with `random` in 0...1 choosing within the jitter.
        public func delay(beforeProbe probe: Int, random: Double = Double.random(in: 0...1)) -> Double {
            let exponent = Double(min(max(0, probe), 40))
            let ceiling = min(cap, base * pow(2, exponent))
            return ceiling / 2 + ceiling / 2 * min(max(0, random), 1)
        }
    }

    /// The circuit's state, as ``status`` reports it.
    public struct Status: Sendable, Equatable {
        public var available: Bool
        /// When the current state began.
        public var since: Date
        /// The last failure while unavailable (or the one that last opened it).
        public var lastError: String?
        /// Whether the last failure was a misconfiguration.
        public var misconfigured: Bool
    }

    private struct State {
        var status: Status
        /// Probes that failed since the circuit opened; the next wait grows with it.
        var failedProbes = 0
        /// When it last closed: a circuit that opens again soon after continues its backoff rather than
        /// starting over, so a dependency that flaps is not hammered.
        var closedAt: Date?
    }

    /// - Parameters:
    ///   - name: the dependency's name (`engine`); the gauge is `lector_<name>_up`.
    ///   - probe: one cheap request that returns when the dependency works and throws (preferably
    ///     ``DependencyUnavailable``) when it does not.
    public init(name: String, backoff: Backoff = Backoff(), probe: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.backoff = backoff
        self.probe = probe
        self.state = Mutex(State(status: Status(available: true, since: Date(), lastError: nil, misconfigured: false)))
        (changes, changed) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The state now.
    public var status: Status { state.withLock { $0.status } }

    /// Whether jobs may be claimed.
    public var isAvailable: Bool { state.withLock { $0.status.available } }

    /// Opens the circuit (a job found the dependency down); returns whether this call changed the state.
    @discardableResult
    public func reportUnavailable(_ failure: DependencyUnavailable, logger: Logger) -> Bool {
        let opened = state.withLock { state -> Bool in
            state.status.lastError = failure.reason
            state.status.misconfigured = failure.misconfigured
            guard state.status.available else { return false }
            state.status.available = false
            state.status.since = Date()
            // Flapping: opened again within a minute of closing keeps the backoff it had reached.
            if let closedAt = state.closedAt, Date().timeIntervalSince(closedAt) < 60 {
                state.failedProbes = max(1, state.failedProbes)
            } else {
                state.failedProbes = 0
            }
            return true
        }
        if opened {
            gauge.record(0)
            let metadata: Logger.Metadata = ["dependency": "\(name)", "error": "\(failure.reason)"]
            if failure.misconfigured {
                logger.error("\(name) misconfigured: jobs wait until it is fixed", metadata: metadata)
            } else {
                logger.warning("\(name) unavailable: claiming stopped, jobs wait without using attempts", metadata: metadata)
            }
        }
        changed.yield()
        return opened
    }

    private var gauge: Gauge { Gauge(label: MetricName.dependencyUp(name)) }

    /// Probes while the circuit is open, until cancelled; `onChange` is called after every change of
    /// state and after every failed probe (to refresh what others see).
    public func run(logger: Logger, onChange: @escaping @Sendable (Status) async -> Void) async {
        gauge.record(isAvailable ? 1 : 0)
        var pending = changes.makeAsyncIterator()
        while !Task.isCancelled {
            let (available, probes) = state.withLock { ($0.status.available, $0.failedProbes) }
            if available {
                guard await pending.next() != nil else { return }
                // Opened: tell the others before the first probe's wait.
                let status = self.status
                if !status.available { await onChange(status) }
                continue
            }
            do {
                try await Task.sleep(for: .milliseconds(Int64(backoff.delay(beforeProbe: probes) * 1000)))
            } catch {
                return
            }
            do {
                try await probe()
                let closed = state.withLock { state -> (Status, TimeInterval)? in
                    guard !state.status.available else { return nil }
                    let down = Date().timeIntervalSince(state.status.since)
                    state.status = Status(available: true, since: Date(), lastError: state.status.lastError, misconfigured: false)
                    state.closedAt = Date()
                    return (state.status, down)
                }
                if let (status, down) = closed {
                    gauge.record(1)
                    // At the outage's level: an operator who saw it start sees it end.
                    logger.warning(
                        "\(name) available again: claiming resumed",
                        metadata: ["dependency": "\(name)", "dependency.down_seconds": "\(Int(saturating: down.rounded()) ?? 0)"])
                    await onChange(status)
                }
            } catch is CancellationError {
                return
            } catch {
                let failure =
                    error as? DependencyUnavailable ?? DependencyUnavailable(dependency: name, reason: "\(error)")
                let (status, nowMisconfigured) = state.withLock { state -> (Status, Bool) in
                    state.failedProbes += 1
                    state.status.lastError = failure.reason
                    let flipped = failure.misconfigured && !state.status.misconfigured
                    state.status.misconfigured = failure.misconfigured
                    return (state.status, flipped)
                }
                if nowMisconfigured {
                    // An outage that turned into a misconfiguration (the engine came back without the
                    // model, or with another key) is a change of state, and the operator's to fix.
                    logger.error("\(name) misconfigured: jobs wait until it is fixed", metadata: ["dependency": "\(name)", "error": "\(failure.reason)"])
                } else {
                    logger.debug("\(name) probe failed", metadata: ["dependency": "\(name)", "error": "\(failure.reason)"])
                }
                await onChange(status)
            }
        }
    }
}
