import Foundation
import LectorAnalysis
import LectorEngine
import LectorFakeEngine
import LectorTestSupport
import Testing

/// The answer's size: planned from the profile, and split again when the engine cuts it at `max_tokens`.
@Suite("Output budget")
struct OutputBudgetTests {
    static func profile(_ name: String) throws -> AnalysisProfile {
        try AnalysisProfile.load(named: name, from: RepoPaths.root.appendingPathComponent("jobs/profiles"))
    }

    func pages(_ count: Int) -> [AnalysisPage] {
        (1...count).map { AnalysisPage(number: $0, text: String(repeating: "The Supplier shall deliver. ", count: 80)) }
    }

    @Test("contract-review's 43 categories with high reasoning are asked in groups on the same pages, each fitting max_tokens")
    func contractReviewSplits() throws {
        let profile = try Self.profile("contract-review")
        let planner = AnalysisPlanner(profile: profile)
        let budget = planner.output
        let all = profile.categories.map(\.key)
        #expect(budget.estimate(categories: all.count) > budget.answerTokens)
        let groups = planner.categoryGroups
        #expect(groups.count >= 2)
        #expect(groups.flatMap { $0 } == all)
        #expect(groups.allSatisfy { budget.estimate(categories: $0.count) <= budget.answerTokens })
        #expect(Set(groups.map(\.count)).count <= 2)  // as even as possible

        let plan = try planner.plan(pages: pages(30), engineContext: 262_144)
        #expect(plan.requests.count == groups.count)
        #expect(plan.requests.allSatisfy { $0.pages == 1...30 })
        #expect(plan.requests.map(\.categories) == groups.map { Optional($0) })
        #expect(plan.requests.map(\.asksDocument) == [true] + Array(repeating: false, count: groups.count - 1))
        let data = try JSONEncoder().encode(plan)
        #expect(try JSONDecoder().decode(AnalysisPlan.self, from: data) == plan)
    }

    @Test("a profile whose whole answer fits asks every category in one request", arguments: ["fast-text", "local-small"])
    func fitsInOne(name: String) throws {
        let profile = try Self.profile(name)
        let planner = AnalysisPlanner(profile: profile)
        #expect(planner.categoryGroups.count == 1)
        let plan = try planner.plan(pages: pages(2), engineContext: 262_144)
        #expect(plan.requests.allSatisfy { $0.categories == nil && $0.asksDocument })
    }

    @Test("reasoning is counted: the same categories split once reasoning takes most of max_tokens")
    func reasoningCounted() {
        let keys = FindingCategory.all.prefix(12).map(\.key)
        let quiet = AnalysisProfile(
            name: "p", promptVersion: "1", categories: Array(FindingCategory.all.prefix(12)), reasoningEffort: .off,
            maxOutputTokens: 8192)
        var thinking = quiet
        thinking.reasoningEffort = .high
        #expect(OutputBudget(profile: quiet).groups(keys).count == 1)
        #expect(OutputBudget(profile: thinking).groups(keys).count > 1)
        thinking.reasoningTokens = 0
        #expect(OutputBudget(profile: thinking).groups(keys).count == 1)
    }

    /// A model that thinks `perCategory` tokens for each category it is asked, then answers honestly.
    static func thinkingModel(perCategory: Int) -> @Sendable (FakeRequest) async -> FakeReply {
        let limits = FakeLimits(dialect: .vllm)
        return { request in
            let asked = schemaAsks(request).categories.count
            let reasoning = String(repeating: "Let me check. ", count: asked * perCategory * limits.bytesPerToken / 14)
            return limits.reply(to: request, answer: honestAnswer(for: request), reasoning: reasoning)
        }
    }

    @Test("an answer cut mid-JSON with finish_reason length is asked again in two halves; the document completes")
    func lengthSplitsCategories() async throws {
        // The plan expects the answer to fit (no reasoning kept), but the model thinks at length anyway:
        // four categories run past max_tokens, two fit.
        let profile = testProfile(maxOutputTokens: 2048, reasoningTokens: 0)
        #expect(AnalysisPlanner(profile: profile).categoryGroups.count == 1)
        let handler = Self.thinkingModel(perCategory: 450)
        try await withFakeAnalyzer(profile: profile, handler: handler) { engine, analyzer in
            let result = try await analyzer.analyze(pages: samplePages)
            #expect(engine.chatRequests.count == 3)
            let asked = engine.chatRequests.map { schemaAsks($0) }
            #expect(asked[0].categories.count == 4 && asked[0].document)
            #expect(asked[1].categories.count == 2 && asked[1].document)
            #expect(asked[2].categories.count == 2 && !asked[2].document)
            #expect(Set(asked[1].categories + asked[2].categories) == Set(testCategories))
            // The first answer really was cut: its reply stopped before the JSON ended.
            // The first answer really was cut: its stream ends with length before the JSON ended.
            guard case .stream(let events, _, _) = await handler(engine.chatRequests[0]) else {
                Issue.record("the fake did not stream the first answer")
                return
            }
            let chunks = events.compactMap { try? JSONValue.parse($0) }
            let content = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
            #expect(chunks.contains { $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "length" })
            #expect(!content.isEmpty && (try? JSONValue.parse(content)) == nil)
            #expect(result.plan.categorySplits == 1)
            #expect(result.plan.requests.count == 2)
            #expect(result.plan.requests.allSatisfy { $0.pages == 1...4 })
            #expect(result.usage.requests == 3)
            #expect(result.usage.completionTokens >= 2048)  // the cut answer's tokens are counted
            let byKey = Dictionary(uniqueKeysWithValues: result.findings.map { ($0.category, $0) })
            #expect(byKey.count == 4)
            #expect(byKey["governing_law"]?.presence == .present && byKey["governing_law"]?.pages == [2])
            #expect(byKey["renewal_term"]?.presence == .present)
            #expect(byKey["anti_assignment"]?.presence == .present)
            #expect(byKey["non_compete"]?.presence == .absent)
            #expect(result.unverifiedQuoteCount == 0)
            #expect(result.facts.title == "Master Services Agreement")
            #expect(result.facts.conflicts.isEmpty)
        }
    }

    @Test("one category whose answer alone is cut fails with output_too_large, naming it")
    func singleCategoryTooLarge() async throws {
        let profile = testProfile(categories: ["governing_law"], maxOutputTokens: 512, reasoningTokens: 0)
        try await withFakeAnalyzer(profile: profile, handler: Self.thinkingModel(perCategory: 2000)) { engine, analyzer in
            let error = try await #require(throws: AnalysisError.self) { try await analyzer.analyze(pages: samplePages) }
            #expect(error.kind == .outputTooLarge)
            #expect(error.code == "analysis.output_too_large")
            #expect(error.description.contains("governing_law"))
            #expect(engine.chatRequests.count == 1)
        }
    }
}
