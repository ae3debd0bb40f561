import LectorCore

/// A decision that cannot be recorded: no such finding (for this tenant), a quote that is not on the
/// page, or an invalid request (a bad answer, a note too long...).
public struct ReviewError: LectorError {
    public enum Kind: String, Sendable {
        /// No finding of that id for the tenant (the pages answer 404).
        case notFound = "not_found"
        /// The chosen quote does not verify on the page's stored text.
        case quoteNotOnPage = "quote_not_on_page"
        /// Something else about the request is not acceptable.
        case invalid
    }
    public var kind: Kind
    /// One line a reviewer can act on.
    public var detail: String

    /// An error.
    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var code: String { "review.\(kind.rawValue)" }
    public var description: String { detail }
}
