import LectorEngine

/// Splits a document into requests that fit the engine's context: one request when everything fits,
/// else consecutive page ranges. Never truncates: a page that cannot fit alone is an error.
public struct AnalysisPlanner: Sendable {
    /// The profile.
    public let profile: AnalysisProfile
    /// Builds the requests whose size is estimated.
    public let prompt: AnalysisPrompt

    /// Tokens kept for the feedback text of a retried request.
    static let feedbackReserve = 200

    /// A digest smaller than this tells a chunk too little to be worth its tokens: none is sent.
    static let minimumDigestTokens = 64

    /// How the answer's size is planned.
    public let output: OutputBudget

    /// A planner for `profile`.
    public init(profile: AnalysisProfile) {
        self.profile = profile
        self.prompt = AnalysisPrompt(profile: profile)
        self.output = OutputBudget(profile: profile)
    }

    /// The categories of one request of each page range: one group when the whole answer fits
    /// `max_tokens` (reasoning kept), else several (see ``OutputBudget``).
    public var categoryGroups: [[String]] { output.groups(profile.categories.map(\.key)) }

    /// The image limit planned with: the profile's and the engine's (`engineLimit`), whichever is lower.
    public func imageLimit(engine engineLimit: Int?) -> Int? {
        switch (profile.maxImagesPerRequest, engineLimit) {
        case (let a?, let b?): max(1, min(a, b))
        case (let a?, nil): max(1, a)
        case (nil, let b?): max(1, b)
        case (nil, nil): nil
        }
    }

    /// `requests` (one per page range) as the requests sent: each page range once per category group.
    public func withCategoryGroups(_ requests: [AnalysisPlan.Request], groups: [[String]]? = nil) -> [AnalysisPlan.Request] {
        let groups = groups ?? categoryGroups
        guard groups.count > 1 else { return requests }
        return requests.flatMap { request in
            groups.enumerated().map { index, keys in
                var grouped = request
                grouped.categories = keys
                grouped.asksDocument = index == 0
                return grouped
            }
        }
    }

    /// The context actually used: the engine's, capped by the profile's.
    public func usableContext(engineContext: Int) -> Int {
        min(engineContext, profile.contextTokens ?? Int.max)
    }

    /// Whether `page` goes as an image under the profile's policy.
    public func sendsImage(_ page: AnalysisPage) -> Bool {
        guard page.image != nil else { return false }
        switch profile.imagePolicy {
        case .none: return false
        case .all: return true
        case .auto: return page.needsVision
        }
    }

    /// Tokens of one page: its text with the marker (the engine's count from `counts`, by page number,
    /// else the estimate), and its image when it is sent.
    public func pageTokens(_ page: AnalysisPage, counts: [Int: Int] = [:]) -> (text: Int, image: Int) {
        let text = counts[page.number] ?? TokenEstimate.textTokens(AnalysisPrompt.pageText(page))
        guard sendsImage(page), let image = page.image else { return (text, 0) }
        return (text, TokenEstimate.imageTokens(width: image.width, height: image.height))
    }

    /// Tokens every request spends before its pages.
    public func fixedTokens(totalPages: Int) -> Int {
        let schema = profile.schema.json(pages: totalPages...totalPages).jsonText
        let header = AnalysisPrompt.header(pages: 1...max(1, totalPages - 1), of: max(totalPages, 2))
        // The instruction naming a request's categories, at its longest (all of them).
        let only = AnalysisPrompt.categoriesLine(profile.categories.map(\.key))
        return 2 * TokenEstimate.messageOverhead + TokenEstimate.textTokens(prompt.system)
            + TokenEstimate.textTokens(schema) + TokenEstimate.textTokens(header) + TokenEstimate.textTokens(only)
            + Self.feedbackReserve
    }

    /// Plans `pages` (in page order) for an engine with `engineContext` tokens.
    ///
    /// Each page range is asked once per category group when one answer could exceed `max_tokens`
    /// (``categoryGroups``). When the document needs several page ranges, each repeats the last
    /// ``AnalysisProfile/chunkOverlapPages`` pages of the one before (when they fit), and every request
    /// keeps ``AnalysisProfile/digestTokens`` for the ``DocumentDigest``.
    ///
    /// - Parameters:
    ///   - maxPagesPerRequest: a cap used when re-planning after a context overflow.
    ///   - maxImagesPerRequest: the engine's image limit (its dialect's, its configuration's, or what it
    ///     answered); the profile's own limit applies too.
    ///   - counts: the engine's token count of each page's text with its marker (`/tokenize`), by page
    ///     number; pages not in it are estimated.
    /// - Throws: ``AnalysisError`` `unplannable` (no pages, or no room left after the fixed part),
    ///   `page_too_large` (one page alone exceeds the budget; the error names the page and its tokens).
    public func plan(
        pages: [AnalysisPage], engineContext: Int, maxPagesPerRequest: Int? = nil, maxImagesPerRequest: Int? = nil,
        counts: [Int: Int] = [:]
    ) throws(AnalysisError) -> AnalysisPlan {
        guard !pages.isEmpty else { throw AnalysisError(.unplannable, detail: "the document has no pages") }
        let context = usableContext(engineContext: engineContext)
        let budget = context - profile.maxOutputTokens - profile.marginTokens
        let fixed = fixedTokens(totalPages: pages.count)
        guard budget > fixed else {
            throw AnalysisError(
                .unplannable,
                detail: "the context (\(context) tokens) leaves \(budget) tokens after the output cap and margin; the prompt alone needs \(fixed)")
        }
        let images = imageLimit(engine: maxImagesPerRequest)
        var ranges = try pack(pages, budget: budget, fixed: fixed, maxPages: maxPagesPerRequest, maxImages: images, counts: counts)
        var digest = 0
        var overlap = 0
        if ranges.count > 1 {
            // A long document: every chunk carries the digest and repeats the previous chunk's last pages.
            // The digest takes at most a quarter of the room for pages: a small context keeps its pages.
            digest = min(profile.digestTokens, (budget - fixed) / 4)
            if digest < Self.minimumDigestTokens { digest = 0 }
            overlap = profile.chunkOverlapPages
            ranges = try pack(
                pages, budget: budget, fixed: fixed + digest, maxPages: maxPagesPerRequest, maxImages: images, counts: counts,
                overlap: overlap)
        }
        let visionAsText = pages.filter { $0.needsVision && !sendsImage($0) }.map(\.number)
        var plan = AnalysisPlan(
            contextTokens: context, outputTokens: profile.maxOutputTokens, marginTokens: profile.marginTokens,
            budgetTokens: budget, fixedTokens: fixed, requests: withCategoryGroups(ranges), visionPagesAsText: visionAsText,
            imagePolicy: profile.imagePolicy, maxImagesPerRequest: images)
        plan.digestTokens = digest
        plan.overlapPages = overlap
        plan.tokenCounts = counts.isEmpty ? "estimate" : (counts.count == pages.count ? "engine" : "engine_partial")
        return plan
    }

    /// Greedy packing of consecutive pages into requests of at most `budget` prompt tokens.
    ///
    /// - Parameters:
    ///   - maxImages: the most image pages in one request (nil: no limit).
    ///   - overlap: pages each request after the first repeats from the end of the one before, when they
    ///     fit with the next new page (a request always adds at least one page). Pages sent as images
    ///     are not repeated: each would cost an image of the request's limit and a page of image tokens.
    func pack(
        _ pages: [AnalysisPage], budget: Int, fixed: Int, maxPages: Int?, maxImages: Int?, counts: [Int: Int] = [:],
        overlap: Int = 0
    ) throws(AnalysisError) -> [AnalysisPlan.Request] {
        var requests: [AnalysisPlan.Request] = []
        var current: [AnalysisPage] = []
        var text = 0, image = 0, images: [Int] = []
        func close() {
            guard let first = current.first, let last = current.last else { return }
            requests.append(.init(
                firstPage: first.number, lastPage: last.number, promptTokens: fixed + text + image, textTokens: text,
                imageTokens: image, imagePages: images))
            current = []
            text = 0
            image = 0
            images = []
        }
        func add(_ page: AnalysisPage, _ cost: (text: Int, image: Int)) {
            current.append(page)
            text += cost.text
            image += cost.image
            if cost.image > 0 { images.append(page.number) }
        }
        for page in pages {
            let cost = pageTokens(page, counts: counts)
            if fixed + cost.text + cost.image > budget {
                throw AnalysisError(
                    .pageTooLarge,
                    detail: "page \(page.number) needs about \(cost.text + cost.image) tokens (\(cost.text) text, \(cost.image) image); a request has \(budget - fixed) for pages",
                    field: "page \(page.number)")
            }
            let imageLimitReached = cost.image > 0 && maxImages.map { images.count >= $0 } == true
            let pageLimitReached = maxPages.map { current.count >= $0 } == true
            if !current.isEmpty && (fixed + text + image + cost.text + cost.image > budget || imageLimitReached || pageLimitReached) {
                // A one-page request carries nothing over: the next would contain it whole.
                let carried = overlap > 0 ? Array(current.suffix(min(overlap, current.count - 1))) : []
                let carriedAsText = carried.allSatisfy { !sendsImage($0) }
                close()
                let carriedCosts = carried.map { pageTokens($0, counts: counts) }
                let carriedTokens = carriedCosts.reduce(0) { $0 + $1.text + $1.image }
                let carriedImages = carriedCosts.count { $0.image > 0 } + (cost.image > 0 ? 1 : 0)
                if !carried.isEmpty, carriedAsText, fixed + carriedTokens + cost.text + cost.image <= budget,
                    maxImages.map { carriedImages <= $0 } ?? true, maxPages.map { carried.count + 1 <= $0 } ?? true
                {
                    for (page, cost) in zip(carried, carriedCosts) { add(page, cost) }
                }
            }
            add(page, cost)
        }
        close()
        return requests
    }
}
