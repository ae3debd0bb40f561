import Synchronization

/// A readiness check whose answer is reused for a while, so that frequent probes (a load balancer, a
/// Kubernetes readiness probe every few seconds) do not each send requests to the engine.
public final class CachedCheck: Sendable {
    private let check: @Sendable () async -> Bool
    private let lifetime: Duration
    private let last = Mutex<(value: Bool, at: ContinuousClock.Instant)?>(nil)

    /// - Parameter lifetime: how long an answer is reused.
    public init(lifetime: Duration = .seconds(10), _ check: @escaping @Sendable () async -> Bool) {
        self.check = check
        self.lifetime = lifetime
    }

    /// The cached answer while it is fresh, else a new one. Concurrent callers may both check once.
    public func callAsFunction() async -> Bool {
        let now = ContinuousClock.now
        if let cached = last.withLock({ $0 }), now - cached.at < lifetime { return cached.value }
        let value = await check()
        last.withLock { $0 = (value, ContinuousClock.now) }
        return value
    }
}
