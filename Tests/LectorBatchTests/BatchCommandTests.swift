import Foundation
import LectorTestSupport
import Testing

/// `lector batch validate` and `run --dry-run` as an operator meets them: one line per definition, a bad
/// file as one `error:` line with its file and line, exit 1; nothing written by a dry run.
@Suite("lector batch on the command line")
struct BatchCommandTests {
    let lector = RepoPaths.lectorBinary.path
    let profiles = RepoPaths.root.appendingPathComponent("jobs/profiles").path

    @Test func validateAcceptsTheExamplesAndNamesTheLineOfABadFile() async throws {
        let jobs = RepoPaths.root.appendingPathComponent("jobs").path
        let good = try await ChildProcess.run(lector, ["batch", "validate", "--jobs", jobs, "--profiles", profiles])
        #expect(good.status == 0, "\(good.standardError)")
        #expect(good.standardOutput.split(separator: "\n").filter { $0.hasPrefix("ok\t") }.count >= 3)

        let folder = BatchTestSupport.temporaryFolder("lector-bad-jobs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.yaml")
        try Data("profile: fast-text\nschedule: \"0 25 * * *\"\nsource:\n  files: [a.pdf]\n".utf8).write(to: bad)
        let result = try await ChildProcess.run(lector, ["batch", "validate", "--profiles", profiles, bad.path])
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first == "error: batch.invalid_definition: \(bad.path):2: schedule: hour: '25' is outside 0-23")
    }

    @Test func aDryRunListsTheFilesAndTheEstimateAndWritesNothing() async throws {
        let samples = try await SampleContracts.makeFolder(prefix: "lector-batch-samples")
        defer { try? FileManager.default.removeItem(at: samples) }
        let definition = samples.appendingPathComponent("inbox.yaml")
        try Data("profile: fast-text\nsource:\n  directory: .\n".utf8).write(to: definition)
        try await TestDatabase.with { client, configuration in
            let result = try await ChildProcess.run(
                lector, ["batch", "run", definition.path, "--dry-run", "--database-url", configuration.databaseURL, "--profiles", profiles])
            #expect(result.status == 0, "\(result.standardError)")
            let lines = result.standardOutput.split(separator: "\n")
            #expect(lines.count == BatchTestSupport.sampleNames.count + 1)
            #expect(lines.last?.contains("3 document(s) would be enqueued") == true)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.batches") == 0)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.jobs") == 0)
        }
    }
}
