/// Whether a category's clause is in the contract.
public enum Presence: String, Sendable, Hashable, Codable, CaseIterable {
    /// The contract has it; quotes support it.
    case present
    /// The contract does not have it (the model looked).
    case absent
    /// The model could not tell.
    case unclear
}

/// How much a finding should worry a reviewer.
public enum RiskLevel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case none, low, medium, high

    private var rank: Int {
        switch self {
        case .none: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        }
    }

    public static func < (lhs: RiskLevel, rhs: RiskLevel) -> Bool { lhs.rank < rhs.rank }
}

/// A finding's value in a typed form: which fields are set depends on the category's
/// ``FindingCategory/ValueKind``.
public struct NormalizedValue: Sendable, Hashable, Codable {
    /// `YYYY-MM-DD`.
    public var date: String?
    /// ISO 8601 duration, for example `P1Y` or `P30D`.
    public var duration: String?
    /// An amount in `currency`.
    public var amount: Double?
    /// ISO 4217 code.
    public var currency: String?
    /// Whether the clause grants, restricts or applies.
    public var boolean: Bool?

    /// A value; all fields optional.
    public init(date: String? = nil, duration: String? = nil, amount: Double? = nil, currency: String? = nil, boolean: Bool? = nil) {
        self.date = date
        self.duration = duration
        self.amount = amount
        self.currency = currency
        self.boolean = boolean
    }

    /// Whether no field is set.
    public var isEmpty: Bool { date == nil && duration == nil && amount == nil && currency == nil && boolean == nil }
}

/// A verbatim quote behind a finding, after grounding against the page text.
public struct VerifiedQuote: Sendable, Hashable, Codable {
    /// The quote as the model gave it.
    public var text: String
    /// The page it is on: the page where it was found, else the page the model named.
    public var page: Int?
    /// Whether the quote was found in the extracted text.
    public var verified: Bool
    /// How it was found: `exact`, `normalized`, `tolerant`, or nil when it was not.
    public var match: QuoteMatch?
    /// The page the model named, when the quote was found on another page.
    public var pageCorrectedFrom: Int?

    /// A quote.
    public init(text: String, page: Int?, verified: Bool, match: QuoteMatch?, pageCorrectedFrom: Int? = nil) {
        self.text = text
        self.page = page
        self.verified = verified
        self.match = match
        self.pageCorrectedFrom = pageCorrectedFrom
    }
}

/// How a quote matched the page text.
public enum QuoteMatch: String, Sendable, Hashable, Codable {
    /// Byte for byte.
    case exact
    /// After normalising whitespace, hyphenation, case, ligatures and quote marks.
    case normalized
    /// Within a small edit distance (OCR-like noise).
    case tolerant
}

/// One category's answer for a document, grounded and merged.
public struct Finding: Sendable, Hashable, Codable {
    /// The category key (``FindingCategory/key``).
    public var category: String
    /// Present, absent or unclear.
    public var presence: Presence
    /// The value in words, as the contract says it.
    public var value: String?
    /// The typed value.
    public var normalized: NormalizedValue
    /// Pages that support the finding, ascending.
    public var pages: [Int]
    /// The quotes, each marked verified or not.
    public var quotes: [VerifiedQuote]
    /// The model's confidence, 0...1.
    public var confidence: Double
    /// The risk level.
    public var risk: RiskLevel
    /// One line on why.
    public var riskRationale: String?

    /// A finding.
    public init(
        category: String, presence: Presence, value: String?, normalized: NormalizedValue, pages: [Int],
        quotes: [VerifiedQuote], confidence: Double, risk: RiskLevel, riskRationale: String?
    ) {
        self.category = category
        self.presence = presence
        self.value = value
        self.normalized = normalized
        self.pages = pages
        self.quotes = quotes
        self.confidence = confidence
        self.risk = risk
        self.riskRationale = riskRationale
    }

    /// Quotes found in the text.
    public var verifiedQuoteCount: Int { quotes.count(where: \.verified) }
}

/// A party to the contract and its role (licensor, customer, supplier, ...).
public struct Party: Sendable, Hashable, Codable {
    /// The name as written.
    public var name: String
    /// The role, when the contract names one.
    public var role: String?

    /// A party.
    public init(name: String, role: String?) {
        self.name = name
        self.role = role
    }
}

/// Facts about the document as a whole.
public struct DocumentFacts: Sendable, Hashable, Codable {
    public var title: String?
    /// The kind of contract (licence, supply, NDA, ...).
    public var type: String?
    public var parties: [Party]
    public var governingLaw: String?
    /// ISO 4217 code of the contract's main currency.
    public var currency: String?
    /// The contract's total value in `currency`, when stated.
    public var totalValue: Double?
    /// Fields whose values differed between chunks (the first chunk's value is kept).
    public var conflicts: [String]

    /// Facts; empty by default.
    public init(
        title: String? = nil, type: String? = nil, parties: [Party] = [], governingLaw: String? = nil,
        currency: String? = nil, totalValue: Double? = nil, conflicts: [String] = []
    ) {
        self.title = title
        self.type = type
        self.parties = parties
        self.governingLaw = governingLaw
        self.currency = currency
        self.totalValue = totalValue
        self.conflicts = conflicts
    }

    enum CodingKeys: String, CodingKey {
        case title, type, parties, currency, conflicts
        case governingLaw = "governing_law"
        case totalValue = "total_value"
    }
}
