import Foundation

// MARK: - Timestamps

extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind {
        // Microsecond precision, UTC, in a form PostgreSQL parses under any DateStyle.
        let micros = (timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = Int64((micros / 1_000_000).rounded(.down))
        let fraction = Int64(micros) - seconds * 1_000_000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let text = String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), fraction)
        return .text(text, oid: PostgresOID.timestamptz)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]]` (DateStyle ISO, which every Lector session sets),
    /// and plain dates as midnight UTC.
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>, oid: UInt32) -> Date? {
        guard oid == PostgresOID.timestamptz || oid == PostgresOID.timestamp || oid == PostgresOID.date else {
            return nil
        }
        var parser = TimestampParser(text: text)
        return parser.parse()
    }
}

/// A small, allocation-free parser of PostgreSQL's ISO timestamp output.
private struct TimestampParser {
    let text: UnsafeBufferPointer<UInt8>
    var index = 0

    init(text: UnsafeBufferPointer<UInt8>) { self.text = text }

    mutating func number(digits: Int) -> Int? {
        guard index + digits <= text.count else { return nil }
        var value = 0
        for _ in 0..<digits {
            let c = text[index]
            guard c >= 48, c <= 57 else { return nil }
            value = value * 10 + Int(c - 48)
            index += 1
        }
        return value
    }

    mutating func expect(_ c: Character) -> Bool {
        guard index < text.count, text[index] == c.asciiValue! else { return false }
        index += 1
        return true
    }

    mutating func parse() -> Date? {
        guard let year = number(digits: 4), expect("-"), let month = number(digits: 2), expect("-"),
            let day = number(digits: 2)
        else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offsetSeconds = 0
        if index < text.count {
            guard expect(" ") || expect("T"), let h = number(digits: 2), expect(":"), let m = number(digits: 2),
                expect(":"), let s = number(digits: 2)
            else { return nil }
            hour = h; minute = m; second = s
            if expect(".") {
                var scale = 0.1
                while index < text.count, text[index] >= 48, text[index] <= 57 {
                    fraction += Double(text[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
            }
            if index < text.count {
                let sign: Int
                if expect("+") { sign = 1 } else if expect("-") { sign = -1 } else if expect("Z") {
                    return index == text.count ? make() : nil
                } else { return nil }
                guard let oh = number(digits: 2) else { return nil }
                var om = 0, os = 0
                if expect(":") { om = number(digits: 2) ?? 0 }
                if expect(":") { os = number(digits: 2) ?? 0 }
                offsetSeconds = sign * (oh * 3600 + om * 60 + os)
            }
        }
        guard index == text.count else { return nil }
        return make()

        func make() -> Date? {
            let days = daysFromCivil(year: year, month: month, day: day)
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
            return Date(timeIntervalSince1970: Double(seconds) + fraction)
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
