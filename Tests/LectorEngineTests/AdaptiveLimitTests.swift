@testable import LectorEngine
import Testing

/// The adaptive in-flight limit, driven by hand: no engine, no clock threshold.
@Suite("Adaptive in-flight limit")
struct AdaptiveLimitTests {
    /// Takes `count` permits (none may wait: the limit allows them).
    func take(_ limit: AdaptiveLimit, _ count: Int) async throws {
        for _ in 0..<count { try await limit.acquire() }
    }

    /// Releases a permit.
    func done(_ limit: AdaptiveLimit, _ outcome: AdaptiveLimit.Outcome = Self.fast) { limit.release(outcome) }

    static let fast = AdaptiveLimit.Outcome.answered(signal: 0.1, work: 1, total: 1)

    @Test("slow start: one more per answered request while the limit is used, up to the maximum")
    func grows() async throws {
        let limit = AdaptiveLimit(initial: 4, maximum: 10)
        try await take(limit, 4)
        for _ in 0..<8 {
            // A backlog: each answer's permit is taken again at once, with the new ones.
            done(limit)
            let now = limit.snapshot
            try await take(limit, now.limit - now.inFlight)
        }
        #expect(limit.snapshot.limit == 10)
        #expect(limit.snapshot.inFlight == 10)
    }

    @Test("an unused limit does not grow")
    func idleDoesNotGrow() async throws {
        let limit = AdaptiveLimit(initial: 8, maximum: 100)
        for _ in 0..<20 {
            try await take(limit, 1)
            done(limit)
        }
        #expect(limit.snapshot.limit == 8)
    }

    @Test("429 or 503 halves the limit, once per round trip; growth is then one per round trip")
    func halves() async throws {
        let limit = AdaptiveLimit(initial: 16, maximum: 100)
        try await take(limit, 16)
        done(limit, .overloaded)
        done(limit, .overloaded)  // the same round trip: not halved again
        #expect(limit.snapshot.limit == 8)
        #expect(limit.snapshot.overloads == 2 && limit.snapshot.decreases == 1)
        for _ in 0..<3 { done(limit) }
        // Out of slow start: √8 per round trip of 8 answers; 3 answers add about one.
        #expect(limit.snapshot.limit == 9)
    }

    @Test("a growing wait for the first token (a queue in the engine) shrinks the limit")
    func latencyShrinks() async throws {
        let limit = AdaptiveLimit(initial: 10, maximum: 100)
        try await take(limit, 10)
        done(limit)  // baseline 0.1 s, limit 11
        try await take(limit, 2)
        for _ in 0..<20 { done(limit, .answered(signal: 5, work: 1, total: 6)) }
        // One decrease per round trip (6 s here): a tenth off, not twenty tenths.
        #expect(limit.snapshot.limit == 9)
        #expect(limit.snapshot.decreases == 1)
    }

    @Test("waiters are woken as the limit allows; a fixed limit never moves")
    func fixed() async throws {
        let limit = AdaptiveLimit(initial: 2, maximum: 100, adaptive: false)
        try await take(limit, 2)
        async let third: Void = limit.acquire()
        while limit.snapshot.waiting == 0 { await Task.yield() }
        limit.release(.overloaded)
        try await third
        #expect(limit.snapshot.inFlight == 2)
        done(limit)
        done(limit)
        #expect(limit.snapshot.limit == 2 && limit.snapshot.inFlight == 0)
    }
}
