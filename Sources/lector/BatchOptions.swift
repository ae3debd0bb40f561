import ArgumentParser
import Foundation
import LectorBatch
import LectorCore

/// Where batch definitions are read from: `--jobs`, `LECTOR_JOBS_DIR`, `./jobs`, or the checkout the
/// binary was built in.
struct BatchOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Folder of batch definitions (*.yaml).", discussion: "Default: $LECTOR_JOBS_DIR, else ./jobs.", valueName: "dir"))
    var jobs: String?

    func directory() throws -> URL {
        if let jobs { return URL(fileURLWithPath: jobs) }
        if let value = Environment.value("LECTOR_JOBS_DIR") { return URL(fileURLWithPath: value) }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("jobs")]
        // .build/<config>/lector in a checkout: the checkout's jobs.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            candidates.append(folder.appendingPathComponent("jobs"))
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw ConfigurationError(setting: "--jobs", reason: "no jobs folder found; name one with --jobs")
        }
        return found
    }

    /// The definition named `nameOrFile`, or read from that file when it names one.
    func definition(_ nameOrFile: String, profiles: Set<String>) throws -> BatchDefinition {
        let looksLikeFile = nameOrFile.hasSuffix(".yaml") || nameOrFile.hasSuffix(".yml") || nameOrFile.contains("/")
        if looksLikeFile {
            guard FileManager.default.fileExists(atPath: nameOrFile) else {
                throw BatchError(kind: .notFound, file: nameOrFile, reason: "no such file")
            }
            return try BatchDefinition.load(file: URL(fileURLWithPath: nameOrFile), profiles: profiles)
        }
        return try BatchCatalog(directory: directory(), profiles: profiles).definition(named: nameOrFile)
    }
}
