import Foundation
import Synchronization
import LectorAnalysis
import LectorEngine
import LectorFakeEngine
import Testing

/// A long document: two contracts one after the other, each page about 1,800 bytes, with a few
/// clauses the fake reader (``FakeReader``) finds.
func longPages(count: Int = 30) -> [AnalysisPage] {
    (1...count).map { number in
        var lines: [String] = []
        switch number {
        case 1:
            lines.append(
                "MASTER SUPPLY AGREEMENT. This Agreement is dated as of January 5, 2020 between Acme Corp (the \u{201C}Customer\u{201D}) and Borealis Ltd (the \u{201C}Supplier\u{201D}).")
        case 3: lines.append("\"Services\" means the services described in Schedule 1 and performed by the Supplier.")
        case 6: lines.append("This Agreement shall be governed by the laws of the State of New York without regard to its conflict rules.")
        case 9: lines.append("Neither party may assign this Agreement without the prior written consent of the other party.")
        case 16:
            lines.append("AMENDMENT NO. 1. This Amendment is dated as of March 3, 2021 and changes the pricing schedule of the Agreement.")
        case 22: lines.append("Either party may audit the records of the other once a year on thirty days written notice.")
        default: break
        }
        var filler = 0
        while lines.joined(separator: "\n").utf8.count < 1800 {
            filler += 1
            lines.append("Section \(number).\(filler) The parties shall cooperate in good faith on the matters of this section and keep records of it")
        }
        return AnalysisPage(number: number, text: lines.joined(separator: "\n"))
    }
}

/// Keeps chunk results in memory, through JSON as the database does.
actor MemoryChunkStore: ChunkStore {
    var rows: [String: [String: Data]] = [:]

    func stored(planKey: String) throws -> [String: Analyzer.ChunkOutcome] {
        try (rows[planKey] ?? [:]).mapValues { try JSONDecoder().decode(Analyzer.ChunkOutcome.self, from: $0) }
    }

    func save(_ outcome: Analyzer.ChunkOutcome, for request: AnalysisPlan.Request, planKey: String) throws {
        rows[planKey, default: [:]][request.storageKey] = try JSONEncoder().encode(outcome)
    }

    var count: Int { rows.values.reduce(0) { $0 + $1.count } }
}

/// Long documents: chunks that overlap, a digest in every chunk, results kept per request, and a merge
/// that says where chunks disagree.
@Suite("Long documents")
struct LongDocumentTests {
    static let categories = ["agreement_date", "governing_law", "anti_assignment", "audit_rights"]

    static func profile(overlap: Int = 1, promptVersion: String = "test/long") -> AnalysisProfile {
        AnalysisProfile(
            name: "test", promptVersion: promptVersion, categories: FindingCategory.all.filter { categories.contains($0.key) },
            reasoningEffort: .off, maxOutputTokens: 2048, marginTokens: 128, chunkOverlapPages: overlap, digestTokens: 400)
    }

    /// A fake vLLM that counts tokens (`/tokenize`), enforces an 8,000-token context and reads the pages;
    /// `fail` answers some requests with a 500 instead.
    func withReader<T: Sendable>(
        profile: AnalysisProfile, contextTokens: Int = 8000, fail: @escaping @Sendable (FakeRequest) -> Bool = { _ in false },
        _ body: (FakeEngine, Analyzer) async throws -> T
    ) async throws -> T {
        let script = FakeScript(dialect: .vllm, tokenize: true)
        let limits = FakeLimits(dialect: .vllm, maxModelLen: contextTokens)
        return try await FakeEngine.withRunning(handler: { request in
            guard request.path.hasSuffix("/chat/completions") else { return await script.handler(request) }
            if fail(request) { return .json(500, ["error": ["message": "boom", "type": "InternalServerError", "code": 500]]) }
            return limits.reply(to: request, answer: FakeReader.answer(to: request))
        }) { engine in
            let configuration = EngineConfiguration(url: engine.baseURL, dialect: .vllm, maxInFlight: 4, retry: fastRetry)
            return try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
                try await body(engine, Analyzer(client: client, profile: profile, logger: testLogger))
            }
        }
    }

    @Test("page ranges overlap by the profile's pages and keep room for the digest; one range has neither")
    func overlappingPlan() throws {
        let pages = longPages()
        let plan = try AnalysisPlanner(profile: Self.profile()).plan(pages: pages, engineContext: 8000)
        let ranges = plan.pageRanges
        #expect(ranges.count > 2)
        #expect(plan.overlapPages == 1 && plan.digestTokens == 400)
        #expect(ranges.first?.lowerBound == 1 && ranges.last?.upperBound == pages.count)
        for (previous, next) in zip(ranges, ranges.dropFirst()) {
            #expect(next.lowerBound == previous.upperBound, "\(previous) then \(next)")
            #expect(next.upperBound > previous.upperBound)
        }
        for request in plan.requests { #expect(request.promptTokens <= plan.budgetTokens - plan.digestTokens + plan.fixedTokens) }

        let disjoint = try AnalysisPlanner(profile: Self.profile(overlap: 0)).plan(pages: pages, engineContext: 8000).pageRanges
        for (previous, next) in zip(disjoint, disjoint.dropFirst()) { #expect(next.lowerBound == previous.upperBound + 1) }

        let whole = try AnalysisPlanner(profile: Self.profile()).plan(pages: pages, engineContext: 200_000)
        #expect(whole.pageRanges == [1...pages.count])
        #expect(whole.overlapPages == 0 && whole.digestTokens == 0)
    }

    @Test("the digest lists the defined terms with their pages, cut to its budget")
    func digestTerms() {
        let digest = DocumentDigest(first: [], pages: longPages())
        #expect(digest.definedTerms.map(\.term) == ["Customer", "Supplier", "Services"])
        #expect(digest.definedTerms.map(\.page) == [1, 1, 3])
        let text = digest.text(maxTokens: 400) ?? ""
        #expect(text.contains("\"Customer\" (1)") && text.contains("\"Services\" (3)"))
        let short = digest.text(maxTokens: 50) ?? ""
        #expect(!short.contains("Services"))
        #expect(DocumentDigest(first: [], pages: [AnalysisPage(number: 1, text: "no definitions here")]).text(maxTokens: 400) == nil)
    }

    @Test("a long document end to end: exact counts, a digest in every chunk after the first, dates that disagree flagged with both sides")
    func endToEnd() async throws {
        try await withReader(profile: Self.profile()) { engine, analyzer in
            let result = try await analyzer.analyze(pages: longPages(), contextTokens: 8000)
            let plan = result.plan
            #expect(plan.tokenCounts == "engine")
            #expect(plan.pageRanges.count > 2)
            #expect(plan.replans == 0)  // the counted plan fits the engine's context
            #expect(plan.digest?.dates.map(\.date) == ["2020-01-05"])
            let first = plan.pageRanges[0]
            for request in engine.chatRequests {
                let text = userText(of: request)
                let shown = pagesShown(in: request)
                if shown == Set(first) {
                    #expect(!text.contains("Context from the whole contract"))
                } else {
                    #expect(text.contains("Context from the whole contract"))
                    #expect(text.contains("\"Supplier\" (1)"))
                    #expect(text.contains("agreement_date 2020-01-05"))
                }
            }
            let date = try #require(result.findings.first { $0.category == "agreement_date" })
            #expect(date.presence == .present)
            let conflict = try #require(date.conflict)
            #expect(conflict.kinds == [.value])
            #expect(Set(conflict.sides.compactMap(\.normalized?.date)) == ["2020-01-05", "2021-03-03"])
            #expect(result.facts.conflicts.contains("findings.agreement_date.value"))
            for finding in result.findings {
                let keys = finding.quotes.map { "\($0.page ?? 0):\($0.text)" }
                #expect(Set(keys).count == keys.count, "\(finding.category) has a quote twice")
            }
            #expect(result.findings.first { $0.category == "governing_law" }?.conflict == nil)
        }
    }

    @Test("a retried analysis asks only for the requests that failed; another profile reuses nothing")
    func reuse() async throws {
        let store = MemoryChunkStore()
        let failing = Failing()
        let expected = try await withReader(profile: Self.profile()) { _, analyzer in try await analyzer.analyze(pages: longPages(), contextTokens: 8000) }
        try await withReader(profile: Self.profile(), fail: { pagesShown(in: $0).contains(20) && failing.on }) { engine, analyzer in
            await #expect(throws: EngineError.self) { try await analyzer.analyze(pages: longPages(), contextTokens: 8000, store: store) }
            let stored = await store.count
            let total = expected.plan.requests.count
            let withPage20 = expected.plan.requests.count { $0.pages.contains(20) }
            #expect(stored == total - withPage20)

            failing.on = false
            let before = engine.chatRequests.count
            let result = try await analyzer.analyze(pages: longPages(), contextTokens: 8000, store: store)
            #expect(engine.chatRequests.count - before == withPage20)
            #expect(result.plan.reusedRequests == total - withPage20)
            #expect(result.findings == expected.findings)
            #expect(result.facts == expected.facts)
            #expect(await store.count == total)
        }
        try await withReader(profile: Self.profile(promptVersion: "test/long-2")) { engine, analyzer in
            let result = try await analyzer.analyze(pages: longPages(), contextTokens: 8000, store: store)
            #expect(result.plan.reusedRequests == 0)
            #expect(engine.chatRequests.count == result.plan.requests.count)
        }
    }
}

/// A switch the fake engine's handler reads.
final class Failing: Sendable {
    private let state = Mutex(true)
    var on: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
