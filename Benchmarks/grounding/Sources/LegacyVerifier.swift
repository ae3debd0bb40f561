import Foundation
import LectorAnalysis

// The grounding Lector shipped before issue 14 (commit 4de75d8), kept here only as the peer the
// grounding benchmark measures in the same run: a tolerant, boundary-free match that marked edited
// quotes verified.
/// Normalises text for quote matching: ligatures, curly quotes, dashes, soft hyphens, hyphenation at
/// line breaks, case and whitespace, so that a verbatim quote matches the extracted text however the
/// PDF laid it out.
enum LegacyNormalizer {
    /// Characters replaced before anything else.
    static let replacements: [Unicode.Scalar: String] = [
        "\u{FB00}": "ff", "\u{FB01}": "fi", "\u{FB02}": "fl", "\u{FB03}": "ffi", "\u{FB04}": "ffl", "\u{FB05}": "st",
        "\u{FB06}": "st", "\u{2018}": "'", "\u{2019}": "'", "\u{201A}": "'", "\u{201B}": "'", "\u{2032}": "'",
        "\u{201C}": "\"", "\u{201D}": "\"", "\u{201E}": "\"", "\u{201F}": "\"", "\u{2033}": "\"", "\u{00AB}": "\"",
        "\u{00BB}": "\"", "\u{2010}": "-", "\u{2011}": "-", "\u{2012}": "-", "\u{2013}": "-", "\u{2014}": "-",
        "\u{2015}": "-", "\u{2212}": "-", "\u{00A0}": " ", "\u{2007}": " ", "\u{202F}": " ", "\u{2009}": " ",
        "\u{00AD}": "", "\u{200B}": "", "\u{FEFF}": "", "\u{2026}": "...",
    ]

    /// The normalised form: mapped characters, words joined across hyphenated line breaks, lower case,
    /// runs of whitespace as one space, trimmed.
    static func normalize(_ text: String) -> String {
        var mapped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if let replacement = replacements[scalar] {
                mapped.append(contentsOf: replacement.unicodeScalars)
            } else {
                mapped.append(scalar)
            }
        }
        let scalars = Array(mapped)
        var out = String.UnicodeScalarView()
        var i = 0
        var pendingSpace = false
        while i < scalars.count {
            let scalar = scalars[i]
            // "termi-\nnation": a hyphen, whitespace with a line break, then a lower-case letter.
            if scalar == "-" {
                var j = i + 1
                var sawNewline = false
                while j < scalars.count, scalars[j].properties.isWhitespace {
                    if scalars[j] == "\n" || scalars[j] == "\r" { sawNewline = true }
                    j += 1
                }
                if sawNewline, j < scalars.count, scalars[j].properties.isLowercase, i > 0, scalars[i - 1].properties.isAlphabetic {
                    i = j
                    continue
                }
            }
            if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                i += 1
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            out.append(contentsOf: String(scalar).lowercased().unicodeScalars)
            i += 1
        }
        return String(out)
    }

    /// Letters and digits only, lower-cased: what survives OCR-like noise in spacing and punctuation.
    static func alphanumerics(_ normalized: String) -> [Unicode.Scalar] {
        normalized.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }
    }
}
/// Checks quotes against the extracted page text (DESIGN §8, grounding).
///
/// A quote is searched exactly, then normalised (``LegacyNormalizer``), then on letters and digits only,
/// first on the page the model named and then on every other page; a quote found on another page gets
/// that page, and the page the model named is kept. Last, a tolerant match (edit distance up to a tenth
/// of the quote's letters, for OCR-like noise) is tried on the named page and its neighbours. A quote
/// found nowhere is returned unverified, never dropped.
struct LegacyVerifier: Sendable {
    struct IndexedPage: Sendable {
        var number: Int
        var raw: String
        var normalized: String
        var alphanumerics: [Unicode.Scalar]
    }

    let pages: [IndexedPage]

    /// The shortest quote (in letters and digits) that may match tolerantly: shorter ones would match
    /// by chance.
    static let tolerantMinimum = 20

    /// A verifier over a document's pages (all of them, not only one request's).
    init(pages: [AnalysisPage]) {
        self.pages = pages.map { page in
            let normalized = LegacyNormalizer.normalize(page.text)
            return IndexedPage(
                number: page.number, raw: page.text, normalized: normalized,
                alphanumerics: LegacyNormalizer.alphanumerics(normalized))
        }
    }

    /// Whether the old rules called the quote verified.
    func verify(_ text: String, page: Int?) -> Bool {
        let normalized = LegacyNormalizer.normalize(text)
        let letters = LegacyNormalizer.alphanumerics(normalized)
        guard !letters.isEmpty else { return false }
        let ordered = pages.filter { $0.number == page } + pages.filter { $0.number != page }
        let levels: [(IndexedPage) -> Bool] = [
            { $0.raw.contains(text) },
            { $0.normalized.contains(normalized) },
            { Self.contains($0.alphanumerics, letters) },
        ]
        for test in levels where ordered.contains(where: test) { return true }
        if letters.count >= Self.tolerantMinimum {
            let budget = max(1, letters.count / 10)
            let nearby = ordered.filter { candidate in page.map { abs(candidate.number - $0) <= 1 } ?? true }
            if nearby.contains(where: { Self.approximatelyContains($0.alphanumerics, letters, maxEdits: budget) }) { return true }
        }
        return false
    }

    static func contains(_ haystack: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Whether `needle` occurs in `haystack` with at most `maxEdits` insertions, deletions or
    /// substitutions (Sellers' approximate substring matching).
    static func approximatelyContains(_ haystack: [Unicode.Scalar], _ needle: [Unicode.Scalar], maxEdits: Int) -> Bool {
        let m = needle.count
        guard m > 0, haystack.count + maxEdits >= m else { return false }
        var previous = Array(0...m)
        var current = [Int](repeating: 0, count: m + 1)
        for character in haystack {
            current[0] = 0  // a match may start anywhere in the haystack
            for j in 1...m {
                let substitution = previous[j - 1] + (needle[j - 1] == character ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            if current[m] <= maxEdits { return true }
            swap(&previous, &current)
        }
        return false
    }
}
