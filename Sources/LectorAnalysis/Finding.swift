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
    /// The page it is on: the first page where it was found, else the page the model named.
    public var page: Int?
    /// How the quote matched the page text; only ``QuoteMatch/exact`` and ``QuoteMatch/normalized`` are
    /// verified.
    public var match: QuoteMatch
    /// The page the model named, when the quote was found on another page.
    public var pageCorrectedFrom: Int?
    /// For an approximate match, what the page itself says at that place (so a reader never takes the
    /// model's wording for the contract's).
    public var documentText: String?
    /// Where the quote is: one span per page it covers (several when it crosses a page break), with
    /// character offsets in the page text and the boxes of its lines. Empty when it was not found.
    public var locations: [QuoteLocation]

    /// A quote.
    public init(
        text: String, page: Int?, match: QuoteMatch, pageCorrectedFrom: Int? = nil, documentText: String? = nil,
        locations: [QuoteLocation] = []
    ) {
        self.text = text
        self.page = page
        self.match = match
        self.pageCorrectedFrom = pageCorrectedFrom
        self.documentText = documentText
        self.locations = locations
    }

    /// Whether the page says exactly this, up to meaning-preserving normalisation.
    public var verified: Bool { match.isVerified }

    enum CodingKeys: String, CodingKey {
        case text, page, match, verified, locations
        case pageCorrectedFrom = "page_corrected_from"
        case documentText = "document_text"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text = try container.decode(String.self, forKey: .text)
        page = try container.decodeIfPresent(Int.self, forKey: .page)
        match = try container.decode(QuoteMatch.self, forKey: .match)
        pageCorrectedFrom = try container.decodeIfPresent(Int.self, forKey: .pageCorrectedFrom)
        documentText = try container.decodeIfPresent(String.self, forKey: .documentText)
        locations = try container.decodeIfPresent([QuoteLocation].self, forKey: .locations) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encodeIfPresent(page, forKey: .page)
        try container.encode(match, forKey: .match)
        try container.encode(verified, forKey: .verified)
        try container.encodeIfPresent(pageCorrectedFrom, forKey: .pageCorrectedFrom)
        try container.encodeIfPresent(documentText, forKey: .documentText)
        try container.encode(locations, forKey: .locations)
    }
}

/// How a quote matched the page text.
public enum QuoteMatch: String, Sendable, Hashable, Codable, CaseIterable {
    /// Byte for byte, on one page.
    case exact
    /// After meaning-preserving normalisation only: whitespace, line-end hyphenation, ligatures, quote
    /// marks and dashes, soft hyphens, Unicode compatibility forms, letter case; across a page break
    /// (skipping running headers, footers and page numbers); or elided parts found in order.
    case normalized
    /// Close to the page's text (OCR noise, a dropped comma) but not the same: never verified. The
    /// quote's ``VerifiedQuote/documentText`` holds what the page says. A different digit, currency
    /// sign, percent or negation is never approximate.
    case approximate
    /// Not in the document, or only with a meaning-changing difference.
    case notFound = "not_found"
    /// Too short to be attributed to one place (see ``QuoteVerifier/minimumWords``).
    case tooShort = "too_short"

    /// Whether the match is a verification: only `exact` and `normalized`.
    public var isVerified: Bool { self == .exact || self == .normalized }
}

/// Where a quote lies on one page.
public struct QuoteLocation: Sendable, Hashable, Codable {
    /// The page, from 1.
    public var page: Int
    /// Offsets in the page text, in Unicode scalars (PostgreSQL characters): `substr(text, start + 1,
    /// end - start)` is the passage.
    public var start: Int
    public var end: Int
    /// One rectangle per line of the passage, in PDF points on the page as displayed, origin top left;
    /// empty when the page's word boxes are not known.
    public var boxes: [QuoteBox]

    public init(page: Int, start: Int, end: Int, boxes: [QuoteBox] = []) {
        self.page = page
        self.start = start
        self.end = end
        self.boxes = boxes
    }
}

/// A rectangle on a page, in PDF points as displayed (rotation applied), origin top left.
public struct QuoteBox: Sendable, Hashable, Codable {
    public var x1: Double
    public var y1: Double
    public var x2: Double
    public var y2: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }

    /// The smallest rectangle holding both.
    public func union(_ other: QuoteBox) -> QuoteBox {
        QuoteBox(x1: min(x1, other.x1), y1: min(y1, other.y1), x2: max(x2, other.x2), y2: max(y2, other.y2))
    }
}

/// Something in a finding that contradicts itself, for a reviewer to look at first.
public enum GroundingFlag: String, Sendable, Hashable, Codable, CaseIterable {
    /// The clause is said to be present, but no quote was verified.
    case presentWithoutVerifiedQuote = "present_without_verified_quote"
    /// The clause is said to be absent, yet quotes were given.
    case absentWithQuotes = "absent_with_quotes"
    /// The normalised value (a date, an amount, a duration) appears in none of the verified quotes.
    case valueNotInQuotes = "value_not_in_quotes"
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
    /// Whether the normalised date, amount or duration appears in a verified quote; nil when the finding
    /// has no such value. Set by ``assessGrounding()``.
    public var valueGrounded: Bool?
    /// What contradicts itself in this finding. Set by ``assessGrounding()``.
    public var flags: [GroundingFlag] = []
    /// Where chunks of a long document disagreed about this category: both sides, as each chunk read
    /// them (nil: they agreed, or there was one chunk). Set by ``FindingsMerger``.
    public var conflict: FindingConflict?

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

    /// Quotes verified in the text.
    public var verifiedQuoteCount: Int { quotes.count(where: \.verified) }

    /// Sets ``valueGrounded`` and ``flags`` from the presence, the value and the quotes' matches.
    public mutating func assessGrounding() {
        let verified = quotes.filter(\.verified).map(\.text)
        valueGrounded = presence == .present ? ValueGrounding.isGrounded(normalized, in: verified) : nil
        var flags: [GroundingFlag] = []
        if presence == .present, verified.isEmpty { flags.append(.presentWithoutVerifiedQuote) }
        if presence == .absent, !quotes.isEmpty { flags.append(.absentWithQuotes) }
        if valueGrounded == false { flags.append(.valueNotInQuotes) }
        self.flags = flags
    }
}

/// Chunks of a long document that disagree about one category, with every side kept
/// (`findings.conflict`). The finding itself carries the side the merge kept; ``resolution`` says why.
public struct FindingConflict: Sendable, Hashable, Codable {
    /// What the chunks disagree about.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// One chunk found the clause on pages another chunk also read and called it absent.
        case presence
        /// Chunks quoted the clause, verified, with different normalised values.
        case value
    }

    /// One chunk's reading.
    public struct Side: Sendable, Hashable, Codable {
        /// The pages the chunk read.
        public var firstPage: Int
        public var lastPage: Int
        public var presence: Presence
        public var value: String?
        public var normalized: NormalizedValue?
        /// Quotes verified in the text.
        public var verifiedQuotes: Int
        /// The chunk's quotes, as grounded.
        public var quotes: [VerifiedQuote]

        public init(pages: ClosedRange<Int>, finding: Finding) {
            firstPage = pages.lowerBound
            lastPage = pages.upperBound
            presence = finding.presence
            value = finding.value
            normalized = finding.normalized.isEmpty ? nil : finding.normalized
            verifiedQuotes = finding.verifiedQuoteCount
            quotes = finding.quotes
        }

        enum CodingKeys: String, CodingKey {
            case presence, value, normalized, quotes
            case firstPage = "first_page"
            case lastPage = "last_page"
            case verifiedQuotes = "verified_quotes"
        }
    }

    /// Presence, value, or both.
    public var kinds: [Kind]
    /// Every chunk's reading that took part, in page order.
    public var sides: [Side]
    /// Why the kept side won, in one line.
    public var resolution: String

    public init(kinds: [Kind], sides: [Side], resolution: String) {
        self.kinds = kinds
        self.sides = sides
        self.resolution = resolution
    }
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

/// Facts about the document as a whole: as one answer of the model gives them (`document` in the findings
/// schema, without `conflicts`), and as the merge of all chunks stores them (`analyses.document_facts`).
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

    /// Decodes facts; `conflicts` is absent from a model's answer and defaults to none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        type = try container.decodeIfPresent(String.self, forKey: .type)
        parties = try container.decodeIfPresent([Party].self, forKey: .parties) ?? []
        governingLaw = try container.decodeIfPresent(String.self, forKey: .governingLaw)
        currency = try container.decodeIfPresent(String.self, forKey: .currency)
        totalValue = try container.decodeIfPresent(Double.self, forKey: .totalValue)
        conflicts = try container.decodeIfPresent([String].self, forKey: .conflicts) ?? []
    }
}
