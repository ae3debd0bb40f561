import Foundation

/// Normalises text for quote matching with meaning-preserving steps only: ligatures and other Unicode
/// compatibility forms, curly quotes, dashes, soft hyphens, hyphenation at line breaks, letter case and
/// whitespace. Punctuation, digits and words are kept as they are: a dropped comma or a changed word is a
/// difference, not a normal form.
public enum TextNormalizer {
    /// Characters replaced before anything else.
    static let replacements: [Unicode.Scalar: String] = [
        "\u{FB00}": "ff", "\u{FB01}": "fi", "\u{FB02}": "fl", "\u{FB03}": "ffi", "\u{FB04}": "ffl", "\u{FB05}": "st",
        "\u{FB06}": "st", "\u{2018}": "'", "\u{2019}": "'", "\u{201A}": "'", "\u{201B}": "'", "\u{2032}": "'",
        "\u{201C}": "\"", "\u{201D}": "\"", "\u{201E}": "\"", "\u{201F}": "\"", "\u{2033}": "\"", "\u{00AB}": "\"",
        "\u{00BB}": "\"", "\u{2010}": "-", "\u{2011}": "-", "\u{2012}": "-", "\u{2013}": "-", "\u{2014}": "-",
        "\u{2015}": "-", "\u{2212}": "-", "\u{00A0}": " ", "\u{2007}": " ", "\u{202F}": " ", "\u{2009}": " ",
        "\u{00AD}": "", "\u{200B}": "", "\u{200C}": "", "\u{200D}": "", "\u{2060}": "", "\u{FEFF}": "",
        "\u{2026}": "...",
    ]

    /// The normalised form: mapped characters, words joined across hyphenated line breaks, lower case,
    /// runs of whitespace as one space, trimmed.
    public static func normalize(_ text: String) -> String {
        let mapped = normalized(Array(text.unicodeScalars))
        var scalars = String.UnicodeScalarView()
        for (index, scalar) in mapped.scalars.enumerated() where !mapped.optional.contains(index) { scalars.append(scalar) }
        return String(scalars)
    }

    /// Normalised scalars, each with the offset of the scalar of `source` it came from.
    struct Mapped {
        var scalars: [Unicode.Scalar] = []
        var sources: [Int32] = []
        /// Offsets in `scalars` of hyphens at line ends before a lower-case letter: "termi-\nnation" and
        /// "non-\nexclusive" both, so a quote may have the hyphen or not.
        var optional: Set<Int> = []
    }

    /// Normalises `source`, treating the scalars at offsets in `skipped` as whitespace (running headers
    /// and footers); the result maps each scalar back to its offset in `source`.
    static func normalized(_ source: [Unicode.Scalar], skipped: (Int) -> Bool = { _ in false }) -> Mapped {
        var out = Mapped()
        out.scalars.reserveCapacity(source.count)
        out.sources.reserveCapacity(source.count)
        var cache: [Unicode.Scalar: [Unicode.Scalar]] = [:]
        var pendingSpace = false
        // A space stands for the first whitespace of its run (so that it maps inside the passage).
        var spaceSource = 0
        var i = 0
        while i < source.count {
            let scalar = source[i]
            if skipped(i) || scalar.properties.isWhitespace {
                if !pendingSpace { spaceSource = i }
                pendingSpace = !out.scalars.isEmpty
                i += 1
                continue
            }
            // "termi-\nnation": a hyphen after a letter, whitespace with a line break, a lower-case letter.
            if scalar == "-" || scalar == "\u{2010}" || scalar == "\u{00AD}", i > 0, source[i - 1].properties.isAlphabetic {
                var j = i + 1
                var sawNewline = false
                while j < source.count, source[j].properties.isWhitespace {
                    if source[j] == "\n" || source[j] == "\r" { sawNewline = true }
                    j += 1
                }
                if sawNewline, j < source.count, source[j].properties.isLowercase {
                    out.optional.insert(out.scalars.count)
                    out.scalars.append("-")
                    out.sources.append(Int32(truncatingIfNeeded: i))
                    pendingSpace = false
                    i = j
                    continue
                }
            }
            let mapped: [Unicode.Scalar]
            if scalar.isASCII {
                let value = scalar.value
                mapped = [(value >= 65 && value <= 90) ? Unicode.Scalar(value + 32)! : scalar]
            } else if let known = cache[scalar] {
                mapped = known
            } else {
                let replaced = replacements[scalar] ?? String(scalar).precomposedStringWithCompatibilityMapping
                let lowered = Array(replaced.lowercased().unicodeScalars)
                    .map { replacements[$0].map { Array($0.unicodeScalars) } ?? [$0] }.joined()
                mapped = Array(lowered)
                cache[scalar] = mapped
            }
            for piece in mapped {
                if piece.properties.isWhitespace {
                    if !pendingSpace { spaceSource = i }
                    pendingSpace = !out.scalars.isEmpty
                    continue
                }
                if pendingSpace {
                    out.scalars.append(" ")
                    out.sources.append(Int32(truncatingIfNeeded: spaceSource))
                    pendingSpace = false
                }
                out.scalars.append(piece)
                out.sources.append(Int32(truncatingIfNeeded: i))
            }
            i += 1
        }
        return out
    }

    /// Letters and digits only, lower-cased: what survives OCR-like noise in spacing and punctuation.
    public static func alphanumerics(_ normalized: String) -> [Unicode.Scalar] {
        normalized.unicodeScalars.filter(isWordScalar)
    }

    /// Whether `b` continues the word that `a` is in: both letters, or both digits. Letters and digits
    /// touching ("13.1This", "Section2") are different words: extraction often loses the space there.
    static func sameWord(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        guard isWordScalar(a), isWordScalar(b) else { return false }
        return isDigit(a) == isDigit(b)
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? (scalar.value >= 48 && scalar.value <= 57) : scalar.properties.numericType != nil
    }

    /// Whether `scalar` belongs to a word: a letter, a mark or a digit.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 48 && v <= 57) || (v >= 97 && v <= 122) || (v >= 65 && v <= 90)
        }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }
}
