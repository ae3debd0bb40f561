/// Reads a Python `repr` of a list of strings (`['a', "it's"]`), the form CUAD uses for the highlighted
/// clause texts of a category.
public enum PythonStringList {
    /// The text is not a list of string literals.
    public struct Malformed: Error, Sendable, Equatable {
        public var reason: String
    }

    /// The strings of `text`; an empty field or `[]` is an empty list.
    public static func parse(_ text: String) throws(Malformed) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func skipSpace() { while i < scalars.count, scalars[i].properties.isWhitespace { i += 1 } }
        skipSpace()
        if i == scalars.count { return [] }
        guard scalars[i] == "[" else { throw Malformed(reason: "does not start with [") }
        i += 1
        var strings: [String] = []
        while true {
            skipSpace()
            guard i < scalars.count else { throw Malformed(reason: "the list is not closed") }
            if scalars[i] == "]" {
                i += 1
                break
            }
            let quote = scalars[i]
            guard quote == "'" || quote == "\"" else { throw Malformed(reason: "an element is not a string literal") }
            i += 1
            var value = String.UnicodeScalarView()
            var closed = false
            while i < scalars.count {
                let scalar = scalars[i]
                i += 1
                if scalar == quote {
                    closed = true
                    break
                }
                guard scalar == "\\", i < scalars.count else {
                    value.append(scalar)
                    continue
                }
                let escaped = scalars[i]
                i += 1
                switch escaped {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                case "x", "u", "U":
                    let width = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                    guard i + width <= scalars.count,
                        let code = UInt32(String(String.UnicodeScalarView(scalars[i..<(i + width)])), radix: 16),
                        let decoded = Unicode.Scalar(code)
                    else { throw Malformed(reason: "a bad \\\(escaped) escape") }
                    value.append(decoded)
                    i += width
                default:
                    // \\, \', \" stand for themselves; Python keeps unknown escapes with their backslash.
                    if escaped != "\\" && escaped != "'" && escaped != "\"" { value.append("\\") }
                    value.append(escaped)
                }
            }
            guard closed else { throw Malformed(reason: "a string is not closed") }
            strings.append(String(value))
            skipSpace()
            guard i < scalars.count else { throw Malformed(reason: "the list is not closed") }
            if scalars[i] == "," { i += 1 }
        }
        skipSpace()
        guard i == scalars.count else { throw Malformed(reason: "text after the list") }
        return strings
    }
}
