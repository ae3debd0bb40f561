/// A reader for RFC 4180 CSV: fields separated by commas, records by CRLF or LF, fields in double quotes
/// may hold commas, line breaks and doubled quotes.
///
/// CUAD's label file needs exactly this (its fields hold quoted clause texts with line breaks), so a
/// small reader beats a dependency.
public enum CSVReader {
    /// A malformed file: a quote inside an unquoted field, or text after a closing quote.
    public struct Malformed: Error, Sendable, Equatable {
        /// The 1-based record where the problem is.
        public var record: Int
        public var reason: String
    }

    /// The records of `text`, each a list of fields; a trailing line break does not make an empty record.
    public static func records(_ text: String) throws(Malformed) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var afterQuote = false  // a quoted field just closed: only a separator or a line end may follow
        var fieldStarted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()

        func endField() {
            record.append(field)
            field = ""
            afterQuote = false
            fieldStarted = false
        }

        while let scalar = pending {
            pending = iterator.next()
            if inQuotes {
                if scalar == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = iterator.next()
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                endField()
                fieldStarted = true
            case "\r", "\n":
                if scalar == "\r", pending == "\n" { pending = iterator.next() }
                endField()
                records.append(record)
                record = []
            case "\"":
                guard !fieldStarted || field.isEmpty, !afterQuote else {
                    throw Malformed(record: records.count + 1, reason: "a quote inside an unquoted field")
                }
                inQuotes = true
                fieldStarted = true
            default:
                if afterQuote { throw Malformed(record: records.count + 1, reason: "text after a closing quote") }
                field.unicodeScalars.append(scalar)
                fieldStarted = true
            }
        }
        if inQuotes { throw Malformed(record: records.count + 1, reason: "a quoted field is not closed") }
        if fieldStarted || !field.isEmpty || !record.isEmpty || afterQuote {
            endField()
            records.append(record)
        }
        return records
    }
}
