import Foundation
import LectorAnalysis
import LectorEngine
import LectorFakeEngine
import Testing

/// Images per request: the engine's limit is planned, and a refusal re-plans instead of failing.
@Suite("Image limits")
struct ImageLimitTests {
    /// A 1x1 PNG.
    static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41,
        0x54, 0x78, 0xDA, 0x63, 0xFC, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x05, 0x02, 0x00, 0x5F, 0xC8, 0xF1, 0xD2, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]

    /// `count` scanned pages: no text, an image each.
    static func scans(_ count: Int) -> [AnalysisPage] {
        (1...count).map { number in
            AnalysisPage(
                number: number, text: "", needsVision: true,
                image: PageImageSource(width: 300, height: 400) { PageImage(bytes: Self.png, mimeType: "image/png") })
        }
    }

    /// The number of images in a chat request.
    static func images(_ request: FakeRequest) -> Int { FakeLimits(dialect: .vllm).measure(request).images }

    @Test("the planner takes the lower of the profile's and the engine's limit")
    func plannerLimit() throws {
        let planner = AnalysisPlanner(profile: testProfile(maxImagesPerRequest: 6))
        let engine8 = try planner.plan(pages: Self.scans(12), engineContext: 262_144, maxImagesPerRequest: 8)
        #expect(engine8.requests.map(\.imagePages.count) == [6, 6])
        #expect(engine8.maxImagesPerRequest == 6)
        let engine4 = try planner.plan(pages: Self.scans(12), engineContext: 262_144, maxImagesPerRequest: 4)
        #expect(engine4.requests.map(\.imagePages.count) == [4, 4, 4])
        let unlimited = try AnalysisPlanner(profile: testProfile()).plan(pages: Self.scans(12), engineContext: 262_144)
        #expect(unlimited.requests.count == 1 && unlimited.maxImagesPerRequest == nil)
    }

    @Test("the mistral dialect's 8 images are planned: 12 scanned pages in requests of at most 8, none refused")
    func mistralDialect() async throws {
        let limits = FakeLimits(dialect: .mistral, maxImagesPerRequest: 8)
        try await withFakeAnalyzer(dialect: .mistral, handler: { request in
            limits.reply(to: request, answer: honestAnswer(for: request))
        }) { engine, analyzer in
            let result = try await analyzer.analyze(pages: Self.scans(12))
            #expect(engine.chatRequests.map(Self.images).sorted() == [4, 8])
            #expect(result.plan.maxImagesPerRequest == 8)
            #expect(result.plan.imagePages == Array(1...12))
            #expect(result.plan.imageReplans == 0)
            #expect(engine.chatRequests.flatMap { pagesShown(in: $0) }.sorted() == Array(1...12))
        }
    }

    @Test("a vLLM engine that refuses the number of images: planned again with the limit it states, remembered for later documents")
    func refusalReplans() async throws {
        let limits = FakeLimits(dialect: .vllm, maxImagesPerRequest: 4)
        try await withFakeAnalyzer(handler: { request in limits.reply(to: request, answer: honestAnswer(for: request)) }) {
            engine, analyzer in
            let first = try await analyzer.analyze(pages: Self.scans(10))
            #expect(engine.chatRequests.map(Self.images) == [10, 4, 4, 2])  // the parts of a re-plan go one after another
            #expect(first.plan.imageReplans == 1)
            #expect(first.plan.requests.map(\.imagePages.count) == [4, 4, 2])
            #expect(first.plan.imagePages == Array(1...10))
            #expect(first.usage.requests == 4)

            // The client remembers the limit: the next document is planned with it from the start.
            let second = try await analyzer.analyze(pages: Self.scans(6))
            // Sent concurrently: in either order.
            #expect(engine.chatRequests.dropFirst(4).map(Self.images).sorted() == [2, 4])
            #expect(second.plan.maxImagesPerRequest == 4)
            #expect(second.plan.imageReplans == 0)
        }
    }

    @Test("an engine that refuses even one image fails with too_many_images, not a retry loop")
    func oneImageRefused() async throws {
        let limits = FakeLimits(dialect: .vllm, maxImagesPerRequest: 0)
        try await withFakeAnalyzer(handler: { request in limits.reply(to: request, answer: honestAnswer(for: request)) }) {
            engine, analyzer in
            let error = try await #require(throws: AnalysisError.self) { try await analyzer.analyze(pages: Self.scans(3)) }
            #expect(error.kind == .tooManyImages)
            // Three images refused, then one alone refused: the page is named, nothing more is sent.
            #expect(engine.chatRequests.map(Self.images) == [3, 1])
            #expect(error.description.contains("page 1"))
        }
    }
}

/// A server that cuts long prompts silently: the analysis re-plans smaller chunks instead of trusting
/// an answer about part of the document.
@Suite("Silently truncated prompts in the analysis")
struct TruncatedPromptAnalysisTests {
    @Test("the truncated request's pages are split and asked again; every page is covered")
    func replans() async throws {
        // Four pages of 30 kB: a request of several pages is cut to 4096 tokens by the server.
        let pages = (1...4).map { number in
            AnalysisPage(number: number, text: String(repeating: "Clause \(number): the Supplier shall deliver the Goods. ", count: 600))
        }
        try await withFakeAnalyzer(dialect: .openai, handler: { request in
            let shown = pagesShown(in: request)
            let usage = TokenUsage(promptTokens: shown.count > 1 ? 4096 : 3000, completionTokens: 40)
            return FakeResponses.completion(dialect: .openai, answer: honestAnswer(for: request), usage: usage)
        }) { engine, analyzer in
            let result = try await analyzer.analyze(pages: pages, contextTokens: 262_144)
            #expect(result.plan.replans >= 1)
            #expect(result.plan.requests.allSatisfy { $0.pages.count == 1 })
            #expect(result.plan.requests.flatMap { Array($0.pages) }.sorted() == [1, 2, 3, 4])
            #expect(engine.chatRequests.filter { pagesShown(in: $0).count > 1 }.count == result.plan.replans)
        }
    }
}
