import AsyncHTTPClient
import Foundation
import LectorEngine
import NIOCore
import NIOHTTP1

/// The fake engine's control endpoints (its busy-time counters) and the probe request the benchmarks
/// send, shared by the fixed-slot and the batching benchmark.
final class FakeEngineControl: Sendable {
    /// The engine's root (its base URL without `/v1`).
    let root: String
    private let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)

    init(baseURL: String) {
        root = String(baseURL.dropLast(3))
    }

    /// The engine's counters since the last reset (`busy_ms`, `window_ms`, ...).
    func stats() async throws -> JSONValue {
        let response = try await http.execute(HTTPClientRequest(url: root + "/fake/stats"), timeout: .seconds(5))
        return try JSONValue.parse(Array(buffer: try await response.body.collect(upTo: 1 << 16)))
    }

    /// Clears the engine's counters between rounds.
    func reset() async throws {
        var request = HTTPClientRequest(url: root + "/fake/reset")
        request.method = .POST
        _ = try await http.execute(request, timeout: .seconds(5)).body.collect(upTo: 1 << 16)
    }

    func shutdown() async throws {
        try await http.shutdown()
    }

    /// A short structured request over one page of contract text, as the analyzer sends.
    static func probe(stream: Bool) -> ChatRequest {
        let schema = ResponseSchema(
            name: "probe",
            schema: ["type": "object", "properties": ["ok": ["type": "boolean"]], "required": ["ok"], "additionalProperties": false])
        return ChatRequest(
            system: "You check contracts. Answer in JSON.",
            user: [.text("=== Page 1 ===\n" + String(repeating: "The Supplier shall deliver the Goods. ", count: 50))],
            schema: schema, maxTokens: 16, temperature: 0, seed: 1, reasoningEffort: .off, stream: stream)
    }
}
