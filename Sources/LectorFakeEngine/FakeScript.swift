import LectorEngine
import Synchronization

/// A fake engine's script: the discovery endpoints of one dialect, and chat completion replies taken
/// from a queue in order (the last default when it runs dry).
public final class FakeScript: Sendable {
    /// The dialect whose discovery endpoints (`/v1/models`, `/health`, `/props`, ...) are served.
    public let dialect: EngineDialect
    /// Whether `/tokenize` answers (vLLM and llama.cpp shapes, 4 bytes a token, as ``FakeLimits``
    /// counts): off by default, so that scripted replies with a fixed usage are not judged against a
    /// count; a test of exact counts or truncation turns it on.
    public let tokenize: Bool
    private let queue: Mutex<[FakeReply]>
    private let fallback: Mutex<FakeReply>

    /// A script for `dialect`; chat completions get `replies` in order, then `otherwise`.
    public init(dialect: EngineDialect, replies: [FakeReply] = [], otherwise: FakeReply? = nil, tokenize: Bool = false) {
        self.dialect = dialect
        self.tokenize = tokenize
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
        if request.path == "/tokenize" && !tokenize {
            return .json(404, ["error": ["code": 404, "message": "File Not Found", "type": "not_found_error"]])
        }
        return FakeResponses.discovery(dialect: dialect, path: request.path, request: request)
    }
}
