import LectorEngine
import LectorFakeEngine
import Testing

/// The fake continuous-batching engine the adaptive limit is measured against.
@Suite("Fake continuous batching")
struct FakeBatchingTests {
    @Test("at most N sequences run; later requests queue, and past the gateway's queue they get 429s the client retries")
    func queueAndRefuse() async throws {
        // A decode long enough that all eight arrive before the first ends, even on a loaded machine
        // (2 s once proved too short with the suite running beside other builds).
        let batching = FakeBatching(sequences: 3, prefill: .milliseconds(5), decode: .seconds(10), maxWaiting: 2)
        let script = FakeScript(
            dialect: .vllm, otherwise: FakeResponses.streamed(dialect: .vllm, answer: #"{"answer":"yes"}"#))
        try await FakeEngine.withRunning(batching: batching, handler: script.handler) { engine in
            // A fixed bound of 8 in flight against 3 sequences and 2 queue places: 3 refused at first.
            let configuration = EngineConfiguration(
                url: engine.baseURL, dialect: .vllm, maxInFlight: 8, initialInFlight: 8, adaptiveInFlight: false,
                retry: RetryPolicy(maxAttempts: 50, baseDelay: .milliseconds(1), maxDelay: .milliseconds(4), maxRetryAfter: .seconds(2)))
            try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            let response = try await client.complete(sampleRequest(images: 0, effort: nil, stream: true))
                            #expect(response.json?["answer"]?.stringValue == "yes")
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let statistics = batching.statistics
            #expect(statistics.completed == 8)
            #expect(statistics.peakRunning == 3)
            #expect(statistics.rejected >= 3)
            #expect(statistics.running == 0 && statistics.waiting == 0)
        }
    }

    @Test("the stream's first event comes before the decode: the first token is not the whole answer")
    func firstTokenFirst() {
        let batching = FakeBatching(sequences: 4, prefill: .zero, decode: .seconds(2))
        let paced = batching.paceForTesting(FakeResponses.streamed(dialect: .vllm, answer: "abc"))
        guard case .stream(let events, let interval, _) = paced else {
            Issue.record("not a stream")
            return
        }
        #expect(events.count == 2)
        #expect(interval == .seconds(2))
        #expect(events[1].contains("\n\ndata: "))
    }
}
