import ArgumentParser
import Foundation
import LectorAnalysis
import LectorCore

/// Where analysis profiles are read from: `--profiles`, `LECTOR_PROFILES_DIR`, `./jobs/profiles`, or the
/// checkout the binary was built in.
struct ProfileOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Folder of analysis profiles.", discussion: "Default: $LECTOR_PROFILES_DIR, else ./jobs/profiles.",
            valueName: "dir"))
    var profiles: String?

    func directory() throws -> URL {
        if let profiles { return URL(fileURLWithPath: profiles) }
        if let value = Environment.value("LECTOR_PROFILES_DIR") { return URL(fileURLWithPath: value) }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("jobs/profiles")]
        // .build/<config>/lector in a checkout: the checkout's jobs/profiles.
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            candidates.append(folder.appendingPathComponent("jobs/profiles"))
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw ConfigurationError(setting: "--profiles", reason: "no jobs/profiles folder found; name one with --profiles")
        }
        return found
    }

    func loadAll() throws -> [String: AnalysisProfile] { try AnalysisProfile.loadAll(from: directory()) }
}
