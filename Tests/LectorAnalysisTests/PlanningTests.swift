import LectorAnalysis
import LectorEngine
import Testing

@Suite("Planning")
struct PlanningTests {
    func pages(_ count: Int, bytes: Int, vision: Set<Int> = [], imageSize: (Int, Int) = (1240, 1754)) -> [AnalysisPage] {
        (1...count).map { number in
            AnalysisPage(
                number: number, text: String(repeating: "word ", count: bytes / 5), needsVision: vision.contains(number),
                image: PageImageSource(width: imageSize.0, height: imageSize.1) { PageImage(bytes: [], mimeType: "image/png") })
        }
    }

    @Test("the whole document in one request when it fits 256k")
    func oneRequest() throws {
        // Without reasoning the whole answer fits max_tokens (with it, see OutputBudgetTests).
        let planner = AnalysisPlanner(profile: AnalysisProfile(name: "p", promptVersion: "1", reasoningEffort: .off))
        let plan = try planner.plan(pages: pages(40, bytes: 3000, vision: [7]), engineContext: 262_144)
        #expect(plan.requests.count == 1)
        #expect(plan.budgetTokens == 262_144 - 32768 - 1024)
        #expect(plan.requests[0].imagePages == [7])
        #expect(plan.requests[0].imageTokens == TokenEstimate.imageTokens(width: 1240, height: 1754))
        #expect(plan.requests[0].textTokens >= 40 * 1000)
        #expect(plan.requests[0].promptTokens == plan.fixedTokens + plan.requests[0].textTokens + plan.requests[0].imageTokens)
    }

    @Test("image policies: auto sends pages that need vision, all sends every page, none sends none and says so")
    func imagePolicies() throws {
        let document = pages(3, bytes: 500, vision: [2])
        for (policy, expected) in [(ImagePolicy.auto, [2]), (.all, [1, 2, 3]), (.none, [])] {
            let planner = AnalysisPlanner(profile: AnalysisProfile(name: "p", promptVersion: "1", imagePolicy: policy))
            let plan = try planner.plan(pages: document, engineContext: 262_144)
            #expect(plan.imagePages == expected)
            #expect(plan.visionPagesAsText == (policy == .none ? [2] : []))
        }
    }

    @Test("too large for the context: consecutive chunks within the budget covering every page")
    func chunks() throws {
        let planner = AnalysisPlanner(profile: AnalysisProfile(name: "p", promptVersion: "1", reasoningEffort: .off, maxOutputTokens: 16384, marginTokens: 512))
        let plan = try planner.plan(pages: pages(300, bytes: 4000, vision: [10, 20]), engineContext: 131_072)
        #expect(plan.requests.count > 1)
        // Consecutive ranges that repeat one page (the profile's default overlap), every page covered.
        #expect(plan.requests.first?.firstPage == 1 && plan.requests.last?.lastPage == 300)
        for (previous, next) in zip(plan.requests, plan.requests.dropFirst()) {
            #expect(next.firstPage == previous.lastPage && next.lastPage > previous.lastPage)
        }
        #expect(plan.requests.allSatisfy { $0.promptTokens <= plan.budgetTokens })
        #expect(plan.imagePages == [10, 20])
    }

    @Test("the hosted API's image limit splits requests")
    func imageLimit() throws {
        let planner = AnalysisPlanner(profile: AnalysisProfile(name: "p", promptVersion: "1", reasoningEffort: .off, imagePolicy: .all, maxImagesPerRequest: 8))
        let plan = try planner.plan(pages: pages(20, bytes: 100, imageSize: (200, 200)), engineContext: 262_144)
        #expect(plan.requests.map(\.imagePages.count) == [8, 8, 4])
    }

    @Test("a page larger than the budget is an error naming the page, never truncated")
    func pageTooLarge() throws {
        let planner = AnalysisPlanner(profile: AnalysisProfile(name: "p", promptVersion: "1", maxOutputTokens: 1024, marginTokens: 128))
        var document = pages(3, bytes: 1000)
        document[1].text = String(repeating: "x", count: 240_000)
        let error = try #require(throws: AnalysisError.self) { try planner.plan(pages: document, engineContext: 65_536) }
        #expect(error.kind == .pageTooLarge)
        #expect(error.description.contains("page 2"))
        #expect(throws: AnalysisError.self) { try planner.plan(pages: [], engineContext: 16_384) }
    }

    @Test("the plan is Codable with snake_case keys")
    func codable() throws {
        let plan = try AnalysisPlanner(profile: AnalysisProfile(name: "p", promptVersion: "1"))
            .plan(pages: pages(2, bytes: 100), engineContext: 262_144)
        let data = try JSONEncoder().encode(plan)
        #expect(try JSONDecoder().decode(AnalysisPlan.self, from: data) == plan)
        #expect(String(decoding: data, as: UTF8.self).contains("\"budget_tokens\""))
    }
}

import Foundation
