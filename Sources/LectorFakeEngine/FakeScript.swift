import LectorEngine
import Synchronization

/// A fake engine's script: the discovery endpoints of one dialect, and chat completion replies taken
/// from a queue in order (the last default when it runs dry).
public final class FakeScript: Sendable {
    /// The dialect whose discovery endpoints (`/v1/models`, `/health`, `/props`, ...) are served.
    public let dialect: EngineDialect
    private let queue: Mutex<[FakeReply]>
    private let fallback: Mutex<FakeReply>

    /// A script for `dialect`; chat completions get `replies` in order, then `otherwise`.
    public init(dialect: EngineDialect, replies: [FakeReply] = [], otherwise: FakeReply? = nil) {
        self.dialect = dialect
        self.queue = Mutex(replies)
        self.fallback = Mutex(otherwise ?? FakeResponses.completion(dialect: dialect, answer: "{}"))
    }

    /// Appends replies to the queue.
    public func enqueue(_ replies: FakeReply...) { queue.withLock { $0.append(contentsOf: replies) } }

    /// The handler to give ``FakeEngine``.
    public var handler: @Sendable (FakeRequest) async -> FakeReply {
        { [self] request in reply(to: request) }
    }

    func reply(to request: FakeRequest) -> FakeReply {
        if request.path.hasSuffix("/chat/completions") {
            return queue.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? fallback.withLock { $0 }
        }
        return FakeResponses.discovery(dialect: dialect, path: request.path, request: request)
    }
}
