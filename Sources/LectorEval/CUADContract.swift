/// One labelled contract of CUAD: its PDF's file name and, per Lector category, the expert labels.
public struct CUADContract: Sendable, Hashable {
    /// The labels of one category.
    public struct Label: Sendable, Hashable {
        /// The highlighted clause texts; empty when the category is not in the contract.
        public var spans: [String]
        /// CUAD's answer column (`Kansas`, `1/6/16`, `successive 1 year`, `Yes`), or empty.
        public var answer: String

        /// A category's labels.
        public init(spans: [String], answer: String) {
            self.spans = spans
            self.answer = answer
        }

        /// Whether the experts found the clause.
        public var isPresent: Bool { !spans.isEmpty }
    }

    /// The PDF's file name in the corpus folder (the `corpus_file` column).
    public var file: String
    /// Labels by Lector category key.
    public var labels: [String: Label]

    /// A labelled contract.
    public init(file: String, labels: [String: Label]) {
        self.file = file
        self.labels = labels
    }
}
