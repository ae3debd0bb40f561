import LectorCore

/// Why a PDF could not be extracted, with a stable code for metrics, exit statuses and job errors.
///
/// `description` says what happened and how to act on it; it never contains document text or the
/// password.
public struct PDFError: LectorError, Equatable {
    /// The kind of failure; its raw value is the stable code.
    public enum Kind: String, Sendable, CaseIterable {
        /// The bytes are not a PDF at all (empty, or no `%PDF-` header).
        case notPDF = "pdf.not_pdf"
        /// A PDF that Poppler cannot read (broken cross-reference table, trailer or catalog).
        case damaged = "pdf.damaged"
        /// Encrypted, and no password was given.
        case passwordRequired = "pdf.password_required"
        /// Encrypted, and the password given does not open it.
        case wrongPassword = "pdf.wrong_password"
        /// The document opens but has no pages.
        case noPages = "pdf.no_pages"
        /// Over a limit: bytes, pages, page size or pixels, or the child's memory limit.
        case tooLarge = "pdf.too_large"
        /// The wall-clock or CPU limit of the isolated extraction ran out.
        case timedOut = "pdf.timed_out"
        /// Poppler (or the child process running it) crashed.
        case crashed = "pdf.crashed"
        /// A page could not be rendered or encoded.
        case renderFailed = "pdf.render_failed"
        /// The child process could not be started or spoke an unexpected protocol.
        case isolationFailed = "pdf.isolation_failed"
    }

    /// What went wrong.
    public var kind: Kind
    /// One line a person can act on.
    public var reason: String
    /// Whether the failure may be the machine's rather than the document's: the child was killed by
    /// SIGKILL (the OOM killer, acting for other processes) or ran out of wall-clock time (under load).
    /// Worth one more try; a CPU-limit or parse failure is not.
    public var transient: Bool

    /// Makes an error of `kind` with a one-line `reason`.
    public init(_ kind: Kind, _ reason: String, transient: Bool = false) {
        self.kind = kind
        self.reason = reason
        self.transient = transient
    }

    public var code: String { kind.rawValue }
    public var description: String { reason }

    /// Whether retrying the same document can help: a broken, encrypted or oversized file stays so.
    public var isPermanent: Bool {
        switch kind {
        case .isolationFailed: false
        default: true
        }
    }
}
