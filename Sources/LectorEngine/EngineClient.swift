import AsyncHTTPClient
import LectorCore
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A client for one OpenAI-compatible engine (vLLM, NIM, the Mistral API, llama.cpp).
///
/// It bounds the requests in flight (``EngineConfiguration/maxInFlight``), retries retryable failures
/// with backoff and jitter, honours `Retry-After`, degrades a rejected `reasoning_effort` once and
/// remembers it, and refuses to send anything to a host the sovereignty guard does not allow.
///
/// Make one per process and share it; call ``shutdown()`` when done, or use
/// ``withClient(configuration:resolver:logger:_:)``.
public final class EngineClient: Sendable {
    /// The configuration this client was made with.
    public let configuration: EngineConfiguration
    let url: EngineURL
    /// Connects only to the address the guard vetted (see ``PinnedHTTPClient``).
    let connections: PinnedHTTPClient
    var http: HTTPClient { connections.current }
    /// The requests in flight, adapted to the engine; shared by every job of the process.
    let limiter: AdaptiveLimit

    /// The adaptive in-flight limit's state (for benchmarks and metrics).
    package var inFlightLimit: AdaptiveLimit.Snapshot { limiter.snapshot }
    let guardian: SovereigntyGuard
    let logger: Logger

    struct State: Sendable {
        var dialect: EngineDialect?
        var model: String?
        var verdict: SovereigntyVerdict?
        var verdictAt: ContinuousClock.Instant?
        /// Values of `reasoning_effort` the engine rejected, and what is sent instead (nil: omit).
        var effortSubstitutes: [ReasoningEffort: ReasoningEffort?] = [:]
        /// The image limit the engine stated when it refused a request.
        var learnedImageLimit: Int?
        /// `/tokenize` answers by the SHA-256 of the text (see ``EngineClient/exactTokens(_:)``).
        var tokenCounts: [String: Int] = [:]
    }

    let state: Mutex<State>

    /// Makes a client; no connection is opened until the first request.
    ///
    /// - Throws: ``ConfigurationError`` when the URL is unusable.
    public init(
        configuration: EngineConfiguration, resolver: any HostResolver = SystemResolver(), logger: Logger
    ) throws(ConfigurationError) {
        guard let url = EngineURL(configuration.url) else {
            throw ConfigurationError(setting: "LECTOR_ENGINE_URL", reason: "must be an http:// or https:// URL")
        }
        self.configuration = configuration
        self.url = url
        var http = HTTPClient.Configuration()
        // The read timeout covers the wait for the first byte (a queue inside the engine); silences
        // after it are bounded by the idle timeout, which ``withDeadline`` enforces.
        http.timeout = .init(
            connect: .nanoseconds((configuration.connectTimeout).wholeNanoseconds),
            read: .nanoseconds((max(configuration.idleTimeout, configuration.firstTokenTimeout)).wholeNanoseconds))
        // One connection per in-flight request: HTTP/1.1 has no multiplexing. Idle connections are
        // dropped after 4 s, before uvicorn (vLLM) and cpp-httplib (llama.cpp) drop them at 5 s: reusing
        // a connection the server is closing fails the request ("remote connection closed").
        http.connectionPool = .init(
            idleTimeout: .seconds(4), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxInFlight + 2)
        // A refused connection should fail now and be retried by our policy, not by the pool until the
        // connect timeout.
        http.connectionPool.retryConnectionEstablishment = false
        http.decompression = .disabled
        // A redirect could send the document to a host the guard never saw: engines do not redirect.
        http.redirectConfiguration = .disallow
        self.connections = PinnedHTTPClient(host: url.host, configuration: http)
        self.limiter = AdaptiveLimit(
            initial: configuration.initialInFlight, maximum: configuration.maxInFlight, adaptive: configuration.adaptiveInFlight)
        self.guardian = SovereigntyGuard(
            allowedHosts: configuration.allowedHosts, allowExternal: configuration.allowExternal, resolver: resolver)
        var logger = logger
        logger[metadataKey: "engine.host"] = .string(url.host)
        self.logger = logger
        self.state = Mutex(State(dialect: configuration.dialect, model: configuration.model))
    }

    /// Runs `body` with a client and shuts it down afterwards, whether `body` throws or not.
    public static func withClient<T: Sendable>(
        configuration: EngineConfiguration, resolver: any HostResolver = SystemResolver(), logger: Logger,
        isolation: isolated (any Actor)? = #isolation, _ body: (EngineClient) async throws -> T
    ) async throws -> T {
        let client = try EngineClient(configuration: configuration, resolver: resolver, logger: logger)
        do {
            let value = try await body(client)
            try? await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Closes the connections. The client must not be used afterwards.
    public func shutdown() async throws {
        try await connections.shutdown()
    }

    // MARK: - Chat completions

    /// Sends a chat completion and returns the normalised answer.
    ///
    /// Waits for a free in-flight slot first. Retries retryable failures per ``EngineConfiguration/retry``.
    /// For a request with a schema, the answer is parsed and checked against it.
    ///
    /// - Throws: ``EngineError`` (classified; see ``EngineError/Kind``), or `CancellationError`.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await ensureAllowed()
        let (dialect, model) = try await resolvedDialectAndModel()
        if let limit = imageLimit(dialect: dialect), request.imageCount > limit {
            throw EngineError(
                .badRequest, parameter: "image_url", imageLimit: limit,
                detail: "\(request.imageCount) images in one request; the engine takes at most \(limit)")
        }
        var attempt = 0
        while true {
            attempt += 1
            let effort = effectiveEffort(for: request.reasoningEffort)
            do {
                var response = try await send(request, model: model, dialect: dialect, reasoningEffort: effort)
                response.attempts = attempt
                response.engineHost = url.host
                response.externalEngine = state.withLock { $0.verdict?.isExternal ?? false }
                return response
            } catch let error as EngineError {
                if error.isImageLimit, let limit = error.imageLimit, limit > 0 { learnImageLimit(limit) }
                if error.kind == .badRequest, error.parameter == "reasoning_effort", let effort {
                    degrade(effort)
                    attempt -= 1  // a rejected effort value is our mistake, not the engine's failure
                    continue
                }
                guard let delay = configuration.retry.delay(after: error, attempt: attempt) else { throw error }
                Counter(label: MetricName.engineRetries, dimensions: [("error_class", error.kind.rawValue)]).increment()
                logger.debug(
                    "engine request failed; retrying",
                    metadata: ["engine.error": "\(error.code)", "engine.attempt": "\(attempt)", "engine.delay_ms": "\((delay).wholeNanoseconds / 1_000_000)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// The most images one request may carry: the dialect's limit, the configuration's and what the
    /// engine said when it refused more, whichever is lowest; nil when none is known.
    ///
    /// - Throws: ``EngineError`` when the dialect must be detected and the engine cannot be reached.
    public func maxImagesPerRequest() async throws -> Int? {
        let (dialect, _) = try await resolvedDialectAndModel()
        return imageLimit(dialect: dialect)
    }

    func imageLimit(dialect: EngineDialect) -> Int? {
        let learned = state.withLock { $0.learnedImageLimit }
        return [dialect.maxImagesPerRequest, configuration.maxImagesPerRequest, learned].compactMap { $0 }.min()
    }

    private func learnImageLimit(_ limit: Int) {
        let changed = state.withLock { state -> Bool in
            guard state.learnedImageLimit.map({ limit < $0 }) ?? true else { return false }
            state.learnedImageLimit = limit
            return true
        }
        if changed {
            logger.warning(
                "the engine refused a request's images; planning at most this many per request from now on",
                metadata: ["engine.max_images": "\(limit)"])
        }
    }

    /// The `reasoning_effort` to send for `requested`, after the degradations this engine forced.
    func effectiveEffort(for requested: ReasoningEffort?) -> ReasoningEffort? {
        guard let requested else { return nil }
        return state.withLock { state in
            var current: ReasoningEffort? = requested
            var seen: Set<ReasoningEffort> = []
            while let value = current, let substitute = state.effortSubstitutes[value], !seen.contains(value) {
                seen.insert(value)
                current = substitute
            }
            return current
        }
    }

    /// Records that the engine rejected `rejected` and picks the nearest value not known to be rejected.
    private func degrade(_ rejected: ReasoningEffort) {
        let (substitute, isNew): (ReasoningEffort?, Bool) = state.withLock { state in
            if let known = state.effortSubstitutes[rejected] { return (known, false) }
            let next = rejected.fallbacks.first { state.effortSubstitutes[$0] == nil }
            state.effortSubstitutes[rejected] = .some(next)
            return (next, true)
        }
        // Concurrent requests may all see the rejection; one warning per engine and value is enough.
        guard isNew else { return }
        logger.warning(
            "the engine rejected reasoning_effort; degrading for this and later requests",
            metadata: ["engine.reasoning_effort.rejected": "\(rejected.rawValue)", "engine.reasoning_effort.sent": "\(substitute?.rawValue ?? "omitted")"])
    }

    /// One attempt, holding an in-flight slot for the HTTP exchange only.
    func send(
        _ request: ChatRequest, model: String?, dialect: EngineDialect, reasoningEffort: ReasoningEffort?
    ) async throws -> ChatResponse {
        let started = ContinuousClock.now
        do {
            try await limiter.acquire()
            let activity = Activity()
            var accumulator: CompletionAccumulator
            do {
                // Serialised only once a slot is free: queued requests with page images stay unencoded.
                let body = request.body(model: model, dialect: dialect, reasoningEffort: reasoningEffort).serialized()
                accumulator = try await withDeadline(configuration.requestTimeout, activity: activity) {
                    try await self.exchange(body: body, stream: request.stream, activity: activity)
                }
                limiter.release(Self.signal(activity, usage: accumulator.usage, stream: request.stream))
            } catch {
                limiter.release(Self.signal(error))
                throw error
            }
            if let problem = Self.truncation(of: request, usage: accumulator.usage, floor: dialect.mayTruncatePrompts) {
                throw problem
            }
            let response = try finish(&accumulator, request: request, effort: reasoningEffort)
            Self.recordRequest(since: started, outcome: "ok", usage: response.usage)
            return response
        } catch let error as EngineError {
            Self.recordRequest(since: started, outcome: error.kind.rawValue, usage: nil)
            throw error
        } catch {
            Self.recordRequest(since: started, outcome: error is CancellationError ? "cancelled" : "transport", usage: nil)
            throw error
        }
    }

    /// Metrics of one attempt: `lector_engine_request_duration_seconds{outcome}` (`ok` or the error
    /// class; the time includes waiting for a slot) and `lector_engine_tokens_total{direction}` (`in`,
    /// `out`) as the engine reported them.
    static func recordRequest(since started: ContinuousClock.Instant, outcome: String, usage: TokenUsage?) {
        Metrics.Timer(label: MetricName.engineRequestDuration, dimensions: [("outcome", outcome)])
            .recordNanoseconds((ContinuousClock.now - started).wholeNanoseconds)
        if let usage {
            Counter(label: MetricName.engineTokens, dimensions: [("direction", "in")]).increment(by: usage.promptTokens)
            Counter(label: MetricName.engineTokens, dimensions: [("direction", "out")]).increment(by: usage.completionTokens)
        }
    }

    /// What the adaptive limit learns from an answered request: the wait for its first byte when
    /// streamed (it grows with a queue in the engine, not with the batch), else its whole latency, per
    /// unit of work.
    static func signal(_ activity: Activity, usage: TokenUsage?, stream: Bool) -> AdaptiveLimit.Outcome {
        let now = ContinuousClock.now
        let total = seconds(now - activity.started)
        let prompt = Double(usage?.promptTokens ?? 0) / 2000
        if stream, let first = activity.firstByte {
            return .answered(signal: seconds(first - activity.started), work: 1 + prompt, total: total)
        }
        return .answered(signal: total, work: 1 + prompt + Double(usage?.completionTokens ?? 0) / 100, total: total)
    }

    /// What the adaptive limit learns from a failed request: 429 and 503 are the engine pushing back.
    static func signal(_ error: any Error) -> AdaptiveLimit.Outcome {
        guard let error = error as? EngineError else { return .ignored }
        if error.kind == .rateLimited || (error.kind == .unavailable && error.status == 503) { return .overloaded }
        return .ignored
    }

    static func seconds(_ duration: Duration) -> Double { duration.secondsValue }

    /// When an exchange started and when its bytes arrived, for the idle watchdog and the adaptive limit.
    final class Activity: Sendable {
        let started = ContinuousClock.now
        private let state = Mutex<(first: ContinuousClock.Instant?, last: ContinuousClock.Instant?)>((nil, nil))

        /// Records bytes of the answer arriving now.
        func touch() {
            let now = ContinuousClock.now
            state.withLock { state in
                if state.first == nil { state.first = now }
                state.last = now
            }
        }

        var firstByte: ContinuousClock.Instant? { state.withLock { $0.first } }
        var lastByte: ContinuousClock.Instant? { state.withLock { $0.last } }
    }

    /// Runs `body`, failing with a timeout when `limit` passes first, or when the answer, once started,
    /// is silent longer than the idle timeout.
    ///
    /// AsyncHTTPClient's own deadline stops at the response head; a stream that keeps trickling bytes
    /// would otherwise run forever. Its read timeout is the (longer) first-token allowance, so the
    /// watchdog here enforces the idle timeout after the first byte. Cancelling the exchange cancels its
    /// HTTP request.
    private func withDeadline<T: Sendable>(
        _ limit: Duration, activity: Activity, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let idle = configuration.idleTimeout
        let firstToken = configuration.firstTokenTimeout
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw EngineError(.timeout, detail: "the request deadline passed")
            }
            group.addTask {
                // Polls rather than re-arms a timer per chunk: a long answer streams thousands of chunks.
                let tick = max(.milliseconds(10), min(idle, firstToken) / 4)
                var lastWake = ContinuousClock.now
                while true {
                    try await Task.sleep(for: tick)
                    let now = ContinuousClock.now
                    // Woken much later than asked: this process was starved (a busy machine), and the
                    // reader of the stream with it. That is not the engine's silence: judge on the next
                    // tick, once the reader has had its turn. The request deadline still holds.
                    let starved = now - lastWake > tick * 2
                    lastWake = now
                    if starved { continue }
                    if let last = activity.lastByte {
                        if now - last > idle {
                            throw EngineError(.timeout, detail: "the engine was silent longer than the idle timeout")
                        }
                    } else if now - activity.started > firstToken {
                        throw EngineError(
                            .timeout, detail: "no answer began within the first-token timeout", beforeResponse: true)
                    }
                }
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func exchange(body: [UInt8], stream: Bool, activity: Activity) async throws -> CompletionAccumulator {
        var http = HTTPClientRequest(url: url.api("/chat/completions"))
        http.method = .POST
        http.headers = headers(json: true)
        if stream { http.headers.add(name: "Accept", value: "text/event-stream") }
        http.body = .bytes(ByteBuffer(bytes: body))
        let deadline = NIODeadline.now() + .nanoseconds((configuration.requestTimeout).wholeNanoseconds)
        let response: HTTPClientResponse
        do {
            response = try await self.http.execute(http, deadline: deadline, logger: logger)
        } catch {
            // Nothing of an answer arrived: refused, reset, unresolvable or silent before the head.
            throw Self.transportError(error, beforeResponse: true)
        }
        do {
            guard response.status == .ok else {
                let bytes = try await response.body.collect(upTo: 1 << 20)
                throw EngineError.classify(
                    status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                    body: Array(buffer: bytes))
            }
            var accumulator = CompletionAccumulator()
            let contentType = response.headers.first(name: "Content-Type") ?? ""
            if contentType.contains("text/event-stream") {
                var parser = ServerSentEventParser()
                for try await chunk in response.body {
                    activity.touch()
                    for event in parser.feed(chunk.readableBytesView) { try accumulate(event, into: &accumulator) }
                }
                for event in parser.finish() { try accumulate(event, into: &accumulator) }
            } else {
                var collected = ByteBuffer()
                for try await chunk in response.body {
                    activity.touch()
                    guard collected.readableBytes + chunk.readableBytes <= 256 << 20 else {
                        throw EngineError(.malformedResponse, status: 200, detail: "the engine's body is larger than 256 MiB", transient: true)
                    }
                    collected.writeImmutableBuffer(chunk)
                }
                let bytes = collected
                let json: JSONValue
                do {
                    json = try JSONValue.parse(bytes.readableBytesView)
                } catch {
                    throw EngineError(.malformedResponse, status: 200, detail: "the engine's body is not JSON", transient: true)
                }
                try accumulator.add(completion: json)
            }
            guard accumulator.sawChoice else {
                throw EngineError(.malformedResponse, status: 200, detail: "the engine sent no choices", transient: true)
            }
            return accumulator
        } catch let error as EngineError {
            throw error
        } catch {
            throw Self.transportError(error)
        }
    }

    private func accumulate(_ event: [UInt8], into accumulator: inout CompletionAccumulator) throws {
        if event.elementsEqual("[DONE]".utf8) { return }
        let chunk: JSONValue
        do {
            chunk = try JSONValue.parse(event)
        } catch {
            throw EngineError(.malformedResponse, status: 200, detail: "a stream event is not JSON", transient: true)
        }
        try accumulator.add(chunk: chunk)
    }

    /// An error when the engine reports far fewer prompt tokens than the request's text has: a server
    /// that silently cut the prompt to its context (Ollama's `num_ctx`) answered about part of the
    /// document only.
    ///
    /// With the engine's own count of the text (``ChatRequest/countedPromptTokens``), on every dialect
    /// that reports usage, a report more than 5% and 1024 tokens below it is a truncation: the chat
    /// template and images only add tokens. Without a count, and only where `floor` (a generic server
    /// that may cut silently), the text is counted at 9 bytes a token, below any tokenizer's rate on
    /// prose, and under 1024 tokens of difference is never a truncation.
    static func truncation(of request: ChatRequest, usage: TokenUsage?, floor: Bool = true) -> EngineError? {
        guard let reported = usage?.promptTokens, reported > 0 else { return nil }
        if let counted = request.countedPromptTokens, counted > 0 {
            guard reported < counted - max(1024, counted / 20) else { return nil }
            return EngineError(
                .promptTruncated, promptTokens: reported, usage: usage,
                detail: "the engine reports \(reported) prompt tokens for a prompt its own tokenizer counts at \(counted) or more: it cut the prompt (raise its context, e.g. Ollama's num_ctx)")
        }
        guard floor else { return nil }
        var bytes = request.system.utf8.count
        for part in request.user {
            if case .text(let text) = part { bytes += text.utf8.count }
        }
        let least = bytes / 9
        guard reported < least, least - reported > 1024 else { return nil }
        return EngineError(
            .promptTruncated, promptTokens: reported, usage: usage,
            detail: "the engine reports \(reported) prompt tokens for a prompt of at least \(least): it cut the prompt (raise its context, e.g. Ollama's num_ctx)")
    }

    private func finish(_ accumulator: inout CompletionAccumulator, request: ChatRequest, effort: ReasoningEffort?) throws -> ChatResponse {
        let finishReason = FinishReason(accumulator.finishReason)
        var json: JSONValue?
        var fromReasoning = false
        if let schema = request.schema {
            if accumulator.answer.allSatisfy(\.isWhitespace), finishReason != .length,
                let found = ReasoningJSON.find(in: accumulator.reasoning, schema: schema.schema)
            {
                // A reasoning parser that does not match the model's template puts the whole answer in the
                // reasoning channel: the JSON is there, and checked against the schema like any answer.
                accumulator.answer = found.text
                fromReasoning = true
                Counter(label: MetricName.engineAnswerFromReasoning).increment()
                logger.warning(
                    "the answer came in the reasoning channel with empty content; using the JSON found there (check the engine's reasoning parser)",
                    metadata: ["engine.reasoning_bytes": "\(accumulator.reasoning.utf8.count)"])
            }
            do {
                json = try JSONValue.parse(accumulator.answer)
            } catch {
                if finishReason == .length {
                    throw EngineError(
                        .outputTruncated, parameter: "max_tokens",
                        usage: accumulator.usage,
                        detail: "the answer was cut at max_tokens (\(request.maxTokens)) before its JSON ended")
                }
                throw EngineError(.malformedResponse, detail: "the answer is not JSON")
            }
            let problems = JSONSchemaValidator(schema: schema.schema).problems(in: json!)
            if !problems.isEmpty {
                throw EngineError(
                    .malformedResponse,
                    detail: "the answer does not match the schema (\(problems.prefix(3).joined(separator: "; ")))")
            }
        }
        return ChatResponse(
            answer: accumulator.answer, reasoning: accumulator.reasoning.isEmpty ? nil : accumulator.reasoning,
            finishReason: finishReason, usage: accumulator.usage, model: accumulator.model, json: json,
            reasoningEffort: effort, attempts: 1, answerFromReasoning: fromReasoning)
    }

    func headers(json: Bool) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if json { headers.add(name: "Content-Type", value: "application/json") }
        headers.add(name: "User-Agent", value: "lector")
        if let key = configuration.apiKey { headers.add(name: "Authorization", value: "Bearer \(key.value)") }
        return headers
    }

    /// Classifies a failure below HTTP: timeouts, refused and reset connections; `beforeResponse` says
    /// that no byte of an answer had arrived.
    static func transportError(_ error: any Error, beforeResponse: Bool = false) -> any Error {
        let classified = transportErrorWithoutTiming(error)
        guard var engineError = classified as? EngineError else { return classified }
        engineError.beforeResponse = beforeResponse
        return engineError
    }

    private static func transportErrorWithoutTiming(_ error: any Error) -> any Error {
        if error is CancellationError { return error }
        if let http = error as? HTTPClientError {
            switch http {
            case .deadlineExceeded: return EngineError(.timeout, detail: "the request deadline passed")
            case .readTimeout: return EngineError(.timeout, detail: "the engine was silent longer than the idle timeout")
            case .cancelled: return CancellationError()
            case .connectTimeout: return EngineError(.unavailable, detail: "connecting to the engine timed out")
            case .remoteConnectionClosed: return EngineError(.unavailable, detail: "the engine closed the connection")
            default: return EngineError(.unavailable, detail: "HTTP failure talking to the engine (\(http.shortDescription))")
            }
        }
        if let io = error as? IOError {
            return EngineError(.unavailable, detail: "connection failed (errno \(io.errnoCode))")
        }
        if error is NIOConnectionError || error is ChannelError {
            return EngineError(.unavailable, detail: "cannot connect to the engine")
        }
        return EngineError(.unavailable, detail: "connection failed (\(type(of: error)))")
    }

    // MARK: - Sovereignty

    /// The sovereignty guard's verdict for this engine (cached for ``SovereigntyGuard/recheckInterval``).
    public func sovereignty() async -> SovereigntyVerdict {
        let now = ContinuousClock.now
        if let cached = state.withLock({ state -> SovereigntyVerdict? in
            guard let at = state.verdictAt, now - at < SovereigntyGuard.recheckInterval else { return nil }
            return state.verdict
        }) {
            return cached
        }
        let verdict = await guardian.evaluate(host: url.host)
        // The connection goes to the address just vetted, never to a fresh lookup (DNS rebinding).
        connections.pin(verdict)
        let previous = state.withLock { state in
            defer { state.verdict = verdict; state.verdictAt = now }
            return state.verdict
        }
        if verdict.reason == .externalOptIn && previous != verdict {
            logger.warning(
                "documents go to an external engine (allowed by LECTOR_ALLOW_EXTERNAL_ENGINE / --allow-external-engine)",
                metadata: ["engine.addresses": "\(verdict.addresses.map(\.description).joined(separator: ","))"])
        }
        return verdict
    }

    func ensureAllowed() async throws {
        let verdict = await sovereignty()
        guard verdict.allowed else {
            throw EngineError(
                .refused,
                detail: verdict.reason == .unresolvable
                    ? "the engine host \(verdict.host) does not resolve"
                    : "the engine host \(verdict.host) is outside loopback and private networks (\(verdict.addresses.map(\.description).joined(separator: ", "))); allow it with LECTOR_ENGINE_ALLOWED_HOSTS or opt in with --allow-external-engine / LECTOR_ALLOW_EXTERNAL_ENGINE=1")
        }
    }
}

extension HTTPClientError {
    fileprivate var shortDescription: String { String(describing: self).prefix(80).description }
}
