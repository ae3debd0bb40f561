import Foundation
import LectorEngine

/// What every chunk of a long document is told about the whole contract, so that a chunk of pages
/// 400-520 knows who "the Licensor" is and what "Products" means: the parties, title, type and governing
/// law the first chunk's answer gave, the dates it found with verified quotes, and the terms the
/// contract defines (found in the text of every page: `("Term")` and `"Term" means`).
///
/// It is made from the first chunk's stored result and the page text only, so a retried job makes the
/// same digest again and the chunks it already has stay valid.
public struct DocumentDigest: Sendable, Hashable, Codable {
    /// A date the first chunk found, verified.
    public struct Dated: Sendable, Hashable, Codable {
        public var category: String
        public var date: String
    }

    /// A term the contract defines, and the page of its first definition.
    public struct DefinedTerm: Sendable, Hashable, Codable {
        public var term: String
        public var page: Int
    }

    public var title: String?
    public var type: String?
    public var parties: [Party]
    public var governingLaw: String?
    public var dates: [Dated]
    public var definedTerms: [DefinedTerm]

    enum CodingKeys: String, CodingKey {
        case title, type, parties, dates
        case governingLaw = "governing_law"
        case definedTerms = "defined_terms"
    }

    /// Terms kept at most; the text is cut to its token budget anyway.
    static let maxTerms = 200

    /// The digest of a document whose first chunk answered `first` (facts and findings).
    public init(first: [FindingsMerger.ChunkFindings], pages: [AnalysisPage]) {
        let merged = FindingsMerger.merge(first, categories: FindingCategory.all)
        title = merged.facts.title
        type = merged.facts.type
        parties = merged.facts.parties
        governingLaw = merged.facts.governingLaw
        let dateKeys = Set(FindingCategory.all.filter { $0.kind == .date }.map(\.key))
        dates = merged.findings.compactMap { finding in
            guard dateKeys.contains(finding.category), finding.presence == .present, finding.verifiedQuoteCount > 0,
                let date = finding.normalized.date
            else { return nil }
            return Dated(category: finding.category, date: date)
        }
        definedTerms = Self.definedTerms(in: pages)
    }

    /// Whether there is nothing to tell.
    public var isEmpty: Bool {
        title == nil && type == nil && parties.isEmpty && governingLaw == nil && dates.isEmpty && definedTerms.isEmpty
    }

    /// The digest as the prompt carries it, cut to about `maxTokens` (whole lines and terms; the
    /// defined terms are cut first, from the end).
    public func text(maxTokens: Int) -> String? {
        guard !isEmpty, maxTokens > 0 else { return nil }
        var lines = [
            "Context from the whole contract (its first pages and its definitions), to read the pages below; answer only from the pages below:"
        ]
        func clip(_ text: String) -> String { String(text.prefix(200)) }
        if let title { lines.append("Title: \(clip(title))") }
        if let type { lines.append("Type: \(clip(type))") }
        if !parties.isEmpty {
            lines.append("Parties: " + parties.prefix(12).map { clip($0.name) + ($0.role.map { " (\(clip($0)))" } ?? "") }.joined(separator: "; "))
        }
        if let governingLaw { lines.append("Governing law: \(clip(governingLaw))") }
        if !dates.isEmpty { lines.append("Dates: " + dates.map { "\($0.category) \($0.date)" }.joined(separator: "; ")) }
        var text = lines.joined(separator: "\n")
        guard TokenEstimate.textTokens(text) < maxTokens else { return String(text.prefix(maxTokens * 3)) }
        if !definedTerms.isEmpty {
            var line = "\nDefined terms (page of the definition):"
            for (index, term) in definedTerms.enumerated() {
                let item = "\(index == 0 ? " " : ", ")\"\(term.term)\" (\(term.page))"
                guard TokenEstimate.textTokens(text + line + item) <= maxTokens else { break }
                line += item
            }
            text += line
        }
        return text
    }

    /// Terms defined in `pages`, in order of their first definition.
    static func definedTerms(in pages: [AnalysisPage]) -> [DefinedTerm] {
        var seen = Set<String>()
        var terms: [DefinedTerm] = []
        for page in pages {
            let text = page.text as NSString
            for pattern in Self.patterns {
                for match in pattern.matches(in: page.text, range: NSRange(location: 0, length: text.length)) {
                    guard match.numberOfRanges > 1 else { continue }
                    let term = text.substring(with: match.range(at: 1)).trimmingCharacters(in: .whitespaces)
                    guard term.count >= 2, seen.insert(term.lowercased()).inserted else { continue }
                    terms.append(DefinedTerm(term: term, page: page.number))
                    if terms.count >= maxTerms { return terms }
                }
            }
        }
        return terms
    }

    /// `(the "Term")`, `("Term")` and `"Term" means` / `shall mean` / `has the meaning`, with straight
    /// or curly quotes; a term starts with a capital and runs up to 60 characters on one line.
    /// An `NSRegularExpression` is immutable once made and safe to match from any thread.
    nonisolated(unsafe) static let patterns: [NSRegularExpression] = [
        #"\(\s*(?:the|each|a|an|together|collectively)?[\s,]*["\u201C]([A-Z][A-Za-z0-9&.'\- ]{0,59})["\u201D]"#,
        #"["\u201C]([A-Z][A-Za-z0-9&.'\- ]{0,59})["\u201D]\s+(?:shall\s+)?(?:means?|has\s+the\s+meaning|have\s+the\s+meaning|refers?\s+to)\b"#,
    ].map { try! NSRegularExpression(pattern: $0) }
}
