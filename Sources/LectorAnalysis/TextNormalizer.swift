/// Normalises text for quote matching: ligatures, curly quotes, dashes, soft hyphens, hyphenation at
/// line breaks, case and whitespace, so that a verbatim quote matches the extracted text however the
/// PDF laid it out.
public enum TextNormalizer {
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
    public static func normalize(_ text: String) -> String {
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
    public static func alphanumerics(_ normalized: String) -> [Unicode.Scalar] {
        normalized.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }
    }
}
