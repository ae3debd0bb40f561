/// The model's answer for one request, exactly as the findings schema shapes it.
public struct ModelAnswer: Sendable, Hashable, Codable {
    /// A quote as the model gave it.
    public struct Quote: Sendable, Hashable, Codable {
        public var page: Int
        public var text: String

        public init(page: Int, text: String) {
            self.page = page
            self.text = text
        }
    }

    /// One category's answer.
    public struct Answer: Sendable, Hashable, Codable {
        public var presence: Presence
        public var value: String?
        public var normalized: NormalizedValue?
        public var pages: [Int]
        public var quotes: [Quote]
        public var confidence: Double
        public var risk: RiskLevel
        public var riskRationale: String?

        public init(
            presence: Presence, value: String? = nil, normalized: NormalizedValue? = nil, pages: [Int] = [],
            quotes: [Quote] = [], confidence: Double = 0.5, risk: RiskLevel = .none, riskRationale: String? = nil
        ) {
            self.presence = presence
            self.value = value
            self.normalized = normalized
            self.pages = pages
            self.quotes = quotes
            self.confidence = confidence
            self.risk = risk
            self.riskRationale = riskRationale
        }

        enum CodingKeys: String, CodingKey {
            case presence, value, normalized, pages, quotes, confidence, risk
            case riskRationale = "risk_rationale"
        }
    }

    /// The document facts (``DocumentFacts``; the model never sends `conflicts`, the merge sets them).
    public var document: DocumentFacts
    /// Answers by category key.
    public var findings: [String: Answer]

    public init(document: DocumentFacts, findings: [String: Answer]) {
        self.document = document
        self.findings = findings
    }

    enum CodingKeys: String, CodingKey { case document, findings }

    /// Decodes an answer; one without `document` (a request that did not ask for the facts) has empty facts.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        document = try container.decodeIfPresent(DocumentFacts.self, forKey: .document) ?? DocumentFacts()
        findings = try container.decode([String: Answer].self, forKey: .findings)
    }
}
