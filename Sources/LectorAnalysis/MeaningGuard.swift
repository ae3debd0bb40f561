/// Decides whether two near-identical texts could still say different things: a different number,
/// currency sign or percent, or a different negation. Such a pair is never an approximate match.
enum MeaningGuard {
    /// Words that negate or except, compared as they stand.
    static let negations: Set<String> = [
        "not", "no", "never", "neither", "nor", "without", "none", "nothing", "nobody", "nowhere", "non",
        "cannot", "except", "excepting", "unless", "excluding", "exclude", "excludes", "excluded", "notwithstanding",
    ]

    /// Prefixes that turn a word into its opposite ("exclusive" and "nonexclusive", "limited" and
    /// "unlimited", "revocable" and "irrevocable").
    static let negatingPrefixes = ["non", "un", "in", "im", "il", "ir", "dis"]

    /// Number words, compared like digits.
    static let numberWords: Set<String> = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
        "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion",
        "half", "double", "twice", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
        "ninth", "tenth",
    ]

    /// What must be equal between a quote and the page for the two to be close.
    struct Signature: Equatable {
        /// Every digit, in order, separators aside ("5,000,000" and "5000000" agree; "30" and "31" don't).
        var digits: [Unicode.Scalar] = []
        var numberWords: [String] = []
        /// Currency signs and percent signs, and the words for them, in order.
        var symbols: [String] = []
        var negations: [String] = []
        /// The other words, for the prefix test.
        var words: [String: Int] = [:]
    }

    static let symbolWords: Set<String> = ["percent", "per", "cent", "usd", "eur", "gbp", "dollars", "dollar", "euros", "euro", "pounds"]

    static func signature(_ normalized: some Collection<Unicode.Scalar>) -> Signature {
        var signature = Signature()
        let text = Array(normalized)
        var previousWord = ""
        var position = 0
        while position < text.count {
            let scalar = text[position]
            if scalar.properties.generalCategory == .currencySymbol || scalar == "%" || scalar == "\u{2030}" {
                signature.symbols.append(String(scalar))
            }
            guard TextNormalizer.isWordScalar(scalar) else {
                position += 1
                continue
            }
            var word = String.UnicodeScalarView()
            while position < text.count, TextNormalizer.isWordScalar(text[position]) {
                if text[position].properties.numericType != nil { signature.digits.append(text[position]) }
                word.append(text[position])
                position += 1
            }
            let string = String(word)
            // "don't", "isn't": the "t" after an apostrophe that follows an "n".
            let contraction = string == "t" && previousWord.hasSuffix("n") && position >= 2
                && (text[position - 2] == "'" || text[position - 2] == "\u{2019}")
            if negations.contains(string) || contraction {
                signature.negations.append(contraction ? "n't" : string)
            } else if numberWords.contains(string) {
                signature.numberWords.append(string)
            } else if symbolWords.contains(string) {
                signature.symbols.append(string)
            } else if !string.contains(where: { $0.isNumber }) {
                signature.words[string, default: 0] += 1
            }
            previousWord = string
        }
        return signature
    }

    /// Whether `quote` and `page` (both normalised) may differ only in ways that keep the meaning.
    static func sameMeaning(_ quote: some Collection<Unicode.Scalar>, _ page: some Collection<Unicode.Scalar>) -> Bool {
        let a = signature(quote)
        let b = signature(page)
        guard a.digits == b.digits, a.numberWords == b.numberWords, a.symbols == b.symbols, a.negations == b.negations
        else { return false }
        let onlyA = a.words.keys.filter { (b.words[$0] ?? 0) < a.words[$0]! }
        let onlyB = b.words.keys.filter { (a.words[$0] ?? 0) < b.words[$0]! }
        for x in onlyA {
            for y in onlyB where negates(x, y) || negates(y, x) { return false }
        }
        return true
    }

    /// Whether `longer` is `shorter` with a negating prefix.
    static func negates(_ longer: String, _ shorter: String) -> Bool {
        guard longer.count > shorter.count, longer.hasSuffix(shorter) else { return false }
        return negatingPrefixes.contains(String(longer.dropLast(shorter.count)))
    }
}
