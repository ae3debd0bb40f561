@testable import LectorEngine
import LectorFakeEngine
import Testing

@Suite("What each dialect's answer is parsed into")
struct ResponseParsingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var dialect: EngineDialect
        var stream: Bool
        var testDescription: String { "\(dialect.rawValue)\(stream ? ", streamed" : "")" }
    }

    static let cases = EngineDialect.allCases.flatMap { [Case(dialect: $0, stream: false), Case(dialect: $0, stream: true)] }

    @Test("answer, reasoning, finish reason, usage and cached tokens", arguments: cases)
    func normalised(c: Case) async throws {
        let answer = #"{"answer":"yes"}"#
        let reasoning = "The clause says it renews automatically."
        let usage = TokenUsage(promptTokens: 1234, completionTokens: 56, cachedPromptTokens: 1000)
        let reply =
            c.stream
            ? FakeResponses.streamed(dialect: c.dialect, answer: answer, reasoning: reasoning, usage: usage)
            : FakeResponses.completion(dialect: c.dialect, answer: answer, reasoning: reasoning, usage: usage)
        let script = FakeScript(dialect: c.dialect, replies: [reply])
        try await withFakeEngine(script, dialect: c.dialect) { _, client in
            let response = try await client.complete(sampleRequest(stream: c.stream))
            #expect(response.answer == answer)
            #expect(response.json?["answer"]?.stringValue == "yes")
            #expect(response.reasoning == reasoning)
            #expect(response.finishReason == .stop)
            #expect(response.usage?.promptTokens == 1234)
            #expect(response.usage?.completionTokens == 56)
            // The Mistral API does not report cached prompt tokens.
            #expect(response.usage?.cachedPromptTokens == (c.dialect == .mistral ? nil : 1000))
            #expect(response.model == FakeResponses.modelName(c.dialect))
            #expect(response.reasoningEffort == .high)
            #expect(response.attempts == 1)
            #expect(response.engineHost == "127.0.0.1")
            #expect(response.externalEngine == false)
            struct Verdict: Decodable { var answer: String }
            #expect(try response.decode(Verdict.self).answer == "yes")
        }
    }

    @Test("free text without a schema, and finish_reason length")
    func freeText() async throws {
        let script = FakeScript(
            dialect: .vllm, replies: [FakeResponses.completion(dialect: .vllm, answer: "Paris", finishReason: "length")])
        try await withFakeEngine(script, dialect: .vllm) { _, client in
            let response = try await client.complete(sampleRequest(schema: nil))
            #expect(response.answer == "Paris")
            #expect(response.json == nil)
            #expect(response.reasoning == nil)
            #expect(response.finishReason == .length)
        }
    }

    @Test("server-sent events split anywhere are reassembled")
    func sseSplits() {
        let text = "data: {\"a\":1}\r\n\r\n: comment\n\ndata: {\"b\":\ndata: 2}\n\ndata: [DONE]\n\n"
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(Array(bytes[..<cut])) + parser.feed(Array(bytes[cut...])) + parser.finish()
            #expect(events.map { String(decoding: $0, as: UTF8.self) } == [#"{"a":1}"#, "{\"b\":\n2}", "[DONE]"])
        }
    }
}
