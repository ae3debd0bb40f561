import LectorEngine

/// Token estimates before extraction, from what is known of a document.
///
/// With stored pages the text is counted as the engine client counts it (one token per 3 UTF-8 bytes);
/// a file not yet extracted is assumed to have a page per 50 kB and 1,000 tokens per page, which errs
/// high for text PDFs and low for scans. Both add the profile's fixed prompt and its output budget.
public struct BatchEstimator: Sendable {
    public let fixedTokens: @Sendable (Int) -> Int
    public let outputTokens: Int
    public let price: TokenPrice

    public init(fixedTokens: @escaping @Sendable (Int) -> Int, outputTokens: Int, price: TokenPrice) {
        self.fixedTokens = fixedTokens
        self.outputTokens = outputTokens
        self.price = price
    }

    /// Tokens of a document with `pages` pages and `characters` characters of text, if known.
    public func tokens(sizeBytes: Int64, pages: Int?, characters: Int?) -> Int {
        let pageCount = max(1, pages ?? Int(sizeBytes / 50_000) + 1)
        let text = characters.map { ($0 + 2) / 3 } ?? pageCount * 1_000
        return fixedTokens(pageCount) + text + outputTokens
    }

    /// The estimated price of `tokens` (of which the output budget is the output part).
    public func cost(tokens: Int) -> Double {
        price.cost(input: max(0, tokens - outputTokens), output: min(tokens, outputTokens))
    }
}
