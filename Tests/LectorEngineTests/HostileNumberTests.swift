import Foundation
import LectorCore
import LectorEngine
import LectorFakeEngine
import Testing

/// Numbers that come from the network are parsed, clamped and never trap (issue 16).
@Suite("Numbers from outside never trap")
struct HostileNumberTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("Retry-After: seconds, HTTP dates and hostile values, clamped to 0 s ... 10 min", arguments: [
        ("12", 12.0), ("1.5", 1.5), ("0", 0), ("-1", 0), ("-1e999", 0), ("inf", 600), ("+inf", 600), ("Infinity", 600),
        ("1e999", 600), ("601", 600), ("99999999999999999999999999", 600), ("nan", nil), ("NaN", nil), ("garbage", nil),
        ("", nil), ("  ", nil), ("12 s", nil),
        // 90 s after `now`, as IMF-fixdate and the two obsolete forms; one in the past; one a year ahead.
        ("Fri, 15 Jan 2027 08:01:30 GMT", 90), ("Friday, 15-Jan-27 08:01:30 GMT", 90), ("Fri Jan 15 08:01:30 2027", 90),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0), ("Sat, 15 Jan 2028 08:00:00 GMT", 600),
    ] as [(String, Double?)])
    func retryAfter(header: String, expected: Double?) {
        #expect(EngineError.parseRetryAfter(header, now: Self.now) == expected)
    }

    @Test("a retry policy given any Retry-After returns a bounded wait or none, never traps", arguments: [
        Double.infinity, -Double.infinity, Double.nan, 1e300, -5, 0, 0.5, 1e-300, Double.greatestFiniteMagnitude,
    ])
    func retryPolicyWithHostileWaits(seconds: Double) {
        let policy = RetryPolicy(maxAttempts: 3, maxRetryAfter: .seconds(120))
        let error = EngineError(.rateLimited, status: 429, retryAfter: seconds, detail: "test")
        let delay = policy.delay(after: error, attempt: 1)
        if seconds.isNaN || seconds > 120 {
            #expect(delay == nil)
        } else {
            #expect(delay != nil && delay! >= .zero && delay! <= .seconds(120))
        }
    }

    @Test("a 429 whose Retry-After is hostile is classified with a clamped wait", arguments: ["inf", "1e999", "-1", "garbage", "nan"])
    func hostileRetryAfterFromTheEngine(header: String) async throws {
        let limited = FakeReply.json(429, ["error": ["message": "slow down", "type": "rate_limit"]], headers: ["Retry-After": header])
        let script = FakeScript(dialect: .vllm, otherwise: limited)
        try await withFakeEngine(script, dialect: .vllm, model: "m") { engine, client in
            let error = await #expect(throws: EngineError.self) { try await client.complete(sampleRequest()) }
            #expect(error?.kind == .rateLimited)
            if let wait = error?.retryAfter { #expect(wait >= 0 && wait <= 600) }
        }
    }

    @Test("token counts from the engine are clamped to 0 ... 10^12", arguments: [
        // 1e300 is no integer Lector reads from JSON: counted as 0 rather than trusted.
        (-5.0, 0), (1e300, 0), (12.0, 12), (8e15, 1_000_000_000_000),
    ] as [(Double, Int)])
    func hostileUsage(reported: Double, expected: Int) async throws {
        let body: JSONValue = [
            "id": "x", "object": "chat.completion", "model": "m",
            "choices": [["index": 0, "message": ["role": "assistant", "content": #"{"answer":"no"}"#], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": .number(reported), "completion_tokens": .number(reported), "total_tokens": 0],
        ]
        let script = FakeScript(dialect: .vllm, otherwise: .json(200, body))
        try await withFakeEngine(script, dialect: .vllm, model: "m") { _, client in
            let usage = try #require(try await client.complete(sampleRequest()).usage)
            #expect(usage.promptTokens == expected && usage.completionTokens == expected)
        }
    }

    @Test("Duration from seconds, clamped", arguments: [
        (Double.infinity, Duration.seconds(600)), (-Double.infinity, .zero), (1e999, .seconds(600)), (-1, .zero),
        (1.0005, .milliseconds(1001)), (Double.greatestFiniteMagnitude, .seconds(600)),
    ] as [(Double, Duration)])
    func durationClamping(seconds: Double, expected: Duration) {
        #expect(Duration.seconds(clamping: seconds, to: 0...600) == expected)
    }

    @Test func durationOfNaNIsNil() {
        #expect(Duration.seconds(clamping: .nan, to: 0...600) == nil)
    }

    @Test("integers from doubles saturate", arguments: [
        (Double.infinity, Int64.max), (-Double.infinity, Int64.min), (1e30, Int64.max), (-1e30, Int64.min),
        (9.223372036854775807e18, Int64.max), (42.9, 42), (-42.9, -42),
    ] as [(Double, Int64)])
    func saturatingIntegers(value: Double, expected: Int64) {
        #expect(Int64(saturating: value) == expected)
        #expect(Int64(saturating: .nan) == nil)
        #expect(Int32(saturating: value) == Int32(clamping: expected))
    }
}

/// Which failures say the engine as a whole is down (the worker waits) rather than that one request failed.
@Suite("Engine-down classification and the probe")
struct EngineDownTests {
    @Test("statuses and bodies that mean the engine is down or misconfigured", arguments: [
        (502, #"{"error": {"message": "bad gateway"}}"#, true),
        (503, #"{"error": {"message": "Loading model", "type": "unavailable_error", "code": 503}}"#, true),
        (504, "", true),
        (401, #"{"error": {"message": "invalid api key"}}"#, true),
        (403, "", true),
        (404, #"{"object": "error", "message": "The model `mistral-small` does not exist.", "type": "NotFoundError", "param": null, "code": 404}"#, true),
        (404, #"{"error": {"message": "The model 'x' does not exist", "type": "invalid_request_error", "code": "model_not_found"}}"#, true),
        (500, #"{"error": {"message": "EngineCore died"}}"#, false),
        (400, #"{"error": {"message": "bad value", "param": "temperature"}}"#, false),
        (400, #"{"error": {"type": "exceed_context_size_error", "n_prompt_tokens": 9, "n_ctx": 4}}"#, false),
        (429, "", false),
    ] as [(Int, String, Bool)])
    func classification(status: Int, body: String, down: Bool) {
        let error = EngineError.classify(status: status, retryAfter: nil, body: Array(body.utf8))
        #expect(error.indicatesEngineDown == down, "\(error.code): \(error.description)")
        if status == 404 { #expect(error.kind == .modelNotFound && error.isMisconfiguration && !error.isRetryable) }
    }

    @Test("a refused connection is down before any response; a reset mid-stream is not held against the engine")
    func transportFailures() async throws {
        let port = try await FakeEngine.withRunning(handler: FakeScript(dialect: .vllm).handler) { $0.port }
        let configuration = EngineConfiguration(
            url: "http://127.0.0.1:\(port)/v1", model: "m", dialect: .vllm, retry: RetryPolicy(maxAttempts: 1))
        try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
            let error = await #expect(throws: EngineError.self) { try await client.complete(sampleRequest()) }
            #expect(error?.beforeResponse == true && error?.indicatesEngineDown == true)
            let probed = await #expect(throws: EngineError.self) { try await client.probe() }
            #expect(probed?.indicatesEngineDown == true)
        }
        let midStream = FakeScript(
            dialect: .vllm, otherwise: FakeResponses.streamed(dialect: .vllm, answer: #"{"answer":"no"}"#, ending: .reset))
        try await withFakeEngine(midStream, dialect: .vllm, retry: RetryPolicy(maxAttempts: 1)) { _, client in
            let error = await #expect(throws: EngineError.self) { try await client.complete(sampleRequest(stream: true)) }
            #expect(error?.kind == .unavailable)
            #expect(error?.indicatesEngineDown == false)
            // The engine itself answers: the probe says so.
            try await client.probe()
        }
    }

    @Test("the probe: the model list answers and names the model; otherwise a classified error")
    func probe() async throws {
        try await withFakeEngine(FakeScript(dialect: .vllm), dialect: .vllm) { engine, client in
            try await client.probe()
            #expect(engine.requests.allSatisfy { $0.method == "GET" })
        }
        try await withFakeEngine(FakeScript(dialect: .vllm), dialect: .vllm, model: "no-such-model") { _, client in
            let error = await #expect(throws: EngineError.self) { try await client.probe() }
            #expect(error?.kind == .modelNotFound && error?.indicatesEngineDown == true)
        }
        let unauthorized = FakeScript(dialect: .vllm)
        try await FakeEngine.withRunning(handler: { request in
            request.path.hasSuffix("/models") ? .json(401, ["error": ["message": "invalid key"]]) : await unauthorized.handler(request)
        }) { engine in
            let configuration = EngineConfiguration(url: engine.baseURL, model: "m", dialect: .vllm)
            try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
                let error = await #expect(throws: EngineError.self) { try await client.probe() }
                #expect(error?.kind == .authentication && error?.isMisconfiguration == true)
            }
        }
    }
}
