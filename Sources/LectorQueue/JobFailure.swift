/// How a handler says an attempt failed; any other error a handler throws counts as `retryable`.
public struct JobFailure: Error, Sendable, CustomStringConvertible {
    public enum Class: Sendable, Equatable {
        /// Will never succeed (a corrupt or encrypted PDF): straight to `failed`.
        case permanent
        /// May succeed later: retried with exponential backoff until `max_attempts`.
        case retryable
        /// The other side asked to come back later: rescheduled after `retryAfter` seconds without
        /// using an attempt.
        case rateLimited(retryAfter: Double)
        /// Something every job needs (the engine) is down: not the job's fault. Rescheduled after
        /// `retryAfter` seconds without using an attempt (the worker meanwhile stops claiming; see
        /// ``DependencyCircuit``).
        case dependencyUnavailable(retryAfter: Double)
    }

    public var `class`: Class
    /// A short reason kept in the job's error history; no document text or secrets.
    public var reason: String

    public init(_ class: Class, reason: String) {
        self.class = `class`
        self.reason = reason
    }

    public static func permanent(_ reason: String) -> JobFailure { JobFailure(.permanent, reason: reason) }
    public static func retryable(_ reason: String) -> JobFailure { JobFailure(.retryable, reason: reason) }
    public static func rateLimited(retryAfter seconds: Double, _ reason: String) -> JobFailure {
        JobFailure(.rateLimited(retryAfter: seconds), reason: reason)
    }

    public var description: String { reason }

    /// The `class` stored in the error history.
    var label: String {
        switch self.class {
        case .permanent: "permanent"
        case .retryable: "retryable"
        case .rateLimited: "rate_limited"
        case .dependencyUnavailable: "dependency_unavailable"
        }
    }
}

/// Exponential backoff with jitter, capped: the delay before retry `attempt + 1` after attempt `attempt`
/// failed.
public struct RetryPolicy: Sendable, Equatable {
    /// The delay after the first failed attempt, in seconds.
    public var base: Double
    /// No delay is longer than this, jitter included.
    public var cap: Double
    /// The delay is multiplied by a random factor in `1 - jitter ... 1 + jitter`.
    public var jitter: Double

    public init(base: Double = 5, cap: Double = 3600, jitter: Double = 0.2) {
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// The delay after failed attempt `attempt` (1-based), with `random` in 0...1 choosing the jitter.
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0...1)) -> Double {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let raw = base * pow2(exponent)
        let jittered = raw * (1 + jitter * (2 * random - 1))
        // Whole milliseconds: what the database stores, and stable to compare.
        return (min(cap, jittered) * 1000).rounded() / 1000
    }

    private func pow2(_ e: Double) -> Double {
        var value = 1.0
        var i = 0.0
        while i < e, value < 1e18 {
            value *= 2
            i += 1
        }
        return value
    }
}
