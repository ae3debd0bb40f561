import LectorEngine

/// Builds the requests of an analysis: one system prompt per profile (byte-identical across requests,
/// so engines reuse the cached prefix), then the pages as text with page markers and their images in
/// page order.
public struct AnalysisPrompt: Sendable {
    /// The profile.
    public let profile: AnalysisProfile
    /// The system prompt, the same bytes for every request of this profile.
    public let system: String

    /// Prompts for `profile`.
    public init(profile: AnalysisProfile) {
        self.profile = profile
        var lines = [
            "You are a careful contract analyst. You read the contract pages you are given and answer in JSON that follows the schema exactly.",
            "Rules:",
            "- Answer every category listed below: \"present\" when these pages contain it, \"absent\" when they do not, \"unclear\" when you cannot tell.",
            "- Quotes are copied verbatim from the page text, character for character, with the page number shown in the page marker. Never paraphrase in a quote.",
            "- Page numbers are the numbers in the markers \"=== Page N ===\".",
            "- Normalise values: dates as YYYY-MM-DD, durations as ISO 8601 (P1Y, P30D), amounts as numbers with an ISO 4217 currency code, yes/no clauses as booleans. Use null when there is no value.",
            "- confidence is between 0 and 1. risk is none, low, medium or high for the party reviewing the contract, with a one-line risk_rationale.",
            "- document: the title, the kind of contract, the parties with their roles, the governing law, the main currency and the total value when stated.",
            "Categories:",
        ]
        for category in profile.categories {
            lines.append("- \(category.key): \(category.question)")
        }
        if let instructions = profile.instructions, !instructions.isEmpty { lines.append(instructions) }
        self.system = lines.joined(separator: "\n")
    }

    /// The marker that opens page `number`'s text.
    public static func pageMarker(_ number: Int) -> String { "=== Page \(number) ===" }

    /// The text part of one page.
    static func pageText(_ page: AnalysisPage) -> String { "\(pageMarker(page.number))\n\(page.text)\n" }

    /// The text part that opens the user message.
    static func header(pages: ClosedRange<Int>, of total: Int) -> String {
        pages.count == total
            ? "The contract has \(total) pages; all are below."
            : "The contract has \(total) pages; pages \(pages.lowerBound) to \(pages.upperBound) are below. Answer for these pages only."
    }

    /// The instruction that limits a request to some categories (an answer split over several requests).
    static func categoriesLine(_ keys: [String]) -> String {
        "In this answer, give only these categories (the others are asked separately): \(keys.joined(separator: ", "))."
    }

    /// The request for `planned`, with `images` for its image pages (by page number).
    ///
    /// The `response_format` schema is the same for every request of the profile (page bounds are checked
    /// after the answer). A request limited to some categories names them after the pages, so every request on the same
    /// pages shares the cached prefix (system prompt and pages). `feedback` is the validation problems
    /// of a rejected answer, appended last for the same reason. `digest` (a long document's
    /// ``DocumentDigest``) comes right after the header, the same bytes for every chunk.
    public func request(
        for planned: AnalysisPlan.Request, pages: [AnalysisPage], totalPages: Int, images: [Int: PageImage],
        feedback: String? = nil, digest: String? = nil
    ) -> ChatRequest {
        var parts: [ContentPart] = [.text(Self.header(pages: planned.pages, of: totalPages))]
        if let digest { parts.append(.text(digest)) }
        for page in pages where planned.pages.contains(page.number) {
            parts.append(.text(Self.pageText(page)))
            if let image = images[page.number] {
                parts.append(.image(ImageInput(bytes: image.bytes, mimeType: image.mimeType)))
            }
        }
        if let keys = planned.categories {
            parts.append(.text(Self.categoriesLine(keys)))
        }
        if let feedback {
            parts.append(.text("Your previous answer was rejected: \(feedback). Answer again, following the schema and the rules."))
        }
        // One grammar per profile (and category group): page bounds are checked after the answer
        // (``AnswerValidator``), so vLLM compiles the schema once, not once per page range.
        let schema = profile.schema(categories: planned.categories, document: planned.asksDocument).responseSchema()
        return ChatRequest(
            system: system, user: parts, schema: schema,
            maxTokens: profile.maxOutputTokens, temperature: profile.temperature, seed: profile.seed,
            reasoningEffort: profile.reasoningEffort, stream: true)
    }
}
