import LectorEngine

/// The strict JSON schema of the model's answer, generated from ``FindingCategory/all``.
///
/// Every selected category is a required member of `findings`, so the model must answer each one
/// (present, absent or unclear): "absent" stays distinguishable from "not looked at". Every object lists
/// all its members as required and forbids others, as strict structured output demands; optional values
/// are `null`-able instead.
public struct FindingsSchema: Sendable, Hashable {
    /// The categories asked for, in table order.
    public var categories: [FindingCategory]
    /// Limits that keep answers short (a small model's output cap).
    public var limits: OutputLimits
    /// Whether the answer carries the document facts (the other requests of a split answer leave them
    /// to the first).
    public var document: Bool

    /// Size limits written into the schema.
    public struct OutputLimits: Sendable, Hashable, Codable {
        /// Most quotes per finding.
        public var maxQuotes: Int
        /// Longest quote, in characters.
        public var maxQuoteLength: Int
        /// Longest value, name or rationale, in characters.
        public var maxValueLength: Int
        /// Most parties in the document facts.
        public var maxParties: Int

        public init(maxQuotes: Int = 4, maxQuoteLength: Int = 600, maxValueLength: Int = 300, maxParties: Int = 8) {
            self.maxQuotes = maxQuotes
            self.maxQuoteLength = maxQuoteLength
            self.maxValueLength = maxValueLength
            self.maxParties = maxParties
        }
    }

    /// A schema for `categories` (all of them by default).
    public init(categories: [FindingCategory] = FindingCategory.all, limits: OutputLimits = OutputLimits(), document: Bool = true) {
        self.categories = categories
        self.limits = limits
        self.document = document
    }

    /// The schema's name in `response_format`.
    public static let name = "contract_findings"

    /// The JSON schema; page numbers are bounded to `pages` when given (the pages one request shows).
    public func json(pages: ClosedRange<Int>? = nil) -> JSONValue {
        var page: [String: JSONValue] = ["type": "integer"]
        if let pages {
            page["minimum"] = .number(Double(pages.lowerBound))
            page["maximum"] = .number(Double(pages.upperBound))
        }
        let pageSchema = JSONValue.object(page)
        let text = JSONValue.object(["type": ["string", "null"], "maxLength": .number(Double(limits.maxValueLength))])
        let quote: JSONValue = Self.object([
            "page": pageSchema,
            "text": ["type": "string", "minLength": 1, "maxLength": .number(Double(limits.maxQuoteLength))],
        ])
        var findings: [String: JSONValue] = [:]
        for category in categories {
            findings[category.key] = Self.object([
                "presence": ["type": "string", "enum": ["present", "absent", "unclear"]],
                "value": text,
                "normalized": Self.normalized(category.kind),
                "pages": ["type": "array", "items": pageSchema, "maxItems": .number(Double(max(4, limits.maxQuotes)))],
                "quotes": ["type": "array", "items": quote, "maxItems": .number(Double(limits.maxQuotes))],
                "confidence": ["type": "number", "minimum": 0, "maximum": 1],
                "risk": ["type": "string", "enum": ["none", "low", "medium", "high"]],
                "risk_rationale": text,
            ])
        }
        // Every string is bounded: a small model given an unbounded string can spend its whole output cap on it.
        let party: JSONValue = Self.object([
            "name": ["type": "string", "minLength": 1, "maxLength": .number(Double(limits.maxValueLength))], "role": text,
        ])
        let document: JSONValue = Self.object([
            "title": text,
            "type": text,
            "parties": ["type": "array", "items": party, "maxItems": .number(Double(limits.maxParties))],
            "governing_law": text,
            "currency": ["type": ["string", "null"], "pattern": "^[A-Z]{3}$"],
            "total_value": ["type": ["number", "null"]],
        ])
        guard self.document else { return Self.object(["findings": Self.object(findings)]) }
        return Self.object(["document": document, "findings": Self.object(findings)])
    }

    /// The `response_format` schema for one request.
    public func responseSchema(pages: ClosedRange<Int>? = nil) -> ResponseSchema {
        ResponseSchema(name: Self.name, schema: json(pages: pages))
    }

    static func normalized(_ kind: FindingCategory.ValueKind) -> JSONValue {
        switch kind {
        case .text: return ["type": "null"]
        case .date:
            return nullable(object(["date": ["type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"]]))
        case .duration:
            return nullable(object(["duration": ["type": ["string", "null"], "pattern": "^P[0-9YMWDTHS.]+$"]]))
        case .amount:
            return nullable(object([
                "amount": ["type": ["number", "null"]], "currency": ["type": ["string", "null"], "pattern": "^[A-Z]{3}$"],
            ]))
        case .boolean: return nullable(object(["boolean": ["type": ["boolean", "null"]]]))
        }
    }

    static func nullable(_ schema: JSONValue) -> JSONValue { ["anyOf": [schema, ["type": "null"]]] }

    static func object(_ properties: [String: JSONValue]) -> JSONValue {
        [
            "type": "object",
            "properties": .object(properties),
            "required": .array(properties.keys.sorted().map(JSONValue.string)),
            "additionalProperties": false,
        ]
    }
}
