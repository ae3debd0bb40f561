import Foundation
import LectorAnalysis
import LectorCore
import LectorEngine
import LectorTestSupport
import Testing

/// Against the real llama.cpp server that `deploy/local/test` starts (`LECTOR_TEST_ENGINE_URL`, default
/// `http://127.0.0.1:8088/v1`), with the `local-small` profile: the tiny Gemma 3 270M decodes a few
/// tokens per second on a shared CPU, so the profile asks for three categories and short answers.
/// When the engine is unreachable this test fails; it never skips.
@Suite("Analyzer with the real local engine", .serialized)
struct LocalEngineAnalysisTests {
    static var url: String {
        let value = Environment.value("LECTOR_TEST_ENGINE_URL") ?? ""
        return value.isEmpty ? EngineConfiguration.defaultURL : value
    }

    @Test("local-small completes; every quote is marked verified or not, consistently with the text")
    func localSmall() async throws {
        let profile = try AnalysisProfile.load(named: "local-small", from: RepoPaths.root.appendingPathComponent("jobs/profiles"))
        let configuration = EngineConfiguration(
            url: Self.url, maxInFlight: 2, requestTimeout: .seconds(900), idleTimeout: .seconds(300),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(200)))
        let result = try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
            try await Analyzer(client: client, profile: profile, logger: testLogger).analyze(pages: samplePages)
        }
        #expect(result.findings.map(\.category) == profile.categories.map(\.key))
        #expect(result.plan.requests.flatMap { Array($0.pages) } == [1, 2, 3, 4])
        #expect(result.plan.contextTokens <= 4096)
        #expect(result.usage.requests >= 1)
        #expect(result.usage.completionTokens > 0)
        #expect(result.plan.requests.allSatisfy { $0.promptTokens <= result.plan.budgetTokens })
        // Grounding is independent of the model: re-verifying each quote gives the same flag.
        let verifier = QuoteVerifier(pages: samplePages)
        for finding in result.findings {
            for quote in finding.quotes {
                let again = verifier.verify(quote.text, page: quote.pageCorrectedFrom ?? quote.page)
                #expect(again.verified == quote.verified)
            }
        }
        print(
            "local-small: \(result.usage.requests) request(s), \(result.usage.promptTokens) prompt + \(result.usage.completionTokens) completion tokens, \(result.engineMilliseconds) ms, quotes \(result.findings.flatMap(\.quotes).count) (\(result.unverifiedQuoteCount) unverified), presence \(result.findings.map { "\($0.category)=\($0.presence.rawValue)" }.joined(separator: " "))"
        )
    }
}
