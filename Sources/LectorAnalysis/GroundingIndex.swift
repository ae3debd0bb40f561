/// Where a request's quotes are grounded: one index of the whole document, or, for a document too long
/// to index at once, an index of the request's own pages built when its answer arrives.
///
/// The index costs about 14 bytes per character of text (scalars, normalised stream, offsets, word
/// hashes); a 10,000-page contract has some 40 million characters, which indexed whole would take more
/// memory than the worker may use. The model only read the request's pages, so its quotes are looked up
/// there; what a per-request index cannot see is a running header repeated only outside its pages.
enum GroundingIndex: Sendable {
    case shared(QuoteVerifier)
    case perRequest

    /// Documents with more characters than this are grounded per request (about 1,000 pages of dense
    /// text; the shared index then takes some 55 MB).
    static let sharedLimit = 4_000_000

    /// The index for `pages`, built on a thread of its own.
    static func make(pages: [AnalysisPage]) async -> GroundingIndex {
        let characters = pages.reduce(0) { $0 + $1.text.utf8.count }
        guard characters <= sharedLimit else { return .perRequest }
        return .shared(await QuoteVerifier.onOwnThread { QuoteVerifier(pages: pages) })
    }

    /// The verifier for the quotes of a request over `pageNumbers`.
    func verifier(for pageNumbers: ClosedRange<Int>, pages: [AnalysisPage]) async -> QuoteVerifier {
        switch self {
        case .shared(let verifier):
            return verifier
        case .perRequest:
            let subset = pages.filter { pageNumbers.contains($0.number) }
            return await QuoteVerifier.onOwnThread { QuoteVerifier(pages: subset) }
        }
    }
}
