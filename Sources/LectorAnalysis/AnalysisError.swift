import LectorCore

/// A failed analysis step: a profile that does not load, a document that cannot be planned, or a model
/// answer that stayed invalid after the retry.
///
/// `description` names files, fields, page numbers and schema paths, never document text or prompts.
public struct AnalysisError: LectorError, Equatable {
    /// What went wrong.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A profile file is missing, unreadable or has an invalid field.
        case profileInvalid = "profile_invalid"
        /// A single page is larger than the whole token budget: it can never be sent.
        case pageTooLarge = "page_too_large"
        /// The document has no pages, or the budget leaves no room for any page.
        case unplannable
        /// The model's answer stayed malformed after a retry with feedback.
        case invalidAnswer = "invalid_answer"
        /// The engine reported a context overflow for a single page.
        case contextOverflow = "context_overflow"
        /// One category's answer alone was cut at `max_tokens`: the profile's output cap is too small for it.
        case outputTooLarge = "output_too_large"
        /// A single page's images are more than the engine takes in one request.
        case tooManyImages = "too_many_images"
    }

    /// The class of failure.
    public var kind: Kind
    /// A short, safe explanation.
    public var detail: String
    /// The file concerned (profiles), when there is one.
    public var file: String?
    /// The field concerned (profiles) or the page concerned, when there is one.
    public var field: String?

    /// An error of `kind`; `detail` must not contain document text, prompts or secrets.
    public init(_ kind: Kind, detail: String, file: String? = nil, field: String? = nil) {
        self.kind = kind
        self.detail = detail
        self.file = file
        self.field = field
    }

    public var code: String { "analysis.\(kind.rawValue)" }

    public var description: String {
        var prefix = ""
        if let file { prefix += "\(file): " }
        if let field { prefix += "\(field): " }
        return prefix + detail
    }
}
