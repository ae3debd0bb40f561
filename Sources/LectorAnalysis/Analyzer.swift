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

    /// What one planned request produced: its answer, or the answers of the requests it became
    /// (re-planned halves, split categories). Stored per request (``ChunkStore``) as it arrives.
    public struct ChunkOutcome: Sendable, Codable {
        /// The requests executed.
        public var requests: [AnalysisPlan.Request]
        /// Their grounded answers.
        public var chunks: [FindingsMerger.ChunkFindings]
        public var usage: AnalysisResult.Usage
        var replans: Int
        var response: ResponseInfo?
        /// Requests whose categories were split after an answer cut at `max_tokens`.
        var categorySplits = 0
        /// Requests whose pages were planned again after the engine refused their images.
        var imageReplans = 0
        /// Whether it came from the store (an earlier attempt of the job) rather than the engine.
        var reused = false

        init(
            requests: [AnalysisPlan.Request], chunks: [FindingsMerger.ChunkFindings], usage: AnalysisResult.Usage,
            replans: Int, response: ResponseInfo?, categorySplits: Int = 0, imageReplans: Int = 0
        ) {
            self.requests = requests
            self.chunks = chunks
            self.usage = usage
            self.replans = replans
            self.response = response
            self.categorySplits = categorySplits
            self.imageReplans = imageReplans
        }

        enum CodingKeys: String, CodingKey {
            case requests, chunks, usage, replans, response
            case categorySplits = "category_splits"
            case imageReplans = "image_replans"
        }

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

    struct ResponseInfo: Sendable, Codable {
        var model: String?
        var engineHost: String
        var externalEngine: Bool
        var reasoningEffort: ReasoningEffort?
    }

    /// What every request of one analysis shares.
    struct RunContext: Sendable {
        var pages: [AnalysisPage]
        var grounding: GroundingIndex
        /// The digest text sent after the header (nil: none).
        var digest: String?
        /// The engine's token counts of each page's text with its marker, by page number (empty: none).
        var counts: [Int: Int]
        /// The engine's token count of the system prompt, when it has one.
        var systemTokens: Int?

        /// The engine's count of `planned`'s text (system prompt and pages), when every part was counted.
        func countedTokens(_ planned: AnalysisPlan.Request) -> Int? {
            guard let systemTokens, !counts.isEmpty else { return nil }
            var total = systemTokens
            for number in planned.pages {
                guard let count = counts[number] else { return nil }
                total += count
            }
            return total
        }
    }

    /// Bumped when what a stored chunk holds, or how it is made, changes: part of every plan key.
    static let chunkFormat = "chunks/1"

    /// Analyses `pages` (in page order, numbered from 1).
    ///
    /// A document that needs several page ranges is asked in two passes: the first range (all its
    /// category groups) first, whose answer and the contract's definitions make the ``DocumentDigest``,
    /// then every other range with the digest. Each request's result goes to `store` as it arrives, and
    /// results already stored under the same plan key are used instead of asking again.
    ///
    /// - Parameters:
    ///   - contextTokens: the engine's context; nil asks the engine (`discover()`), falling back to the
    ///     profile's `context_tokens`.
    ///   - store: where request results are kept across attempts of one job (nil: nowhere).
    /// - Throws: ``AnalysisError`` (a page too large, an answer still invalid after the retry, a context
    ///   overflow on a single page), ``EngineError`` (the engine failed; `isRetryable` says whether the job
    ///   should be retried), `CancellationError`. Requests in flight when one fails are finished and
    ///   stored first, so the retry redoes only what failed.
    public func analyze(pages: [AnalysisPage], contextTokens: Int? = nil, store: (any ChunkStore)? = nil) async throws -> AnalysisResult {
        let started = ContinuousClock.now
        var context = contextTokens
        if context == nil { context = try await client.discover().contextLength }
        guard let context = context ?? profile.contextTokens else {
            throw AnalysisError(
                .unplannable, detail: "the engine does not report its context length; set context_tokens in the profile")
        }
        let engineImages = try await client.maxImagesPerRequest()
        let counts = await pageTokenCounts(pages)
        var plan = try planner.plan(pages: pages, engineContext: context, maxImagesPerRequest: engineImages, counts: counts)
        let planKey = await key(of: plan, pages: pages.count)
        plan.key = planKey
        var stored: [String: ChunkOutcome] = [:]
        if let store {
            do {
                stored = try await store.stored(planKey: planKey)
            } catch {
                // Stored chunks save time; without them every request is asked again.
                logger.warning("stored chunks could not be read", metadata: ["error": "\(String(describing: error).prefix(200))"])
            }
        }
        logger.debug(
            "analysis planned",
            metadata: [
                "analysis.requests": "\(plan.requests.count)", "analysis.budget_tokens": "\(plan.budgetTokens)",
                "analysis.image_pages": "\(plan.imagePages.count)", "analysis.stored_requests": "\(stored.count)",
                "analysis.token_counts": "\(plan.tokenCounts)",
            ])
        let grounding = await GroundingIndex.make(pages: pages)
        var systemTokens: Int?
        if !counts.isEmpty { systemTokens = await client.exactTokens(planner.prompt.system) }
        var run = RunContext(pages: pages, grounding: grounding, digest: nil, counts: counts, systemTokens: systemTokens)
        let engineStarted = ContinuousClock.now
        var outcomes: [ChunkOutcome]
        let ranges = plan.pageRanges
        if ranges.count > 1, plan.digestTokens > 0 {
            let first = plan.requests.filter { $0.pages == ranges[0] }
            outcomes = try await self.run(first, context: run, stored: stored, store: store, planKey: planKey)
            let chunks = outcomes.flatMap(\.chunks)
            let digest = await QuoteVerifier.onOwnThread { DocumentDigest(first: chunks, pages: pages) }
            plan.digest = digest
            run.digest = digest.text(maxTokens: plan.digestTokens)
            let rest = plan.requests.filter { $0.pages != ranges[0] }
            outcomes += try await self.run(rest, context: run, stored: stored, store: store, planKey: planKey)
        } else {
            outcomes = try await self.run(plan.requests, context: run, stored: stored, store: store, planKey: planKey)
        }
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
            if outcome.reused { plan.reusedRequests += 1 }
            info = outcome.response ?? info
        }
        plan.requests = executed.sorted { ($0.firstPage, $0.lastPage) < ($1.firstPage, $1.lastPage) }
        let merged = FindingsMerger.merge(chunks, categories: profile.categories)
        return AnalysisResult(
            profile: profile.name, promptVersion: profile.promptVersion, facts: merged.facts, findings: merged.findings,
            plan: plan, usage: usage, engineMilliseconds: Self.milliseconds(engineTime),
            totalMilliseconds: Self.milliseconds(ContinuousClock.now - started),
            model: info?.model ?? client.configuration.model ?? "unknown", engineHost: info?.engineHost ?? "",
            externalEngine: info?.externalEngine ?? false, reasoningEffort: info?.reasoningEffort?.rawValue)
    }

    /// The engine's token count of each page's text with its marker, by page number; empty when the
    /// engine has no `/tokenize` (the planner then estimates). Counts are cached by the client.
    func pageTokenCounts(_ pages: [AnalysisPage]) async -> [Int: Int] {
        guard let counts = await client.exactTokens(pages.map(AnalysisPrompt.pageText)) else { return [:] }
        return Dictionary(zip(pages.map(\.number), counts), uniquingKeysWith: { first, _ in first })
    }

    /// The plan key: what the requests ask (profile, prompt, schema, output settings), of which model,
    /// and how the document was cut. Anything that changes an answer changes the key.
    func key(of plan: AnalysisPlan, pages: Int) async -> String {
        let model = await client.resolvedModel() ?? client.configuration.model ?? ""
        var parts = [
            Self.chunkFormat, profile.name, profile.promptVersion, planner.prompt.system,
            String(decoding: profile.schema.json().serialized(), as: UTF8.self),
            "\(profile.maxOutputTokens)", profile.reasoningEffort.rawValue, "\(profile.temperature)", "\(profile.seed ?? -1)",
            "\(profile.imagePolicy.rawValue)", "\(profile.digestTokens)", "\(profile.chunkOverlapPages)", model, "\(pages)",
        ]
        parts += plan.requests.map(\.storageKey)
        return SHA256.hex(Array(parts.joined(separator: "\u{1F}").utf8))
    }

    static func milliseconds(_ duration: Duration) -> Int { Int(duration.wholeMilliseconds) }

    /// Runs `requests` with at most ``maxConcurrentRequests`` in flight; results in request order.
    /// Requests with a result in `stored` are not sent; each new result is saved to `store`. When one
    /// fails, the others still run (and are saved, so the job's retry asks only for what failed), then
    /// the first error is thrown; when the engine is down or the analysis is cancelled, no more start.
    func run(
        _ requests: [AnalysisPlan.Request], context: RunContext, stored: [String: ChunkOutcome] = [:],
        store: (any ChunkStore)? = nil, planKey: String? = nil
    ) async throws -> [ChunkOutcome] {
        var results: [ChunkOutcome?] = Array(repeating: nil, count: requests.count)
        var pending: [Int] = []
        for (index, request) in requests.enumerated() {
            if var reused = stored[request.storageKey] {
                reused.reused = true
                results[index] = reused
            } else {
                pending.append(index)
            }
        }
        try await withThrowingTaskGroup(of: (Int, Result<ChunkOutcome, any Error>).self) { group in
            var next = 0
            var failure: (any Error)?
            var stop = false
            func startNext() {
                guard !stop, next < pending.count else { return }
                let index = pending[next]
                let request = requests[index]
                next += 1
                group.addTask {
                    do {
                        let outcome = try await self.execute(request, context: context)
                        if let store, let planKey { await self.save(outcome, for: request, planKey: planKey, in: store) }
                        return (index, .success(outcome))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<min(maxConcurrentRequests, pending.count) { startNext() }
            while let (index, result) = try await group.next() {
                switch result {
                case .success(let outcome): results[index] = outcome
                case .failure(let error):
                    if failure == nil { failure = error }
                    if error is CancellationError || (error as? EngineError)?.indicatesEngineDown == true || Task.isCancelled {
                        stop = true
                    }
                }
                startNext()
            }
            if let failure { throw failure }
        }
        return results.compactMap { $0 }
    }

    /// Saves one result; a failure only costs the retry this request again.
    func save(_ outcome: ChunkOutcome, for request: AnalysisPlan.Request, planKey: String, in store: any ChunkStore) async {
        do {
            try await store.save(outcome, for: request, planKey: planKey)
        } catch {
            logger.warning(
                "a chunk's result could not be stored",
                metadata: ["analysis.pages": "\(request.firstPage)-\(request.lastPage)", "error": "\(String(describing: error).prefix(200))"])
        }
    }

    /// Sends one planned request, retrying once with feedback on an invalid answer; on a context
    /// overflow, splits its pages in two and runs the halves.
    func execute(_ planned: AnalysisPlan.Request, context: RunContext) async throws -> ChunkOutcome {
        let pages = context.pages
        let grounding = context.grounding
        var images: [Int: PageImage] = [:]
        for page in pages where planned.imagePages.contains(page.number) {
            if let source = page.image { images[page.number] = try await source.load() }
        }
        let prompt = planner.prompt
        let validator = AnswerValidator(schema: profile.schema(categories: planned.categories, document: planned.asksDocument))
        var usage = AnalysisResult.Usage()
        var feedback: String?
        for attempt in 1...2 {
            var request = prompt.request(
                for: planned, pages: pages, totalPages: pages.count, images: images, feedback: feedback, digest: context.digest)
            request.countedPromptTokens = context.countedTokens(planned)
            let response: ChatResponse
            do {
                usage.requests += 1
                response = try await client.complete(request)
            } catch let error as EngineError where error.kind == .contextOverflow || error.kind == .promptTruncated {
                return try await replan(planned, context: context, usage: usage, error: error)
            } catch let error as EngineError where error.kind == .outputTruncated {
                return try await splitCategories(planned, context: context, usage: usage, error: error)
            } catch let error as EngineError where error.isImageLimit {
                return try await replanImages(planned, context: context, usage: usage, error: error)
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
        _ planned: AnalysisPlan.Request, context: RunContext, usage: AnalysisResult.Usage, error: EngineError
    ) async throws -> ChunkOutcome {
        let pages = context.pages
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
            outcome.add(try await execute(half, context: context))
        }
        return outcome
    }
}
