import Foundation
import LectorEngine

/// Checks one model answer: the schema, real dates, well-formed durations and currencies, confidences
/// in range; page numbers outside the pages the request showed are dropped from a finding's `pages`
/// (the schema sent to the engine has no page bounds, so one grammar serves every request of a
/// profile), and a quote's claimed page is left to grounding, which finds the page the quote is on.
///
/// Problems name JSON paths and rules only, never values: they are fed back to the model and may be
/// logged.
public struct AnswerValidator: Sendable {
    /// The schema the answer must follow.
    public let schema: FindingsSchema

    public init(schema: FindingsSchema) { self.schema = schema }

    /// The outcome: the decoded answer, or the problems found.
    public enum Outcome: Sendable {
        case valid(ModelAnswer)
        case invalid([String])
    }

    /// Validates `json`, the answer to a request that showed `pages`.
    public func validate(_ json: JSONValue, pages: ClosedRange<Int>) -> Outcome {
        let schemaProblems = JSONSchemaValidator(schema: schema.json()).problems(in: json)
        if !schemaProblems.isEmpty { return .invalid(schemaProblems) }
        var answer: ModelAnswer
        do {
            answer = try JSONDecoder().decode(ModelAnswer.self, from: Data(json.serialized()))
        } catch {
            return .invalid(["/: does not decode as the findings answer"])
        }
        var problems: [String] = []
        for category in schema.categories {
            guard let finding = answer.findings[category.key] else {
                problems.append("/findings/\(category.key): missing")
                continue
            }
            let at = "/findings/\(category.key)"
            // A page the request did not show is the model's slip, not a reason to ask again.
            answer.findings[category.key]?.pages = finding.pages.filter { pages.contains($0) }
            for (i, quote) in finding.quotes.enumerated()
            where quote.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append("\(at)/quotes/\(i)/text: empty quote")
            }
            if !(0...1).contains(finding.confidence) { problems.append("\(at)/confidence: must be between 0 and 1") }
            if let normalized = finding.normalized {
                if let date = normalized.date, !Self.isRealDate(date) {
                    problems.append("\(at)/normalized/date: not a real calendar date in YYYY-MM-DD form")
                }
                if let duration = normalized.duration, !Self.isDuration(duration) {
                    problems.append("\(at)/normalized/duration: not an ISO 8601 duration such as P1Y or P30D")
                }
                if let currency = normalized.currency, !Self.isCurrency(currency) {
                    problems.append("\(at)/normalized/currency: not an ISO 4217 code")
                }
                if let amount = normalized.amount, !amount.isFinite || amount < 0 {
                    problems.append("\(at)/normalized/amount: must be a non-negative number")
                }
            }
        }
        if let currency = answer.document.currency, !Self.isCurrency(currency) {
            problems.append("/document/currency: not an ISO 4217 code")
        }
        return problems.isEmpty ? .valid(answer) : .invalid(problems)
    }

    /// Whether `text` is `YYYY-MM-DD` and a day that exists.
    public static func isRealDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1,
            // PostgreSQL has no year 0 ("0000-01-01" is refused): the model's mistake, not a date.
            year >= 1
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// Whether `text` is an ISO 8601 duration with at least one component (`P1Y`, `P3M`, `PT12H`).
    public static func isDuration(_ text: String) -> Bool {
        text.range(
            of: #"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"#,
            options: .regularExpression) != nil
    }

    /// Whether `text` looks like an ISO 4217 code (three upper-case letters).
    public static func isCurrency(_ text: String) -> Bool {
        text.count == 3 && text.allSatisfy { $0.isASCII && $0.isUppercase }
    }
}
