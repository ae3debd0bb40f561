import Foundation
import LectorEngine

extension AnalysisProfile {
    /// The file format: every member but `prompt_version` has a default.
    struct File: Decodable {
        var promptVersion: String
        var description: String?
        var categories: [String]?
        var reasoningEffort: String?
        var imagePolicy: String?
        var maxOutputTokens: Int?
        var marginTokens: Int?
        var reasoningTokens: Int?
        var contextTokens: Int?
        var maxImagesPerRequest: Int?
        var maxQuotes: Int?
        var maxQuoteLength: Int?
        var maxValueLength: Int?
        var maxParties: Int?
        var temperature: Double?
        var seed: Int?
        var instructions: String?
        var chunkOverlapPages: Int?
        var digestTokens: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case description, categories, temperature, seed, instructions
            case promptVersion = "prompt_version"
            case reasoningEffort = "reasoning_effort"
            case imagePolicy = "image_policy"
            case maxOutputTokens = "max_output_tokens"
            case marginTokens = "margin_tokens"
            case reasoningTokens = "reasoning_tokens"
            case contextTokens = "context_tokens"
            case maxImagesPerRequest = "max_images_per_request"
            case maxQuotes = "max_quotes"
            case maxQuoteLength = "max_quote_length"
            case maxValueLength = "max_value_length"
            case maxParties = "max_parties"
            case chunkOverlapPages = "chunk_overlap_pages"
            case digestTokens = "digest_tokens"
        }
    }

    /// Loads `directory/NAME.json`.
    ///
    /// - Throws: ``AnalysisError`` (`analysis.profile_invalid`) naming the file, the field and the reason.
    public static func load(named name: String, from directory: URL) throws(AnalysisError) -> AnalysisProfile {
        guard name.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil else {
            throw AnalysisError(
                .profileInvalid, detail: "a profile name has lower-case letters, digits, '-' and '_' only",
                field: "name")
        }
        return try load(from: directory.appendingPathComponent("\(name).json"))
    }

    /// Loads one profile file; its name is the file name without `.json`.
    ///
    /// - Throws: ``AnalysisError`` (`analysis.profile_invalid`) naming the file, the field and the reason.
    public static func load(from file: URL) throws(AnalysisError) -> AnalysisProfile {
        let path = file.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw AnalysisError(.profileInvalid, detail: "cannot be read (missing or not readable)", file: path)
        }
        return try parse(data, name: file.deletingPathExtension().lastPathComponent, file: path)
    }

    /// The profiles in `directory`, by name.
    public static func loadAll(from directory: URL) throws(AnalysisError) -> [String: AnalysisProfile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw AnalysisError(.profileInvalid, detail: "the profiles folder cannot be listed", file: directory.path)
        }
        var profiles: [String: AnalysisProfile] = [:]
        for name in names.sorted() where name.hasSuffix(".json") {
            let profile = try load(from: directory.appendingPathComponent(name))
            profiles[profile.name] = profile
        }
        return profiles
    }

    /// Parses a profile file's bytes; `file` is only used in error messages.
    public static func parse(_ data: Data, name: String, file: String) throws(AnalysisError) -> AnalysisProfile {
        func invalid(_ field: String?, _ reason: String) -> AnalysisError {
            AnalysisError(.profileInvalid, detail: reason, file: file, field: field)
        }
        // Unknown members are typos: say so instead of silently using a default.
        if let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            let known = Set(File.CodingKeys.allCases.map(\.rawValue))
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                throw invalid(unknown, "unknown field (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        let raw: File
        do {
            raw = try JSONDecoder().decode(File.self, from: data)
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, let context):
                throw invalid((context.codingPath + [key]).map(\.stringValue).joined(separator: "."), "is required")
            case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
                throw invalid(context.codingPath.map(\.stringValue).joined(separator: "."), "must be \(type)")
            case .dataCorrupted(let context):
                let field = context.codingPath.map(\.stringValue).joined(separator: ".")
                throw invalid(field.isEmpty ? nil : field, "is not valid JSON")
            @unknown default:
                throw invalid(nil, "cannot be decoded")
            }
        } catch {
            throw invalid(nil, "cannot be decoded")
        }

        var categories = FindingCategory.all
        if let keys = raw.categories, keys != ["all"] {
            guard !keys.isEmpty else { throw invalid("categories", "must name at least one category, or \"all\"") }
            for key in keys where FindingCategory.byKey[key] == nil {
                throw invalid("categories", "unknown category '\(key)'")
            }
            let selected = Set(keys)
            categories = FindingCategory.all.filter { selected.contains($0.key) }
        }
        var effort = ReasoningEffort.high
        if let value = raw.reasoningEffort {
            guard let parsed = ReasoningEffort(rawValue: value) else {
                throw invalid("reasoning_effort", "must be none, low or high")
            }
            effort = parsed
        }
        var policy = ImagePolicy.auto
        if let value = raw.imagePolicy {
            guard let parsed = ImagePolicy(rawValue: value) else { throw invalid("image_policy", "must be auto, all or none") }
            policy = parsed
        }
        guard !raw.promptVersion.isEmpty else { throw invalid("prompt_version", "must not be empty") }
        let output = raw.maxOutputTokens ?? 32768
        guard output >= 64 else { throw invalid("max_output_tokens", "must be at least 64") }
        let margin = raw.marginTokens ?? 1024
        guard margin >= 0 else { throw invalid("margin_tokens", "must not be negative") }
        if let context = raw.contextTokens, context <= output + margin {
            throw invalid("context_tokens", "must exceed max_output_tokens + margin_tokens")
        }
        if let reasoning = raw.reasoningTokens, !(0..<output).contains(reasoning) {
            throw invalid("reasoning_tokens", "must be at least 0 and below max_output_tokens")
        }
        if let images = raw.maxImagesPerRequest, images < 0 { throw invalid("max_images_per_request", "must not be negative") }
        let limits = FindingsSchema.OutputLimits(
            maxQuotes: raw.maxQuotes ?? 4, maxQuoteLength: raw.maxQuoteLength ?? 600, maxValueLength: raw.maxValueLength ?? 300,
            maxParties: raw.maxParties ?? 8)
        guard limits.maxQuotes >= 1 else { throw invalid("max_quotes", "must be at least 1") }
        guard limits.maxQuoteLength >= 20 else { throw invalid("max_quote_length", "must be at least 20") }
        guard limits.maxValueLength >= 10 else { throw invalid("max_value_length", "must be at least 10") }
        guard limits.maxParties >= 1 else { throw invalid("max_parties", "must be at least 1") }
        let overlap = raw.chunkOverlapPages ?? 1
        guard (0...8).contains(overlap) else { throw invalid("chunk_overlap_pages", "must be between 0 and 8") }
        let digest = raw.digestTokens ?? 1500
        guard (0...32768).contains(digest) else { throw invalid("digest_tokens", "must be between 0 and 32768") }
        if let t = raw.temperature, !(0...2).contains(t) { throw invalid("temperature", "must be between 0 and 2") }
        return AnalysisProfile(
            name: name, promptVersion: raw.promptVersion, categories: categories, reasoningEffort: effort,
            imagePolicy: policy, maxOutputTokens: output, marginTokens: margin, reasoningTokens: raw.reasoningTokens,
            contextTokens: raw.contextTokens,
            maxImagesPerRequest: raw.maxImagesPerRequest, limits: limits, temperature: raw.temperature ?? 0,
            seed: raw.seed ?? 0, instructions: raw.instructions, chunkOverlapPages: overlap, digestTokens: digest)
    }
}
