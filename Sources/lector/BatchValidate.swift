import ArgumentParser
import Foundation
import LectorBatch

struct BatchValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check batch definitions: every jobs/*.yaml, or the files named.",
        discussion: "Prints one line per valid definition; the first invalid one is `error: FILE:LINE: reason`, exit 1.")

    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var profileOptions: ProfileOptions
    @Argument(help: "Definition files (default: every *.yaml of the jobs folder).") var files: [String] = []

    func run() async throws {
        try await reportingErrors {
            let profiles = Set(try profileOptions.loadAll().keys)
            let definitions: [BatchDefinition]
            if files.isEmpty {
                definitions = try BatchCatalog(directory: batchOptions.directory(), profiles: profiles).definitions
            } else {
                definitions = try files.map { try BatchDefinition.load(file: URL(fileURLWithPath: $0), profiles: profiles) }
            }
            for definition in definitions {
                let when = definition.schedule.map { "\($0)" } ?? "by hand"
                print("ok\t\(definition.name)\t\(definition.source.kind)\t\(definition.profile)\t\(when)\t\(definition.file)")
            }
        }
    }
}
