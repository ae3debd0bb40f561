import LectorCore

/// Why an evaluation cannot run or a stored run cannot be read.
///
/// The code is stable (`eval.labels`, `eval.pdfs`, `eval.split`, `eval.selection`, `eval.no_contracts`,
/// `eval.run_not_found`, `eval.output`); the description names files and run ids, never contract text.
public struct EvalError: LectorError {
    public enum Kind: String, Sendable {
        /// The labels file cannot be read or is not CUAD's shape.
        case labels
        /// The PDF folder cannot be read.
        case pdfs
        /// The split file cannot be read, names no contract, or names contracts that are not labelled or
        /// have no PDF.
        case split
        /// The sample size is not positive.
        case selection
        /// No labelled contract has its PDF in the folder.
        case noContracts = "no_contracts"
        /// A stored run does not exist.
        case runNotFound = "run_not_found"
        /// A report cannot be written.
        case output
    }

    public var kind: Kind
    public var detail: String

    /// An error of `kind`; `detail` is the one line a user reads.
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var code: String { "eval.\(kind.rawValue)" }
    public var description: String { detail }
}
