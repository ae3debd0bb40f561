import Foundation
import LectorQueue
import Yams
import LectorEngine

extension BatchDefinition {
    /// Reads and validates the definition in `file`.
    ///
    /// - Parameter profiles: the profile names that exist, to check `profile`; nil skips that check.
    /// - Throws: ``BatchError`` `invalidDefinition` naming the file, the line and what is wrong.
    public static func load(file: URL, profiles: Set<String>? = nil) throws -> BatchDefinition {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw BatchError.invalid(file.path, nil, "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BatchError.invalid(file.path, nil, "is not UTF-8 text")
        }
        return try parse(text, file: file.path, profiles: profiles)
    }

    /// Parses and validates a definition's YAML text; `file` names it in errors and is the folder
    /// relative file paths start from.
    ///
    /// - Throws: ``BatchError`` `invalidDefinition` with the line of the offending key or value.
    public static func parse(_ text: String, file: String, profiles: Set<String>? = nil) throws -> BatchDefinition {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.describe(error, file: file)
        }
        let reader = DefinitionReader(file: file)
        guard let root, let top = root.mapping else {
            throw BatchError.invalid(file, root?.mark?.line ?? 1, "a batch definition is a mapping of keys (name, schedule, profile, source, ...)")
        }
        let fields = try reader.fields(
            top, at: root,
            allowed: ["name", "description", "schedule", "timezone", "tenant", "profile", "priority", "queue", "source", "limits",
                      "report", "price"])
        let defaultName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = try fields["name"].map { try reader.string($0, "name") } ?? defaultName
        guard name.range(of: "^[a-z0-9][a-z0-9._-]{0,62}$", options: .regularExpression) != nil else {
            throw BatchError.invalid(
                file, fields["name"]?.mark?.line ?? 1,
                "name: '\(name)' must be lower-case letters, digits, '.', '_' or '-' (at most 63)")
        }
        let timeZone = try fields["timezone"].map { try reader.string($0, "timezone") } ?? "UTC"
        if TimeZone(identifier: timeZone) == nil {
            throw BatchError.invalid(file, fields["timezone"]?.mark?.line, "timezone: unknown time zone '\(timeZone)' (use an IANA name such as Europe/Paris)")
        }
        var schedule: CronSchedule?
        if let node = fields["schedule"] {
            do {
                schedule = try CronSchedule(try reader.string(node, "schedule"), timeZone: timeZone)
            } catch let error as QueueError {
                throw BatchError.invalid(file, node.mark?.line, "schedule: \(error.message)")
            }
        } else if let zone = fields["timezone"] {
            throw BatchError.invalid(file, zone.mark?.line, "timezone: given without a schedule")
        }
        guard let profileNode = fields["profile"] else {
            throw BatchError.invalid(file, root.mark?.line ?? 1, "profile: missing (the analysis profile, a file of jobs/profiles)")
        }
        let profile = try reader.string(profileNode, "profile")
        if let profiles, !profiles.contains(profile) {
            throw BatchError.invalid(
                file, profileNode.mark?.line, "profile: unknown profile '\(profile)'; known: \(profiles.sorted().joined(separator: ", "))")
        }
        guard let sourceNode = fields["source"] else {
            throw BatchError.invalid(file, root.mark?.line ?? 1, "source: missing (directory, query or files)")
        }
        var definition = BatchDefinition(
            name: name, profile: profile, source: try reader.source(sourceNode), file: file)
        definition.description = try fields["description"].map { try reader.string($0, "description") }
        definition.schedule = schedule
        definition.tenant = try fields["tenant"].map { try reader.string($0, "tenant") } ?? "default"
        definition.priority = try fields["priority"].map { try reader.int($0, "priority", -32768...32767) } ?? 0
        definition.queue = try fields["queue"].map { try reader.string($0, "queue") } ?? "default"
        if let node = fields["limits"] {
            let limits = try reader.fields(node.mapping, at: node, allowed: ["max_documents", "max_estimated_tokens", "max_estimated_cost_usd"], in: "limits")
            definition.limits.maxDocuments = try limits["max_documents"].map { try reader.int($0, "limits.max_documents", 1...Int.max) }
            definition.limits.maxEstimatedTokens = try limits["max_estimated_tokens"].map {
                try reader.int($0, "limits.max_estimated_tokens", 1...Int.max)
            }
            definition.limits.maxEstimatedCostUSD = try limits["max_estimated_cost_usd"].map {
                try reader.number($0, "limits.max_estimated_cost_usd")
            }
        }
        if let node = fields["report"] {
            let report = try reader.fields(node.mapping, at: node, allowed: ["horizon_days"], in: "report")
            definition.report.horizonDays = try report["horizon_days"].map { try reader.int($0, "report.horizon_days", 0...3660) } ?? 90
        }
        if let node = fields["price"] {
            let price = try reader.fields(node.mapping, at: node, allowed: ["input_per_million", "output_per_million"], in: "price")
            definition.price = TokenPrice(
                inputPerMillion: try price["input_per_million"].map { try reader.number($0, "price.input_per_million") }
                    ?? definition.price.inputPerMillion,
                outputPerMillion: try price["output_per_million"].map { try reader.number($0, "price.output_per_million") }
                    ?? definition.price.outputPerMillion)
        }
        return definition
    }

    private static func describe(_ error: YamlError, file: String) -> BatchError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return BatchError.invalid(file, mark.line, "not valid YAML: \(problem)")
        default:
            return BatchError.invalid(file, nil, "not valid YAML: \(error)")
        }
    }
}

/// Reads typed values out of YAML nodes, with the line of the node in every error.
struct DefinitionReader {
    let file: String

    func fail(_ node: Node?, _ reason: String) -> BatchError {
        BatchError.invalid(file, node?.mark?.line, reason)
    }

    /// The keys of a mapping, each allowed and given once.
    func fields(_ mapping: Node.Mapping?, at node: Node, allowed: Set<String>, in section: String? = nil) throws -> [String: Node] {
        let prefix = section.map { "\($0): " } ?? ""
        guard let mapping else { throw fail(node, "\(prefix)expected a mapping of keys") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw fail(key, "\(prefix)keys are plain words") }
            guard allowed.contains(name) else {
                throw fail(key, "\(prefix)unknown key '\(name)'; allowed: \(allowed.sorted().joined(separator: ", "))")
            }
            guard result[name] == nil else { throw fail(key, "\(prefix)'\(name)' is given twice") }
            result[name] = value
        }
        return result
    }

    func string(_ node: Node, _ key: String) throws -> String {
        guard let scalar = node.scalar, !scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw fail(node, "\(key): expected a non-empty text")
        }
        return scalar.string
    }

    func int(_ node: Node, _ key: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let value = node.int else { throw fail(node, "\(key): expected a whole number") }
        guard range.contains(value) else { throw fail(node, "\(key): \(value) is out of range") }
        return value
    }

    func number(_ node: Node, _ key: String) throws -> Double {
        guard let value = node.float, value.isFinite, value >= 0 else {
            throw fail(node, "\(key): expected a number of at least 0")
        }
        return value
    }

    func source(_ node: Node) throws -> BatchSource {
        let fields = try fields(node.mapping, at: node, allowed: ["directory", "glob", "query", "files"], in: "source")
        let kinds = ["directory", "query", "files"].filter { fields[$0] != nil }
        guard kinds.count == 1 else {
            throw fail(node, "source: give exactly one of directory, query or files (got \(kinds.isEmpty ? "none" : kinds.joined(separator: ", ")))")
        }
        if let glob = fields["glob"], fields["directory"] == nil {
            throw fail(glob, "source: glob goes with directory")
        }
        if let directory = fields["directory"] {
            let glob = try fields["glob"].map { try string($0, "source.glob") } ?? "**/*.pdf"
            if glob.hasPrefix("/") { throw fail(fields["glob"], "source.glob: is relative to the directory") }
            return .directory(path: resolve(try string(directory, "source.directory")), glob: glob)
        }
        if let query = fields["query"] {
            let sql = try string(query, "source.query")
            let head = sql.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard head.hasPrefix("select") || head.hasPrefix("with") || head.hasPrefix("(") else {
                throw fail(query, "source.query: must be a SELECT returning a document_id column")
            }
            guard !sql.contains(";") || sql.trimmingCharacters(in: .whitespacesAndNewlines).firstIndex(of: ";")
                == sql.trimmingCharacters(in: .whitespacesAndNewlines).indices.last
            else {
                throw fail(query, "source.query: one statement only")
            }
            return .query(sql.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ";"))))
        }
        let list = fields["files"]!
        guard let sequence = list.sequence, !sequence.isEmpty else {
            throw fail(list, "source.files: expected a list of file paths")
        }
        return .files(try sequence.map { resolve(try string($0, "source.files")) })
    }

    /// Relative paths start from the definition's folder.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = (file as NSString).deletingLastPathComponent
        return ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(path)
    }
}
