import LectorEngine
import LectorFakeEngine
import Logging

/// A logger for tests; warnings (reasoning degradation, external engines) still show.
let testLogger: Logger = {
    var logger = Logger(label: "lector.engine.tests")
    logger.logLevel = .warning
    return logger
}()

/// A retry policy with tiny backoffs: tests count attempts, they do not wait for them.
let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(4), maxRetryAfter: .seconds(2))

/// Runs `body` with a fake engine following `script` and a client configured for it.
func withFakeEngine<T: Sendable>(
    _ script: FakeScript, dialect: EngineDialect? = nil, model: String? = nil, retry: RetryPolicy = fastRetry,
    idleTimeout: Duration = .seconds(30), firstTokenTimeout: Duration? = nil, requestTimeout: Duration = .seconds(60),
    maxInFlight: Int = 4, capacity: FakeEngine.Capacity? = nil,
    _ body: (FakeEngine, EngineClient) async throws -> T
) async throws -> T {
    try await FakeEngine.withRunning(capacity: capacity, handler: script.handler) { engine in
        let configuration = EngineConfiguration(
            url: engine.baseURL, model: model, dialect: dialect, maxInFlight: maxInFlight,
            requestTimeout: requestTimeout, idleTimeout: idleTimeout,
            // The stall tests mean "silent before the answer" too, unless a test sets its own allowance.
            firstTokenTimeout: firstTokenTimeout ?? idleTimeout, retry: retry)
        return try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
            try await body(engine, client)
        }
    }
}

/// The small strict schema the tests ask for.
let verdictSchema = ResponseSchema(
    name: "verdict",
    schema: [
        "type": "object",
        "properties": ["answer": ["type": "string", "enum": ["yes", "no"]]],
        "required": ["answer"],
        "additionalProperties": false,
    ])

/// A request with a schema, text and `images` tiny PNG images.
func sampleRequest(
    images: Int = 1, effort: ReasoningEffort? = .high, stream: Bool = false, schema: ResponseSchema? = verdictSchema
) -> ChatRequest {
    var parts: [ContentPart] = [.text("--- page 1 ---\nThe term renews automatically for one year.")]
    for _ in 0..<images { parts.append(.image(ImageInput(bytes: tinyPNG, mimeType: "image/png"))) }
    return ChatRequest(
        system: "You analyse contracts. Answer in JSON.", user: parts, schema: schema, maxTokens: 64, temperature: 0,
        seed: 7, reasoningEffort: effort, stream: stream)
}

/// A 1x1 PNG.
let tinyPNG: [UInt8] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41,
    0x54, 0x78, 0xDA, 0x63, 0xFC, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x05, 0x02, 0x00, 0x5F, 0xC8, 0xF1, 0xD2, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
]

/// A resolver with fixed answers, so guard tests never touch DNS or the network.
struct StubResolver: HostResolver {
    var answers: [String: [String]]

    func resolve(_ host: String) async throws -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        guard let addresses = answers[host] else { throw EngineError(.refused, detail: "no such host") }
        return addresses.compactMap(IPAddress.init)
    }
}
