import LectorEngine
import Logging

extension Analyzer {
    /// Asks for `planned`'s categories in two requests on the same pages, after its answer was cut at
    /// `max_tokens`: each half is itself split again if its answer is cut too.
    ///
    /// - Throws: ``AnalysisError`` `output_too_large` when a single category's answer does not fit.
    func splitCategories(
        _ planned: AnalysisPlan.Request, context: RunContext, usage: AnalysisResult.Usage, error: EngineError
    ) async throws -> ChunkOutcome {
        var usage = usage
        if let spent = error.usage {
            usage.promptTokens += spent.promptTokens
            usage.completionTokens += spent.completionTokens
        }
        let keys = planned.categories ?? profile.categories.map(\.key)
        guard keys.count > 1 else {
            throw AnalysisError(
                .outputTooLarge,
                detail: "the answer for \(keys.first ?? "the document facts") on pages \(planned.firstPage)-\(planned.lastPage) is cut at max_tokens (\(profile.maxOutputTokens)) even alone; raise max_output_tokens or lower reasoning_effort, max_quotes or max_quote_length",
                field: keys.first)
        }
        logger.debug(
            "answer cut at max_tokens; splitting the request's categories",
            metadata: [
                "analysis.pages": "\(planned.firstPage)-\(planned.lastPage)", "analysis.categories": "\(keys.count)",
                "engine.completion_tokens": "\(error.usage?.completionTokens ?? -1)",
            ])
        var outcome = ChunkOutcome(requests: [], chunks: [], usage: usage, replans: 0, response: nil, categorySplits: 1)
        for (index, half) in OutputBudget.split(keys, into: 2).enumerated() {
            var part = planned
            part.categories = half
            part.asksDocument = planned.asksDocument && index == 0
            outcome.add(try await execute(part, context: context))
        }
        return outcome
    }

    /// Plans `planned`'s pages again with fewer images per request, after the engine refused their
    /// number; the limit it stated (or half the images, when it stated none) holds from then on for the
    /// whole process (the client remembers it).
    ///
    /// - Throws: ``AnalysisError`` `too_many_images` when one page's image alone is refused.
    func replanImages(
        _ planned: AnalysisPlan.Request, context: RunContext, usage: AnalysisResult.Usage, error: EngineError
    ) async throws -> ChunkOutcome {
        let pages = context.pages
        guard planned.imagePages.count > 1 else {
            throw AnalysisError(
                .tooManyImages,
                detail: "the engine refuses even one page image per request (\(error.description)); use image_policy none",
                field: "page \(planned.imagePages.first ?? planned.firstPage)")
        }
        let stated = error.imageLimit.flatMap { $0 > 0 ? $0 : nil } ?? planned.imagePages.count / 2
        let limit = max(1, min(stated, planned.imagePages.count - 1))
        logger.debug(
            "the engine refused the request's images; planning its pages again",
            metadata: [
                "analysis.pages": "\(planned.firstPage)-\(planned.lastPage)", "analysis.images": "\(planned.imagePages.count)",
                "analysis.max_images": "\(limit)",
            ])
        let subset = pages.filter { planned.pages.contains($0.number) }
        let parts = try planner.pack(
            subset, budget: Int.max / 4, fixed: planner.fixedTokens(totalPages: pages.count), maxPages: nil, maxImages: limit)
        var outcome = ChunkOutcome(requests: [], chunks: [], usage: usage, replans: 0, response: nil, imageReplans: 1)
        for var part in parts {
            part.categories = planned.categories
            part.asksDocument = planned.asksDocument
            outcome.add(try await execute(part, context: context))
        }
        return outcome
    }
}
