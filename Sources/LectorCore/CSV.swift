import Foundation

/// CSV lines for exports that people open in spreadsheets (RFC 4180: fields quoted when they hold a
/// comma, quote or line break; CRLF endings).
///
/// File names, page text and model output reach these cells, so a field that a spreadsheet would take for
/// a formula (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return: `=HYPERLINK(...)`,
/// `@SUM(...)`, `=cmd|' /C calc'!A0`) is neutralised with a leading apostrophe, which spreadsheets show as
/// text and do not evaluate (OWASP's advice for CSV injection).
public enum CSV {
    /// One line of `fields`, each neutralised and quoted as needed, ending in CRLF.
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            let safe = neutralised(field)
            guard safe.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return safe }
            return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }

    /// The characters that make a spreadsheet read a cell as a formula when they come first.
    public static let formulaPrefixes: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// `field` with an apostrophe in front when it starts like a formula, else unchanged.
    public static func neutralised(_ field: String) -> String {
        // Unicode scalars, not Characters: "\r\n" is one Character, and a field starting with it begins
        // with a carriage return all the same.
        guard let first = field.unicodeScalars.first, formulaPrefixes.contains(Character(first)) else { return field }
        return "'" + field
    }
}
