import Foundation
import LectorEngine

/// A fake model that reads the pages it is sent: for each category the request's findings schema asks
/// for, the first sentence on its pages that a keyword rule matches is quoted verbatim ("present", with
/// the page and, for dates, the ISO date it names); every other category is "absent". The answer is
/// valid for the request's schema, whatever categories and limits it has.
///
/// It stands in for a model on documents too long for the test machine's small real engine (the
/// 2,040-page benchmark): the pipeline around it (planning, chunks, digest, grounding, merge, storage)
/// is real, and the answers are deterministic and grounded in the pages, so two chunks that read the
/// same page agree about it and chunks that read different contracts disagree about their dates.
public enum FakeReader {
    /// A keyword rule: a sentence containing one of `words` (lower-cased) answers the category.
    struct Rule {
        var words: [String]
        var kind: Kind
        enum Kind { case text, date, boolean }
    }

    static let rules: [String: Rule] = [
        "governing_law": Rule(words: ["governed by", "governing law"], kind: .text),
        "agreement_date": Rule(words: ["dated as of", "entered into as of", "made and entered into", "is made as of"], kind: .date),
        "effective_date": Rule(words: ["effective date", "effective as of"], kind: .date),
        "anti_assignment": Rule(words: ["not assign", "not be assigned", "may not be assigned", "without the prior written consent"], kind: .boolean),
        "non_compete": Rule(words: ["not compete", "non-compet", "noncompet"], kind: .boolean),
        "exclusivity": Rule(words: ["exclusive"], kind: .boolean),
        "audit_rights": Rule(words: ["audit"], kind: .boolean),
        "insurance": Rule(words: ["insurance"], kind: .boolean),
        "termination_for_convenience": Rule(words: ["terminate this agreement for convenience", "for any reason upon", "without cause"], kind: .boolean),
        "change_of_control": Rule(words: ["change of control", "change in control"], kind: .boolean),
    ]

    /// The answer to `request` (a chat completion whose `response_format` is a findings schema), as JSON text.
    public static func answer(to request: FakeRequest) -> String {
        let body = request.json
        let schema = body?["response_format"]?["json_schema"]?["schema"]
        let findingsSchema = schema?["properties"]?["findings"]?["properties"]?.objectValue ?? [:]
        let asksDocument = schema?["properties"]?["document"] != nil
        let pages = self.pages(in: body)
        var findings: [String: JSONValue] = [:]
        for (key, categorySchema) in findingsSchema {
            let maxQuote = categorySchema["properties"]?["quotes"]?["items"]?["properties"]?["text"]?["maxLength"]?.intValue ?? 600
            let maxValue = categorySchema["properties"]?["value"]?["maxLength"]?.intValue ?? 300
            // The typed value's members, as the schema allows them (none: the value is `null`).
            let normalized = categorySchema["properties"]?["normalized"]?["anyOf"]?.arrayValue?.first?["properties"]?.objectValue
            findings[key] = answer(key, pages: pages, maxQuote: maxQuote, maxValue: maxValue, normalizedFields: Set((normalized ?? [:]).keys))
        }
        var answer: [String: JSONValue] = ["findings": .object(findings)]
        if asksDocument {
            let title = pages.first.flatMap { page in
                page.text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
            }
            let law = pages.lazy.compactMap { sentence(in: $0.text, containing: ["governed by"]) }.first
            answer["document"] = [
                "title": title.map { .string(String($0.prefix(200))) } ?? .null, "type": "contract", "parties": [],
                "governing_law": law.flatMap(lawName).map(JSONValue.string) ?? .null, "currency": .null, "total_value": .null,
            ]
        }
        return String(decoding: JSONValue.object(answer).serialized(), as: UTF8.self)
    }

    /// A page as the request shows it.
    public struct Page: Sendable {
        public var number: Int
        public var text: String
    }

    /// The pages of the user message: each text part that opens with a page marker.
    public static func pages(in body: JSONValue?) -> [Page] {
        var pages: [Page] = []
        for message in body?["messages"]?.arrayValue ?? [] where message["role"]?.stringValue == "user" {
            for part in message["content"]?.arrayValue ?? [] {
                guard let text = part["text"]?.stringValue, text.hasPrefix("=== Page "),
                    let close = text.range(of: " ===\n")
                else { continue }
                let number = Int(text[text.index(text.startIndex, offsetBy: 9)..<close.lowerBound]) ?? 0
                pages.append(Page(number: number, text: String(text[close.upperBound...])))
            }
        }
        return pages
    }

    static func answer(_ key: String, pages: [Page], maxQuote: Int, maxValue: Int, normalizedFields: Set<String>) -> JSONValue {
        let absent: JSONValue = [
            "presence": "absent", "value": .null, "normalized": .null, "pages": [], "quotes": [], "confidence": 0.8,
            "risk": "none", "risk_rationale": .null,
        ]
        guard let rule = rules[key] else { return absent }
        for page in pages {
            guard let found = sentence(in: page.text, containing: rule.words) else { continue }
            var normalized: JSONValue = .null
            if rule.kind == .date {
                guard let date = isoDate(in: found) else { continue }
                if normalizedFields.contains("date") { normalized = ["date": .string(date)] }
            } else if rule.kind == .boolean, normalizedFields.contains("boolean") {
                normalized = ["boolean": true]
            }
            let quote = clipped(found, to: maxQuote)
            let value = rule.kind == .text ? (lawName(found) ?? clipped(found, to: maxValue)) : clipped(found, to: min(maxValue, 120))
            return [
                "presence": "present", "value": .string(clipped(value, to: maxValue)), "normalized": normalized,
                "pages": [.number(Double(page.number))], "quotes": [["page": .number(Double(page.number)), "text": .string(quote)]],
                "confidence": 0.9, "risk": "low", "risk_rationale": .null,
            ]
        }
        return absent
    }

    /// The first sentence of `text` (verbatim, line breaks kept) holding one of `words`, case-insensitively.
    static func sentence(in text: String, containing words: [String]) -> String? {
        let lower = text.lowercased()
        guard lower.count == text.count,
            let hit = words.compactMap({ lower.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound })
        else { return nil }
        // The same offsets in the original: lower-casing kept the character count.
        let offset = lower.distance(from: lower.startIndex, to: hit.lowerBound)
        let at = text.index(text.startIndex, offsetBy: offset)
        var start = at
        while start > text.startIndex {
            let before = text.index(before: start)
            if text[before] == "." || text[before] == ";" { break }
            start = before
        }
        var end = at
        while end < text.endIndex, text[end] != "." && text[end] != ";" { end = text.index(after: end) }
        let sentence = text[start..<end].trimmingCharacters(in: .whitespacesAndNewlines)
        return sentence.split(whereSeparator: \.isWhitespace).count >= 4 ? sentence : nil
    }

    /// `text` cut to at most `limit` characters, at a word end (still verbatim).
    static func clipped(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let prefix = text.prefix(max(1, limit))
        guard let space = prefix.lastIndex(where: \.isWhitespace), space > prefix.startIndex else { return String(prefix) }
        return String(prefix[..<space])
    }

    static let months = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ]

    /// The first "Month D, YYYY" in `text`, as YYYY-MM-DD.
    static func isoDate(in text: String) -> String? {
        let words = text.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "," })
        for (index, word) in words.enumerated() where index + 2 < words.count {
            guard let month = months.firstIndex(of: String(word)),
                let day = Int(words[index + 1].filter(\.isNumber)), (1...31).contains(day),
                let year = Int(words[index + 2].prefix(4)), (1900...2100).contains(year)
            else { continue }
            return String(format: "%04d-%02d-%02d", year, month + 1, day)
        }
        return nil
    }

    /// "New York" from "... governed by the laws of the State of New York ...".
    static func lawName(_ sentence: String) -> String? {
        guard let range = sentence.range(of: "laws of ", options: .caseInsensitive) else { return nil }
        var rest = sentence[range.upperBound...]
        for prefix in ["the State of ", "the state of ", "the Commonwealth of ", "the "] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
        }
        let name = rest.prefix { $0.isLetter || $0 == " " }.split(separator: " ").prefix(4)
            .prefix { $0.first?.isUppercase == true }.joined(separator: " ")
        return name.isEmpty ? nil : name
    }
}
