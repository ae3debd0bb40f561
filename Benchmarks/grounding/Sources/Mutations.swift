import Foundation

/// One meaning-changing edit per variant of a quote: a "not" dropped or added, one digit changed,
/// "exclusive" for "non-exclusive" (and back), "with" for "without" (and back), "either" for "neither",
/// an exception or condition dropped, a currency or percent sign changed, a negating prefix dropped or
/// added.
enum Mutations {
    static func variants(of span: String) -> [(String, String)] {
        var variants: [(String, String)] = []
        func add(_ kind: String, _ text: String?) {
            guard let text, text != span else { return }
            variants.append((kind, text))
        }
        add("not_dropped", replacing(#"\bnot\s+"#, in: span, with: ""))
        if !matches(#"\bnot\b"#, span) {
            add("not_added", replacing(#"\b(shall|will|may|must|is|are)\s+"#, in: span, with: "$1 not "))
        }
        add("digit", changingDigit(span))
        add("exclusive", replacing(#"\bnon-?exclusive\b"#, in: span, with: "exclusive") ?? replacing(#"\bexclusive\b"#, in: span, with: "non-exclusive"))
        add("without", replacing(#"\bwithout\b"#, in: span, with: "with") ?? replacing(#"\bwith\b"#, in: span, with: "without"))
        add("neither", replacing(#"\b([Nn])either\b"#, in: span, with: "either"))
        add("nor", replacing(#"\bnor\b"#, in: span, with: "or"))
        add("no", replacing(#"\bno\s+"#, in: span, with: ""))
        add("never", replacing(#"\bnever\b"#, in: span, with: "always"))
        add("except", replacing(#"\bexcept\s+"#, in: span, with: ""))
        add("unless", replacing(#"\bunless\b"#, in: span, with: "if"))
        add("currency", replacing(#"\$"#, in: span, with: "€"))
        add("percent", replacing(#"%"#, in: span, with: ""))
        add("prefix", replacing(#"\b(un|in|ir|non-?)(limited|direct|revocable|conditional|transferable|exclusive)\b"#, in: span, with: "$2")
            ?? replacing(#"\b(limited|revocable|conditional|transferable)\b"#, in: span, with: "un$1"))
        return variants
    }

    static func matches(_ pattern: String, _ text: String) -> Bool {
        (try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]))?
            .firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// `text` with the first match of `pattern` replaced; nil when nothing matches.
    static func replacing(_ pattern: String, in text: String, with template: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range, in: text)
        else { return nil }
        let replacement = regex.replacementString(for: match, in: text, offset: 0, template: template)
        return text.replacingCharacters(in: range, with: replacement)
    }

    /// The first digit changed to the next one.
    static func changingDigit(_ text: String) -> String? {
        guard let index = text.firstIndex(where: { $0.isASCII && $0.isNumber }), let digit = text[index].wholeNumberValue else { return nil }
        return text.replacingCharacters(in: index...index, with: String((digit + 1) % 10))
    }
}
