import LectorCore
import LectorEngine
import Logging

/// Runs one document's analysis: plan, ask the engine (a bounded number of requests at once), validate
/// (retrying an invalid answer once with the problems fed back), ground every quote, merge the chunks.
///
/// It touches neither the database nor the PDF: the caller gives pages and stores the result.
public struct Analyzer: Sendable {
    /// The engine client (shared per process).
    public let client: EngineClient
    /// The profile.
    public let profile: AnalysisProfile
    /// The most requests of this document in flight at once (the client bounds the process).
    public let maxConcurrentRequests: Int
    let planner: AnalysisPlanner
    let logger: Logger

    /// An analyzer for `profile` over `client`.
    public init(client: EngineClient, profile: AnalysisProfile, maxConcurrentRequests: Int = 4, logger: Logger) {
        self.client = client
        self.profile = profile
        self.maxConcurrentRequests = max(1, maxConcurrentRequests)
        self.planner = AnalysisPlanner(profile: profile)
        self.logger = logger
    }

    /// What one executed request (or a re-planned chunk's requests) produced.
    struct ChunkOutcome: Sendable {
        var requests: [AnalysisPlan.Request]
        var chunks: [FindingsMerger.ChunkFindings]
        var usage: AnalysisResult.Usage
        var replans: Int
        var response: ResponseInfo?
        /// Requests whose categories were split after an answer cut at `max_tokens`.
        var categorySplits = 0
        /// Requests whose pages were planned again after the engine refused their images.
        var imageReplans = 0

        /// Adds the outcome of a part of this request (a re-planned half).
        mutating func add(_ part: ChunkOutcome) {
            requests += part.requests
            chunks += part.chunks
            usage.add(part.usage)
            replans += part.replans
            categorySplits += part.categorySplits
            imageReplans += part.imageReplans
            response = part.response ?? response
        }
    }

    struct ResponseInfo: Sendable {
        var model: String?
        var engineHost: String
        var externalEngine: Bool
        var reasoningEffort: ReasoningEffort?
    }

    /// Analyses `pages` (in page order, numbered from 1).
    ///
    /// - Parameter contextTokens: the engine's context; nil asks the engine (`discover()`), falling back
    ///   to the profile's `context_tokens`.
    /// - Throws: ``AnalysisError`` (a page too large, an answer still invalid after the retry, a context
    ///   overflow on a single page), ``EngineError`` (the engine failed; `isRetryable` says whether the job
    ///   should be retried), `CancellationError`.
    public func analyze(pages: [AnalysisPage], contextTokens: Int? = nil) async throws -> AnalysisResult {
        let started = ContinuousClock.now
        var context = contextTokens
        if context == nil { context = try await client.discover().contextLength }
        guard let context = context ?? profile.contextTokens else {
            throw AnalysisError(
                .unplannable, detail: "the engine does not report its context length; set context_tokens in the profile")
        }
        let engineImages = try await client.maxImagesPerRequest()
        var plan = try planner.plan(pages: pages, engineContext: context, maxImagesPerRequest: engineImages)
        logger.debug(
            "analysis planned",
            metadata: [
                "analysis.requests": "\(plan.requests.count)", "analysis.budget_tokens": "\(plan.budgetTokens)",
                "analysis.image_pages": "\(plan.imagePages.count)",
            ])
        let grounding = await GroundingIndex.make(pages: pages)
        let engineStarted = ContinuousClock.now
        let outcomes = try await run(plan.requests, pages: pages, grounding: grounding)
        let engineTime = ContinuousClock.now - engineStarted

        var usage = AnalysisResult.Usage()
        var chunks: [FindingsMerger.ChunkFindings] = []
        var executed: [AnalysisPlan.Request] = []
        var info: ResponseInfo?
        for outcome in outcomes {
            usage.add(outcome.usage)
            chunks += outcome.chunks
            executed += outcome.requests
            plan.replans += outcome.replans
            plan.categorySplits += outcome.categorySplits
            plan.imageReplans += outcome.imageReplans
            info = outcome.response ?? info
        }
        plan.requests = executed.sorted { $0.firstPage < $1.firstPage }
        let merged = FindingsMerger.merge(chunks, categories: profile.categories)
        return AnalysisResult(
            profile: profile.name, promptVersion: profile.promptVersion, facts: merged.facts, findings: merged.findings,
            plan: plan, usage: usage, engineMilliseconds: Self.milliseconds(engineTime),
            totalMilliseconds: Self.milliseconds(ContinuousClock.now - started),
            model: info?.model ?? client.configuration.model ?? "unknown", engineHost: info?.engineHost ?? "",
            externalEngine: info?.externalEngine ?? false, reasoningEffort: info?.reasoningEffort?.rawValue)
    }

    static func milliseconds(_ duration: Duration) -> Int { Int(duration.wholeMilliseconds) }

    /// Runs `requests` with at most ``maxConcurrentRequests`` in flight; results in request order.
    func run(_ requests: [AnalysisPlan.Request], pages: [AnalysisPage], grounding: GroundingIndex) async throws -> [ChunkOutcome] {
        try await withThrowingTaskGroup(of: (Int, ChunkOutcome).self) { group in
            var results: [ChunkOutcome?] = Array(repeating: nil, count: requests.count)
            var next = 0
            func startNext() {
                guard next < requests.count else { return }
                let index = next
                let request = requests[index]
                next += 1
                group.addTask { (index, try await self.execute(request, pages: pages, grounding: grounding)) }
            }
            for _ in 0..<min(maxConcurrentRequests, requests.count) { startNext() }
            while let (index, outcome) = try await group.next() {
                results[index] = outcome
                startNext()
            }
            return results.compactMap { $0 }
        }
    }

    /// Sends one planned request, retrying once with feedback on an invalid answer; on a context
    /// overflow, splits its pages in two and runs the halves.
    func execute(_ planned: AnalysisPlan.Request, pages: [AnalysisPage], grounding: GroundingIndex) async throws -> ChunkOutcome {
        var images: [Int: PageImage] = [:]
        for page in pages where planned.imagePages.contains(page.number) {
            if let source = page.image { images[page.number] = try await source.load() }
        }
        let prompt = planner.prompt
        let validator = AnswerValidator(schema: profile.schema(categories: planned.categories, document: planned.asksDocument))
        var usage = AnalysisResult.Usage()
        var feedback: String?
        for attempt in 1...2 {
            let request = prompt.request(
                for: planned, pages: pages, totalPages: pages.count, images: images, feedback: feedback)
            let response: ChatResponse
            do {
                usage.requests += 1
                response = try await client.complete(request)
            } catch let error as EngineError where error.kind == .contextOverflow || error.kind == .promptTruncated {
                return try await replan(planned, pages: pages, grounding: grounding, usage: usage, error: error)
            } catch let error as EngineError where error.kind == .outputTruncated {
                return try await splitCategories(planned, pages: pages, grounding: grounding, usage: usage, error: error)
            } catch let error as EngineError where error.isImageLimit {
                return try await replanImages(planned, pages: pages, grounding: grounding, usage: usage, error: error)
            } catch let error as EngineError where error.kind == .malformedResponse && !error.isRetryable {
                // The engine client already checked the schema: its problems are the feedback.
                if attempt == 2 { throw invalid(planned, reason: error.detail) }
                feedback = Self.feedbackText(error.detail)
                usage.feedbackRetries += 1
                continue
            }
            if let reported = response.usage {
                usage.promptTokens += reported.promptTokens
                usage.completionTokens += reported.completionTokens
                if let cached = reported.cachedPromptTokens { usage.cachedPromptTokens = (usage.cachedPromptTokens ?? 0) + cached }
            }
            let json: JSONValue
            if let parsed = response.json {
                json = parsed
            } else if let parsed = try? JSONValue.parse(response.answer) {
                json = parsed
            } else {
                if attempt == 2 { throw invalid(planned, reason: "the answer is not JSON") }
                feedback = "the answer is not JSON"
                usage.feedbackRetries += 1
                continue
            }
            switch validator.validate(json, pages: planned.pages) {
            case .valid(let answer):
                let categories = profile.categories
                let verifier = await grounding.verifier(for: planned.pages, pages: pages)
                let findings = await QuoteVerifier.onOwnThread {
                    FindingsMerger.ground(answer, categories: categories, verifier: verifier)
                }
                return ChunkOutcome(
                    requests: [planned],
                    chunks: [FindingsMerger.ChunkFindings(pages: planned.pages, document: answer.document, findings: findings)],
                    usage: usage, replans: 0,
                    response: ResponseInfo(
                        model: response.model, engineHost: response.engineHost, externalEngine: response.externalEngine,
                        reasoningEffort: response.reasoningEffort))
            case .invalid(let problems):
                let reason = Self.feedbackText(problems.prefix(8).joined(separator: "; "))
                logger.debug(
                    "model answer invalid",
                    metadata: ["analysis.pages": "\(planned.firstPage)-\(planned.lastPage)", "analysis.problems": "\(problems.count)"])
                if attempt == 2 { throw invalid(planned, reason: reason) }
                feedback = reason
                usage.feedbackRetries += 1
            }
        }
        throw invalid(planned, reason: "no valid answer")
    }

    static func feedbackText(_ text: String) -> String { String(text.prefix(1200)) }

    func invalid(_ planned: AnalysisPlan.Request, reason: String) -> AnalysisError {
        AnalysisError(
            .invalidAnswer,
            detail: "the answer for pages \(planned.firstPage)-\(planned.lastPage) is still invalid after a retry with feedback: \(reason)")
    }

    /// Splits an overflowing request's pages in two and runs each half (itself split again if needed).
    func replan(
        _ planned: AnalysisPlan.Request, pages: [AnalysisPage], grounding: GroundingIndex, usage: AnalysisResult.Usage,
        error: EngineError
    ) async throws -> ChunkOutcome {
        let subset = pages.filter { planned.pages.contains($0.number) }
        guard subset.count > 1 else {
            throw AnalysisError(
                .contextOverflow,
                detail: "page \(planned.firstPage) alone overflows the engine's context (\(error.description))",
                field: "page \(planned.firstPage)")
        }
        logger.debug(
            "context overflow; splitting the chunk",
            metadata: ["analysis.pages": "\(planned.firstPage)-\(planned.lastPage)"])
        let halves = try planner.pack(
            subset, budget: Int.max / 4, fixed: planner.fixedTokens(totalPages: pages.count),
            maxPages: (subset.count + 1) / 2, maxImages: planned.imagePages.isEmpty ? nil : planned.imagePages.count)
        var outcome = ChunkOutcome(requests: [], chunks: [], usage: usage, replans: 1, response: nil)
        for var half in halves {
            half.categories = planned.categories
            half.asksDocument = planned.asksDocument
            outcome.add(try await execute(half, pages: pages, grounding: grounding))
        }
        return outcome
    }
}
