/// Finds a JSON answer inside reasoning text: for engines whose reasoning parser does not match the
/// model, so the answer arrives in the reasoning channel and the content is empty.
enum ReasoningJSON {
    /// Balanced objects tried, from the last: the answer is normally the last thing the model wrote.
    static let maxCandidates = 16

    /// The last top-level `{...}` in `text` that parses as JSON and has no problems against `schema`.
    static func find(in text: String, schema: JSONValue) -> (text: String, json: JSONValue)? {
        guard text.contains("{") else { return nil }
        let validator = JSONSchemaValidator(schema: schema)
        let bytes = Array(text.utf8)
        // A stray unclosed brace in the prose would hide every later object from the balanced scan:
        // objects that open a line and run to the last closing brace are tried too.
        var candidates = Array(objects(in: bytes).reversed().prefix(maxCandidates))
        if let last = bytes.lastIndex(of: UInt8(ascii: "}")) {
            let starts = bytes.indices.filter { bytes[$0] == UInt8(ascii: "{") && ($0 == 0 || bytes[$0 - 1] == UInt8(ascii: "\n")) && $0 < last }
            candidates += starts.reversed().prefix(maxCandidates).map { bytes[$0...last] }
        }
        for candidate in candidates {
            guard let json = try? JSONValue.parse(candidate), validator.problems(in: json).isEmpty else { continue }
            return (String(decoding: candidate, as: UTF8.self), json)
        }
        return nil
    }

    /// The spans of balanced top-level objects, strings inside them respected; prose between them is
    /// skipped (its quotes and stray braces do not count).
    static func objects(in bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var spans: [ArraySlice<UInt8>] = []
        var depth = 0
        var start = 0
        var inString = false
        var escaped = false
        for (index, byte) in bytes.enumerated() {
            if depth == 0 {
                if byte == UInt8(ascii: "{") {
                    depth = 1
                    start = index
                    inString = false
                }
                continue
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { spans.append(bytes[start...index]) }
            default: break
            }
        }
        return spans
    }
}
