import Foundation

/// The batch definitions of a `jobs/` folder (`*.yaml` and `*.yml` directly in it; profiles live in
/// `jobs/profiles/` and are not batches).
public struct BatchCatalog: Sendable {
    public let directory: URL
    public let definitions: [BatchDefinition]

    /// Reads and validates every definition in `directory`.
    ///
    /// - Throws: ``BatchError`` `invalidDefinition` for the first invalid file (in name order), or when
    ///   two files declare the same name.
    public init(directory: URL, profiles: Set<String>? = nil) throws {
        self.directory = directory
        var definitions: [BatchDefinition] = []
        for file in try Self.files(in: directory) {
            let definition = try BatchDefinition.load(file: file, profiles: profiles)
            if let other = definitions.first(where: { $0.name == definition.name }) {
                throw BatchError.invalid(file.path, nil, "name '\(definition.name)' is already used by \(other.file)")
            }
            definitions.append(definition)
        }
        self.definitions = definitions
    }

    /// The definition files of `directory`, sorted.
    public static func files(in directory: URL) throws -> [URL] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw BatchError(kind: .notFound, file: directory.path, reason: "no such folder of batch definitions")
        }
        return entries.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// A definition by name.
    ///
    /// - Throws: ``BatchError`` `notFound` listing the names there are.
    public func definition(named name: String) throws -> BatchDefinition {
        guard let found = definitions.first(where: { $0.name == name }) else {
            throw BatchError(
                kind: .notFound,
                reason: "no batch named '\(name)' in \(directory.path); known: \(definitions.map(\.name).joined(separator: ", "))")
        }
        return found
    }
}
