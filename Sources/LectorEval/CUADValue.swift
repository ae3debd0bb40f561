import Foundation

/// Value agreement for the dated and named categories: CUAD's answer and a finding's value, each
/// normalised (ISO dates, ISO 8601 durations, names), compared.
///
/// A CUAD answer that does not name a value (`[]/[]/2000`, `perpetual`, empty) is not comparable and
/// does not count; a comparable label whose finding is missing, absent or unparseable counts as
/// disagreement.
public enum CUADValue {
    /// How a category's values are compared.
    public enum Rule: String, Sendable, Hashable, Codable {
        case date, duration, governingLaw = "governing_law", parties
    }

    /// The categories with value agreement, by Lector key: the one place that says which are scored.
    public static let rules: [String: Rule] = [
        "agreement_date": .date, "effective_date": .date, "expiration_date": .date,
        "renewal_term": .duration, "notice_period": .duration,
        "governing_law": .governingLaw, "parties": .parties,
    ]

    /// What the scorer knows of a finding's value.
    public struct FindingValue: Sendable, Hashable {
        /// The value in words.
        public var text: String?
        /// The normalised date (`YYYY-MM-DD`).
        public var date: String?
        /// The normalised ISO 8601 duration.
        public var duration: String?

        /// A value; all parts optional.
        public init(text: String? = nil, date: String? = nil, duration: String? = nil) {
            self.text = text
            self.date = date
            self.duration = duration
        }
    }

    /// Whether the label's answer is comparable under `rule`.
    public static func isComparable(_ label: CUADContract.Label, rule: Rule) -> Bool {
        switch rule {
        case .date: isoDate(fromCUAD: label.answer) != nil
        case .duration: duration(fromCUAD: label.answer) != nil
        case .governingLaw: !jurisdictions(label.answer).isEmpty
        case .parties: !partyNames(label).isEmpty
        }
    }

    /// Whether `value` agrees with the label's answer under `rule`; false when the label is not comparable.
    public static func agrees(_ value: FindingValue, with label: CUADContract.Label, rule: Rule) -> Bool {
        switch rule {
        case .date:
            guard let expected = isoDate(fromCUAD: label.answer), let date = value.date else { return false }
            return expected == date
        case .duration:
            guard let expected = duration(fromCUAD: label.answer), let text = value.duration,
                let actual = DurationValue(iso8601: text)
            else { return false }
            return expected == actual
        case .governingLaw:
            let expected = jurisdictions(label.answer)
            let actual = lawWords(value.text ?? "")
            guard !expected.isEmpty, !actual.isEmpty else { return false }
            let said = " " + actual.joined(separator: " ") + " "
            return expected.allSatisfy { said.contains(" " + $0.joined(separator: " ") + " ") }
        case .parties:
            let known = partyNames(label)
            let named = (value.text ?? "").split(whereSeparator: { $0 == ";" || $0 == "\n" })
                .map { nameKey(String($0)) }.filter { !$0.isEmpty }
            guard !known.isEmpty, !named.isEmpty else { return false }
            // Every party the finding names must be one the experts highlighted (either name inside the
            // other: "Intuit" and "Intuit Inc." are the same party; a one-word defined term such as "Bank"
            // only matches when the finding names nothing more).
            return named.allSatisfy { name in
                known.contains { $0.contains(name) || (name.contains($0) && ($0.contains(" ") || $0 == name)) }
            }
        }
    }

    // MARK: - Dates

    /// CUAD's `M/D/YY` (or `M/D/YYYY`) answer as `YYYY-MM-DD`; nil when a part is unknown (`[]`) or it is
    /// not a date. Two-digit years below 50 are 20xx (CUAD's contracts date from 1993 to 2020).
    public static func isoDate(fromCUAD answer: String) -> String? {
        let parts = answer.trimmingCharacters(in: .whitespaces).split(separator: "/")
        guard parts.count == 3, let month = Int(parts[0]), let day = Int(parts[1]), var year = Int(parts[2]) else {
            return nil
        }
        if parts[2].count <= 2 { year += year < 50 ? 2000 : 1900 }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day, calendar.component(.month, from: date) == month
        else { return nil }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    // MARK: - Durations

    /// A duration as months and days, so that `P12M` equals `P1Y` and `P2W` equals `P14D`.
    public struct DurationValue: Sendable, Hashable, CustomStringConvertible {
        public var months: Int
        public var days: Int

        /// A duration of `months` and `days`.
        public init(months: Int, days: Int) {
            self.months = months
            self.days = days
        }

        /// An ISO 8601 date duration (`P1Y`, `P6M`, `P90D`, `P1Y6M`, `P2W`); time parts must be zero.
        public init?(iso8601 text: String) {
            var rest = Substring(text.uppercased().trimmingCharacters(in: .whitespaces))
            guard rest.hasPrefix("P"), rest.count > 1 else { return nil }
            rest = rest.dropFirst()
            var months = 0
            var days = 0
            var number = ""
            var inTime = false
            for character in rest {
                if character.isNumber || character == "." {
                    number.append(character)
                    continue
                }
                if character == "T" {
                    inTime = true
                    continue
                }
                guard let value = Double(number), value == value.rounded() else { return nil }
                number = ""
                let n = Int(value)
                switch (character, inTime) {
                case ("Y", false): months += 12 * n
                case ("M", false): months += n
                case ("W", false): days += 7 * n
                case ("D", false): days += n
                case ("H", true), ("M", true), ("S", true): if n != 0 { return nil }
                default: return nil
                }
            }
            guard number.isEmpty else { return nil }
            self.init(months: months, days: days)
        }

        /// The shortest ISO 8601 form: `P1Y6M`, `P30D`.
        public var description: String {
            if months == 0 { return "P\(days)D" }
            let years = months / 12
            let rest = months % 12
            return "P" + (years > 0 ? "\(years)Y" : "") + (rest > 0 ? "\(rest)M" : "") + (days > 0 ? "\(days)D" : "")
        }
    }

    /// The first `<number> <unit>` of a CUAD answer (`successive 1 year`, `30 days`, `3 months`,
    /// `one year`), or nil (`perpetual`, empty).
    public static func duration(fromCUAD answer: String) -> DurationValue? {
        let words = answer.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        let numbers = [
            "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "eleven": 11, "twelve": 12, "thirty": 30, "sixty": 60, "ninety": 90,
        ]
        for (index, word) in words.enumerated() where index + 1 < words.count {
            guard let n = Int(word) ?? numbers[word] else { continue }
            switch words[index + 1] {
            case "year", "years": return DurationValue(months: 12 * n, days: 0)
            case "month", "months": return DurationValue(months: n, days: 0)
            case "week", "weeks": return DurationValue(months: 0, days: 7 * n)
            case "day", "days": return DurationValue(months: 0, days: n)
            default: continue
            }
        }
        return nil
    }

    // MARK: - Names

    /// Words that say "the law of" rather than which law.
    static let lawFiller: Set<String> = [
        "the", "state", "of", "laws", "law", "commonwealth", "and", "governed", "by", "construed", "in",
        "accordance", "with", "province", "republic", "kingdom", "federal", "united", "states", "usa", "us",
    ]

    /// A governing-law text's significant words, lower-cased.
    static func lawWords(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init).filter { !lawFiller.contains($0) }
    }

    /// The jurisdictions of a CUAD answer (`England; Wales` is two), each as its significant words.
    static func jurisdictions(_ answer: String) -> [[String]] {
        answer.split(separator: ";").map { lawWords(String($0)) }.filter { !$0.isEmpty }
    }

    /// A party name for comparison: lower-cased letters and digits, single spaces.
    static func nameKey(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }

    /// The party names the experts gave: the highlighted spans and the answer's names (defined terms in
    /// parentheses left out).
    static func partyNames(_ label: CUADContract.Label) -> [String] {
        // Defined terms are parenthesised and quoted: `Intuit Inc. ("Intuit"); Stamps.com Inc. ("Client")`.
        let withoutTerms = label.answer.replacingOccurrences(
            of: #"\([^()]*["“”][^()]*\)"#, with: " ", options: .regularExpression)
        let names = withoutTerms.filter { $0 != "(" && $0 != ")" }.split(separator: ";").map(String.init)
        return (label.spans + names).map(nameKey).filter { !$0.isEmpty }
    }
}
