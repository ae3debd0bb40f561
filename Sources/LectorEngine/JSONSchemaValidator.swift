import Foundation

/// Checks a JSON value against a JSON schema: the subset strict structured output uses.
///
/// Supported: `type` (one or a list), `properties`, `required`, `additionalProperties`, `items`,
/// `enum`, `const`, `minimum`/`maximum` (and exclusive), `minLength`/`maxLength`, `pattern`,
/// `minItems`/`maxItems`, `anyOf`/`oneOf`/`allOf`, and `$ref` into `#/$defs` or `#/definitions`.
/// Unknown keywords (`format`, `description`) are ignored.
public struct JSONSchemaValidator: Sendable {
    /// The schema.
    public let schema: JSONValue

    /// A validator for `schema`.
    public init(schema: JSONValue) { self.schema = schema }

    /// The problems found, as JSON-pointer paths and the rule broken; empty when `value` is valid.
    ///
    /// Problems name paths and rules only, never values (they may be document text).
    public func problems(in value: JSONValue) -> [String] {
        var problems: [String] = []
        check(value, against: schema, path: "", problems: &problems, depth: 0)
        return problems
    }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        guard let ref = schema["$ref"]?.stringValue, ref.hasPrefix("#/") else { return schema }
        var node = self.schema
        for component in ref.dropFirst(2).split(separator: "/") {
            guard let next = node[String(component)] else { return .object([:]) }
            node = next
        }
        return node
    }

    private static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number(let n): n.rounded() == n ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    private func check(_ value: JSONValue, against rawSchema: JSONValue, path: String, problems: inout [String], depth: Int) {
        guard depth < 64 else { return }
        if case .bool(let allowed) = rawSchema {
            if !allowed { problems.append("\(path.isEmpty ? "/" : path): not allowed") }
            return
        }
        let schema = resolve(rawSchema)
        let at = path.isEmpty ? "/" : path

        if let type = schema["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue].compactMap { $0 }
            let actual = Self.typeName(value)
            let ok = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !ok {
                problems.append("\(at): expected \(allowed.joined(separator: " or ")), found \(actual)")
                return
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            problems.append("\(at): not one of the allowed values")
        }
        if let constant = schema["const"], constant != value { problems.append("\(at): not the constant value") }
        for keyword in ["anyOf", "oneOf"] {
            if let options = schema[keyword]?.arrayValue {
                let matches = options.filter { option in
                    var sub: [String] = []
                    check(value, against: option, path: path, problems: &sub, depth: depth + 1)
                    return sub.isEmpty
                }
                if matches.isEmpty || (keyword == "oneOf" && matches.count > 1) {
                    problems.append("\(at): matches \(matches.count) of the \(keyword) options")
                }
            }
        }
        for option in schema["allOf"]?.arrayValue ?? [] {
            check(value, against: option, path: path, problems: &problems, depth: depth + 1)
        }

        switch value {
        case .object(let members):
            let properties = schema["properties"]?.objectValue ?? [:]
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                problems.append("\(path)/\(name): required but missing")
            }
            for (name, member) in members {
                if let propertySchema = properties[name] {
                    check(member, against: propertySchema, path: "\(path)/\(name)", problems: &problems, depth: depth + 1)
                } else if let additional = schema["additionalProperties"] {
                    check(member, against: additional, path: "\(path)/\(name)", problems: &problems, depth: depth + 1)
                }
            }
        case .array(let elements):
            if let min = schema["minItems"]?.intValue, elements.count < min { problems.append("\(at): fewer than \(min) items") }
            if let max = schema["maxItems"]?.intValue, elements.count > max { problems.append("\(at): more than \(max) items") }
            if let items = schema["items"] {
                for (i, element) in elements.enumerated() {
                    check(element, against: items, path: "\(path)/\(i)", problems: &problems, depth: depth + 1)
                }
            }
        case .string(let s):
            let length = s.count
            if let min = schema["minLength"]?.intValue, length < min { problems.append("\(at): shorter than \(min)") }
            if let max = schema["maxLength"]?.intValue, length > max { problems.append("\(at): longer than \(max)") }
            if let pattern = schema["pattern"]?.stringValue, let regex = try? NSRegularExpression(pattern: pattern),
                regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil
            {
                problems.append("\(at): does not match the pattern")
            }
        case .number(let n):
            if let min = schema["minimum"]?.doubleValue, n < min { problems.append("\(at): below the minimum") }
            if let max = schema["maximum"]?.doubleValue, n > max { problems.append("\(at): above the maximum") }
            if let min = schema["exclusiveMinimum"]?.doubleValue, n <= min { problems.append("\(at): not above the minimum") }
            if let max = schema["exclusiveMaximum"]?.doubleValue, n >= max { problems.append("\(at): not below the maximum") }
        default: break
        }
    }
}
