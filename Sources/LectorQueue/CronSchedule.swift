import Foundation

/// A 5-field cron schedule (`minute hour day-of-month month day-of-week`) in a time zone.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and lists `a,b-c`; months and days
/// may be named (`jan`, `mon`); day-of-week 0 and 7 are Sunday. As in Vixie cron, when both
/// day-of-month and day-of-week are restricted, a day matching either runs. `@hourly`, `@daily`,
/// `@weekly`, `@monthly` and `@yearly` are accepted.
///
/// Daylight-saving changes follow Vixie cron for schedules with fixed hours (`30 2 * * *`): a time the
/// clocks skip (02:30 when they go from 02:00 to 03:00) runs once, at the change; a time that happens
/// twice (when they go back) runs once, the first time. Schedules for every hour run by the clock as it
/// is, including both passes of a repeated hour.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    public let timeZone: TimeZone
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let domRestricted: Bool
    let dowRestricted: Bool

    /// Parses `expression` for `timeZone` (an IANA name such as `Europe/Paris`; default UTC).
    ///
    /// - Throws: ``QueueError`` `invalidSchedule` naming the field that is wrong.
    public init(_ expression: String, timeZone: String = "UTC") throws {
        guard let zone = TimeZone(identifier: timeZone) else {
            throw QueueError(kind: .invalidSchedule, message: "unknown time zone \(timeZone)")
        }
        let macros = [
            "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
            "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
        ]
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let text = macros[trimmed.lowercased()] ?? trimmed
        let fields = text.split(whereSeparator: \.isWhitespace).map { String($0).lowercased() }
        guard fields.count == 5 else {
            throw QueueError(
                kind: .invalidSchedule, message: "a cron expression has 5 fields (minute hour day month weekday), got \(fields.count)")
        }
        let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        self.expression = expression
        self.timeZone = zone
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        daysOfMonth = try Self.field(fields[2], "day of month", 1...31)
        months = try Self.field(fields[3], "month", 1...12, names: monthNames, nameBase: 1)
        daysOfWeek = Set(try Self.field(fields[4], "day of week", 0...7, names: dayNames, nameBase: 0).map { $0 % 7 })
        domRestricted = fields[2] != "*" && fields[2] != "?"
        dowRestricted = fields[4] != "*" && fields[4] != "?"
    }

    public var description: String { "\(expression) (\(timeZone.identifier))" }

    private static func field(
        _ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], nameBase: Int = 0
    ) throws -> Set<Int> {
        func value(_ s: Substring) throws -> Int {
            if let n = Int(s) { return n }
            if let i = names.firstIndex(of: String(s)) { return i + nameBase }
            throw QueueError(kind: .invalidSchedule, message: "\(name): '\(s)' is not a number")
        }
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, !pieces[0].isEmpty else {
                throw QueueError(kind: .invalidSchedule, message: "\(name): '\(part)' is malformed")
            }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else {
                    throw QueueError(kind: .invalidSchedule, message: "\(name): step '\(pieces[1])' must be a positive number")
                }
                step = s
            }
            var low: Int, high: Int
            if pieces[0] == "*" || pieces[0] == "?" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = pieces[0].firstIndex(of: "-") {
                low = try value(pieces[0][..<dash])
                high = try value(pieces[0][pieces[0].index(after: dash)...])
            } else {
                low = try value(pieces[0])
                high = pieces.count == 2 ? range.upperBound : low
            }
            guard range.contains(low), range.contains(high), low <= high else {
                throw QueueError(
                    kind: .invalidSchedule, message: "\(name): '\(part)' is outside \(range.lowerBound)-\(range.upperBound)")
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    private func dayMatches(_ c: DateComponents) -> Bool {
        guard let month = c.month, months.contains(month), let day = c.day, let weekday = c.weekday else { return false }
        let dom = daysOfMonth.contains(day)
        let dow = daysOfWeek.contains(weekday - 1)
        if domRestricted && dowRestricted { return dom || dow }
        return dom && dow
    }

    /// Whether the hour field names particular hours: such schedules get the daylight-saving rules.
    private var fixedHours: Bool { hours.count < 24 }

    /// Whether `date`'s wall time already happened (the second pass of the hour the clocks go back).
    private func isRepeatedWallTime(_ date: Date) -> Bool {
        guard let change = timeZone.nextDaylightSavingTimeTransition(after: date.addingTimeInterval(-86_400)), change <= date
        else { return false }
        let back = timeZone.secondsFromGMT(for: change.addingTimeInterval(-1)) - timeZone.secondsFromGMT(for: change)
        return back > 0 && date.timeIntervalSince(change) < Double(back)
    }

    /// Whether the clocks skip a wall time of this schedule at `change` (a daylight-saving transition).
    private func skipsTick(at change: Date) -> Bool {
        let before = change.addingTimeInterval(-60)
        let forward = (timeZone.secondsFromGMT(for: change) - timeZone.secondsFromGMT(for: before.addingTimeInterval(59))) / 60
        guard fixedHours, forward > 0 else { return false }
        let c = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: before)
        guard dayMatches(c) else { return false }
        let last = c.hour! * 60 + c.minute!
        for skipped in (last + 1)..<(last + 1 + forward) where skipped < 24 * 60 {
            if hours.contains(skipped / 60) && minutes.contains(skipped % 60) { return true }
        }
        return false
    }

    /// The transitions in `(after, through]` at which a skipped tick runs.
    private func skippedTicks(after start: Date, through end: Date) -> [Date] {
        var found: [Date] = []
        var cursor = start
        while let change = timeZone.nextDaylightSavingTimeTransition(after: cursor), change <= end {
            if skipsTick(at: change) { found.append(change) }
            cursor = change
        }
        return found
    }

    /// The first tick strictly after `date`, or nil when none comes within eight years (`30 2 31 2 *`).
    public func nextTick(after date: Date) -> Date? {
        let regular = nextWallClockTick(after: date)
        let end = regular ?? date.addingTimeInterval(8 * 366 * 86_400)
        return skippedTicks(after: date, through: end).first ?? regular
    }

    /// The last tick at or before `date`, or nil when none was within eight years.
    public func previousTick(atOrBefore date: Date) -> Date? {
        let regular = previousWallClockTick(atOrBefore: date)
        let start = regular ?? date.addingTimeInterval(-8 * 366 * 86_400)
        return skippedTicks(after: start, through: date).last ?? regular
    }

    private func nextWallClockTick(after date: Date) -> Date? {
        let calendar = self.calendar
        var t = (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60
        let limit = date.timeIntervalSince1970 + 8 * 366 * 86_400
        while t <= limit {
            let d = Date(timeIntervalSince1970: t)
            let c = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: d)
            if !dayMatches(c) {
                guard let next = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: d)) else { return nil }
                t = next.timeIntervalSince1970
            } else if !hours.contains(c.hour!) {
                t += Double(60 - c.minute!) * 60
            } else if !minutes.contains(c.minute!) || (fixedHours && isRepeatedWallTime(d)) {
                t += 60
            } else {
                return d
            }
        }
        return nil
    }

    private func previousWallClockTick(atOrBefore date: Date) -> Date? {
        let calendar = self.calendar
        var t = (date.timeIntervalSince1970 / 60).rounded(.down) * 60
        let limit = date.timeIntervalSince1970 - 8 * 366 * 86_400
        while t >= limit {
            let d = Date(timeIntervalSince1970: t)
            let c = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: d)
            if !dayMatches(c) {
                t = calendar.startOfDay(for: d).timeIntervalSince1970 - 60
            } else if !hours.contains(c.hour!) {
                t -= Double(c.minute! + 1) * 60
            } else if !minutes.contains(c.minute!) || (fixedHours && isRepeatedWallTime(d)) {
                t -= 60
            } else {
                return d
            }
        }
        return nil
    }
}
