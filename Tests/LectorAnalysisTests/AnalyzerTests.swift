import Foundation
import LectorAnalysis
import LectorEngine
import LectorFakeEngine
import Testing

/// The analyzer against the fake engine: deterministic answers for behaviours a real engine will not
/// produce on demand (fabricated quotes, wrong pages, malformed answers, context overflows).
@Suite("Analyzer with the fake engine")
struct AnalyzerTests {
    @Test("happy path: one request, every quote verified, facts and usage recorded")
    func happyPath() async throws {
        try await withFakeAnalyzer(handler: honestHandler) { engine, analyzer in
            let result = try await analyzer.analyze(pages: samplePages)
            #expect(result.plan.requests.count == 1)
            #expect(result.plan.requests[0].pages == 1...4)
            #expect(result.plan.contextTokens == 262_144)
            #expect(result.findings.map(\.category) == ["renewal_term", "governing_law", "non_compete", "anti_assignment"])
            let law = try #require(result.findings.first { $0.category == "governing_law" })
            #expect(law.presence == .present)
            #expect(law.pages == [2])
            #expect(law.quotes.map(\.verified) == [true])
            #expect(law.quotes[0].match == .exact)
            let renewal = try #require(result.findings.first { $0.category == "renewal_term" })
            #expect(renewal.normalized.duration == "P1Y")
            #expect(renewal.quotes[0].verified)
            #expect(renewal.quotes[0].match == .normalized)
            let assignment = try #require(result.findings.first { $0.category == "anti_assignment" })
            #expect(assignment.quotes[0].verified)
            #expect(assignment.normalized.boolean == true)
            #expect(result.findings.first { $0.category == "non_compete" }?.presence == .absent)
            #expect(result.unverifiedQuoteCount == 0)
            #expect(result.facts.title == "Master Services Agreement")
            #expect(result.facts.parties.map(\.role) == ["Customer", "Supplier"])
            #expect(result.usage.requests == 1)
            #expect(result.usage.promptTokens == 120)
            #expect(result.usage.completionTokens == 30)
            #expect(result.model == FakeResponses.modelName(.vllm))
            #expect(result.engineHost == "127.0.0.1")
            #expect(result.externalEngine == false)
            #expect(result.reasoningEffort == "none")

            // The request: system first, pages with markers in order, strict schema, max_tokens set.
            let body = try #require(engine.chatRequests.first?.json)
            #expect(body["messages"]?.arrayValue?.first?["role"]?.stringValue == "system")
            #expect(body["max_tokens"]?.intValue == 2048)
            #expect(body["response_format"]?["json_schema"]?["strict"]?.boolValue == true)
            let text = userText(of: try #require(engine.chatRequests.first))
            let markers = (1...4).map { text.range(of: "=== Page \($0) ===")!.lowerBound }
            #expect(markers == markers.sorted())
        }
    }

    @Test("a quote that is not in the document is flagged, not dropped")
    func fabricatedQuote() async throws {
        let answer = answerJSON([
            "governing_law": .init(
                presence: .present, value: "England", pages: [2],
                quotes: [.init(page: 2, text: "This Agreement is governed by the laws of England and Wales")],
                confidence: 0.7, risk: .low)
        ])
        try await withFakeAnalyzer(handler: { _ in FakeResponses.completion(dialect: .vllm, answer: answer) }) { _, analyzer in
            let result = try await analyzer.analyze(pages: samplePages)
            let law = try #require(result.findings.first { $0.category == "governing_law" })
            #expect(law.quotes.count == 1)
            #expect(law.quotes[0].verified == false)
            #expect(law.quotes[0].match == .notFound)
            #expect(law.quotes[0].page == 2)
            #expect(law.quotes[0].pageCorrectedFrom == nil)
            #expect(result.unverifiedQuoteCount == 1)
        }
    }

    @Test("a quote attributed to the wrong page is moved to its page, the claimed page recorded")
    func quoteFromAnotherPage() async throws {
        let answer = answerJSON([
            "anti_assignment": .init(
                presence: .present, normalized: NormalizedValue(boolean: true), pages: [1],
                quotes: [.init(page: 1, text: "Neither party may assign this Agreement without the prior written consent")],
                confidence: 0.9, risk: .low)
        ])
        try await withFakeAnalyzer(handler: { _ in FakeResponses.completion(dialect: .vllm, answer: answer) }) { _, analyzer in
            let result = try await analyzer.analyze(pages: samplePages)
            let finding = try #require(result.findings.first { $0.category == "anti_assignment" })
            #expect(finding.quotes[0].verified)
            #expect(finding.quotes[0].page == 4)
            #expect(finding.quotes[0].pageCorrectedFrom == 1)
            #expect(finding.pages == [4])
        }
    }

    @Test("a document too large for the context is chunked; merged findings cover every page")
    func chunking() async throws {
        // A context that fits the fixed prompt and about one page at a time.
        let probe = AnalysisPlanner(profile: testProfile())
        let fixed = probe.fixedTokens(totalPages: samplePages.count)
        let largestPage = samplePages.map { probe.pageTokens($0).text }.max()!
        let profile = testProfile(contextTokens: fixed + largestPage + testProfile().maxOutputTokens + 128 + 10)
        try await withFakeAnalyzer(profile: profile, handler: honestHandler) { engine, analyzer in
            let result = try await analyzer.analyze(pages: samplePages)
            #expect(result.plan.requests.count == 4)
            let covered = result.plan.requests.flatMap { Array($0.pages) }
            #expect(covered == [1, 2, 3, 4])
            #expect(result.plan.requests.allSatisfy { $0.promptTokens <= result.plan.budgetTokens })
            #expect(result.usage.requests == 4)
            // Each clause was found by the chunk holding its page; the other chunks said absent.
            let present = Dictionary(uniqueKeysWithValues: result.findings.map { ($0.category, $0) })
            #expect(present["governing_law"]?.presence == .present)
            #expect(present["governing_law"]?.pages == [2])
            #expect(present["renewal_term"]?.pages == [3])
            #expect(present["anti_assignment"]?.pages == [4])
            #expect(present["non_compete"]?.presence == .absent)
            #expect(result.unverifiedQuoteCount == 0)
            #expect(result.facts.title == "Master Services Agreement")
            #expect(result.facts.governingLaw == "New York")
            // The system prompt is the same bytes in every request (prefix caching), and so is the schema
            // (one grammar per profile: page bounds are checked after the answer).
            let systems = Set(engine.chatRequests.compactMap { $0.json?["messages"]?.arrayValue?.first?["content"]?.stringValue })
            #expect(systems.count == 1)
            let schemas = Set(engine.chatRequests.compactMap { $0.json?["response_format"]?.jsonText })
            #expect(schemas.count == 1)
        }
    }

    @Test("an invalid answer is retried once with the problems fed back, then fails with the reason")
    func malformedAnswer() async throws {
        // A date the schema's pattern lets through but the calendar does not have.
        let categories = testCategories + ["expiration_date"]
        let bad = answerJSON(
            ["expiration_date": .init(presence: .present, normalized: NormalizedValue(date: "2025-02-30"), pages: [3], confidence: 0.5)],
            categories: categories)
        try await withFakeAnalyzer(profile: testProfile(categories: categories), handler: { _ in FakeResponses.completion(dialect: .vllm, answer: bad) }) { engine, analyzer in
            let error = try await #require(throws: AnalysisError.self) { try await analyzer.analyze(pages: samplePages) }
            #expect(error.kind == .invalidAnswer)
            #expect(error.code == "analysis.invalid_answer")
            #expect(error.description.contains("/findings/expiration_date/normalized/date: not a real calendar date"))
            #expect(engine.chatRequests.count == 2)
            #expect(!userText(of: engine.chatRequests[0]).contains("rejected"))
            let retry = userText(of: engine.chatRequests[1])
            #expect(retry.contains("Your previous answer was rejected"))
            #expect(retry.contains("/findings/expiration_date/normalized/date: not a real calendar date"))
        }
    }

    @Test("a page the request did not show is dropped from the finding, not asked again")
    func outOfRangePage() async throws {
        let answer = answerJSON([
            "governing_law": .init(
                presence: .present, value: "New York", pages: [2, 9],
                quotes: [.init(page: 2, text: "governed by and construed in accordance with the laws of the State of New York")],
                confidence: 0.9)
        ])
        try await withFakeAnalyzer(handler: { _ in FakeResponses.completion(dialect: .vllm, answer: answer) }) { engine, analyzer in
            let result = try await analyzer.analyze(pages: samplePages)
            #expect(engine.chatRequests.count == 1)
            #expect(result.findings.first { $0.category == "governing_law" }?.pages == [2])
            // The schema sent has no page bounds: one grammar for every request of the profile.
            let body = try #require(engine.chatRequests.first?.json)
            let law = body["response_format"]?["json_schema"]?["schema"]?["properties"]?["findings"]?["properties"]?["governing_law"]
            #expect(law?["properties"]?["pages"]?["items"] == ["type": "integer"])
        }
    }

    @Test("an answer that breaks the schema is retried with the schema problems; the valid retry is used")
    func retryThenValid() async throws {
        // A duration the schema's pattern refuses.
        let bad = answerJSON([
            "renewal_term": .init(presence: .present, normalized: NormalizedValue(duration: "one year"), pages: [3], confidence: 0.5)
        ])
        let counter = Counter()
        try await withFakeAnalyzer(handler: { request in
            counter.next() == 0
                ? FakeResponses.completion(dialect: .vllm, answer: bad)
                : FakeResponses.completion(dialect: .vllm, answer: honestAnswer(pages: pagesShown(in: request)))
        }) { engine, analyzer in
            let result = try await analyzer.analyze(pages: samplePages)
            #expect(result.usage.requests == 2)
            #expect(result.usage.feedbackRetries == 1)
            #expect(userText(of: engine.chatRequests[1]).contains("/findings/renewal_term/normalized"))
            #expect(result.findings.first { $0.category == "renewal_term" }?.pages == [3])
        }
    }

    @Test("a context overflow from the engine splits the chunk and runs the halves")
    func contextOverflowReplans() async throws {
        let counter = Counter()
        try await withFakeAnalyzer(handler: { request in
            counter.next() == 0
                ? FakeResponses.vllmContextOverflow()
                : FakeResponses.completion(dialect: .vllm, answer: honestAnswer(pages: pagesShown(in: request)))
        }) { engine, analyzer in
            let result = try await analyzer.analyze(pages: samplePages)
            #expect(result.plan.replans == 1)
            #expect(result.plan.requests.map(\.pages) == [1...2, 3...4])
            #expect(engine.chatRequests.count == 3)
            #expect(result.findings.filter { $0.presence == .present }.map(\.category) == ["renewal_term", "governing_law", "anti_assignment"])
        }
    }

    @Test("a single page that overflows the engine's context fails with the page named")
    func singlePageOverflow() async throws {
        try await withFakeAnalyzer(handler: { _ in FakeResponses.vllmContextOverflow() }) { _, analyzer in
            let error = try await #require(throws: AnalysisError.self) {
                try await analyzer.analyze(pages: [samplePages[0]])
            }
            #expect(error.kind == .contextOverflow)
            #expect(error.description.contains("page 1"))
        }
    }

    @Test("an engine outage surfaces as a retryable engine error, not an analysis failure")
    func outage() async throws {
        try await withFakeAnalyzer(handler: { _ in FakeResponses.internalError }) { _, analyzer in
            let error = try await #require(throws: EngineError.self) { try await analyzer.analyze(pages: samplePages) }
            #expect(error.isRetryable)
        }
    }
}

/// Counts calls across concurrent requests.
final class Counter: Sendable {
    private let value = Mutex(0)
    /// The number of earlier calls.
    func next() -> Int { value.withLock { v in defer { v += 1 }; return v } }
}

import Synchronization
