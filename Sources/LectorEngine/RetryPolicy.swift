import LectorCore

/// When and how long to wait before sending a failed request again.
///
/// Only retryable failures (``EngineError/isRetryable``) are retried: rate limits, unavailability,
/// timeouts and transient malformed bodies. A context overflow, a bad request or an authentication
/// failure is returned at once.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included (1 = no retries).
    public var maxAttempts: Int
    /// The backoff before the second attempt; it doubles each time, up to `maxDelay`.
    public var baseDelay: Duration
    /// The longest backoff.
    public var maxDelay: Duration
    /// The longest `Retry-After` honoured; a longer one fails the request (the caller's queue reschedules).
    public var maxRetryAfter: Duration

    /// A policy; the defaults retry three times, waiting up to 30 s, and honour `Retry-After` up to 2 min.
    public init(
        maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
        maxRetryAfter: Duration = .seconds(120)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The wait before attempt `attempt + 1` after `error`, or nil when it must not be retried.
    ///
    /// Backoff uses "equal jitter": half the exponential delay plus a random share of the other half, so
    /// many workers that failed together do not come back together.
    public func delay(after error: EngineError, attempt: Int) -> Duration? {
        guard error.isRetryable, attempt < maxAttempts else { return nil }
        if let retryAfter = error.retryAfter {
            // The number came from the network: clamped before it becomes a Duration (inf or 1e999 would
            // trap in Int64(_:)); NaN is a wait we cannot honour, so the request is not retried here.
            guard retryAfter <= maxRetryAfter.secondsValue,
                let asked = Duration.seconds(clamping: retryAfter, to: 0...EngineError.maxRetryAfterSeconds)
            else { return nil }
            return asked
        }
        let exponent = min(attempt - 1, 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let half = ceiling / 2
        let jitter = Double.random(in: 0...1)
        return half + half * jitter
    }
}
