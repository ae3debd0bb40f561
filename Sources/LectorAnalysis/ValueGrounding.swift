import Foundation

/// Whether a finding's normalised value (a date, an amount, a duration) can be read in its quotes:
/// "2021-03-15" in "March 15, 2021" or "15/03/2021", 1000000 in "$1,000,000" or "one million",
/// `P30D` in "thirty (30) days", `P1Y` in "twelve months".
enum ValueGrounding {
    /// Nil when the value has no date, amount or duration; else whether one of `quotes` states each of
    /// those it has.
    static func isGrounded(_ value: NormalizedValue, in quotes: [String]) -> Bool? {
        guard value.date != nil || value.amount != nil || value.duration != nil else { return nil }
        let texts = quotes.map { Tokens(TextNormalizer.normalize($0)) }
        if let date = value.date, let parts = dateParts(date) {
            guard texts.contains(where: { $0.states(date: parts) }) else { return false }
        }
        if let amount = value.amount, amount.isFinite {
            guard texts.contains(where: { $0.numbers.contains { Self.close($0, amount) } }) else { return false }
        }
        if let duration = value.duration, let parsed = durationParts(duration) {
            guard texts.contains(where: { $0.states(duration: parsed) }) else { return false }
        }
        return true
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= max(0.005, abs(b) * 0.0005) }

    static func dateParts(_ date: String) -> (year: Int, month: Int, day: Int)? {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    /// `P1Y`, `P6M`, `P2W`, `P30D` as a count and a unit; nil for anything else.
    static func durationParts(_ duration: String) -> (count: Double, unit: Character)? {
        guard duration.hasPrefix("P"), let unit = duration.last, "YMWD".contains(unit),
            let count = Double(duration.dropFirst().dropLast()), count.isFinite
        else { return nil }
        return (count, unit)
    }

    static let months = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ]

    static let small: [String: Double] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
        "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
    ]
    static let scales: [String: Double] = ["hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000]

    /// A quote's words, and the numbers it states (in digits or in words, with their scale words).
    struct Tokens {
        var words: [String] = []
        /// Each number and the index of the word after it.
        var numbered: [(value: Double, next: Int)] = []
        var numbers: [Double] { numbered.map(\.value) }

        init(_ normalized: String) {
            // Words; a digit group keeps its separators ("1,000,000.50"; "15/03/2021" is three numbers).
            let scalars = Array(normalized.unicodeScalars)
            func isDigit(_ index: Int) -> Bool { scalars[index].properties.generalCategory == .decimalNumber }
            var position = 0
            while position < scalars.count {
                let start = position
                if isDigit(position) {
                    while position < scalars.count,
                        isDigit(position)
                            || ((scalars[position] == "," || scalars[position] == ".") && position + 1 < scalars.count
                                && isDigit(position + 1))
                    {
                        position += 1
                    }
                } else if TextNormalizer.isWordScalar(scalars[position]) {
                    while position < scalars.count, TextNormalizer.isWordScalar(scalars[position]), !isDigit(position) {
                        position += 1
                    }
                } else {
                    position += 1
                    continue
                }
                var word = String.UnicodeScalarView()
                word.append(contentsOf: scalars[start..<position])
                words.append(String(word))
            }
            var i = 0
            while i < words.count {
                if let digits = Self.number(words[i]) {
                    var value = digits
                    var j = i + 1
                    while j < words.count, let scale = scales[words[j]] {
                        value *= scale
                        j += 1
                    }
                    numbered.append((value, j))
                    i += 1
                    continue
                }
                if let first = small[words[i]] {
                    var value = first
                    var total = 0.0
                    var j = i + 1
                    while j < words.count {
                        if let more = small[words[j]], words[j] != "a", words[j] != "an" {
                            value += more
                        } else if let scale = scales[words[j]] {
                            value *= scale
                            if scale >= 1_000 {
                                total += value
                                value = 0
                            }
                        } else if words[j] == "and" {
                        } else {
                            break
                        }
                        j += 1
                    }
                    numbered.append((total + value, j))
                    i = j
                    continue
                }
                i += 1
            }
        }

        /// "1,000,000.50" as a number; nil for a word.
        static func number(_ word: String) -> Double? {
            guard word.first?.isNumber == true else { return nil }
            let digits = word.filter { $0 != "," }
            if let value = Double(digits), value.isFinite { return value }
            let leading = word.prefix { $0.isNumber }
            return Double(leading)
        }

        func states(date: (year: Int, month: Int, day: Int)) -> Bool {
            let values = Set(numbers.map { Int(exactly: $0.rounded()) ?? -1 })
            let hasYear = values.contains(date.year) || (values.contains(date.year % 100) && words.contains { $0.count == 2 })
            let name = ValueGrounding.months[date.month - 1]
            let hasMonth =
                words.contains { $0 == name || ($0.count >= 3 && name.hasPrefix($0)) } || values.contains(date.month)
            let hasDay = date.day == 1 || values.contains(date.day) || words.contains { Self.ordinal($0) == date.day }
            return hasYear && hasMonth && hasDay
        }

        static let ordinals = [
            "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
            "tenth": 10, "fifteenth": 15, "twentieth": 20, "thirtieth": 30,
        ]

        static func ordinal(_ word: String) -> Int? {
            if let known = ordinals[word] { return known }
            for suffix in ["st", "nd", "rd", "th"] where word.hasSuffix(suffix) {
                return Int(word.dropLast(2))
            }
            return nil
        }

        func states(duration: (count: Double, unit: Character)) -> Bool {
            for (value, next) in numbered {
                // The unit follows within three words: "thirty (30) days", "12 calendar months".
                for word in words[min(next, words.count)..<min(next + 4, words.count)] {
                    guard let unit = Self.unit(word) else { continue }
                    if Self.same(value, unit, duration.count, duration.unit) { return true }
                    break
                }
            }
            return false
        }

        static func unit(_ word: String) -> Character? {
            switch word {
            case "year", "years", "annual", "annually": "Y"
            case "month", "months": "M"
            case "week", "weeks": "W"
            case "day", "days": "D"
            default: nil
            }
        }

        static func same(_ a: Double, _ unitA: Character, _ b: Double, _ unitB: Character) -> Bool {
            func months(_ value: Double, _ unit: Character) -> Double? {
                unit == "Y" ? value * 12 : unit == "M" ? value : nil
            }
            func days(_ value: Double, _ unit: Character) -> Double? {
                unit == "W" ? value * 7 : unit == "D" ? value : nil
            }
            if let x = months(a, unitA), let y = months(b, unitB) { return x == y }
            if let x = days(a, unitA), let y = days(b, unitB) { return x == y }
            return false
        }
    }
}
