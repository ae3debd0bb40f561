import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorEval
import LectorFakeEngine
import LectorTestSupport
import Testing

/// `lector eval` as operators meet it: the binary against a migrated database and a fake engine that
/// answers "absent" to everything.
@Suite("lector eval on the command line")
struct EvalCommandTests {
    let lector = RepoPaths.lectorBinary.path
    static let contracts = RepoPaths.corpus.appendingPathComponent("contracts")

    /// Every category absent (fast-text asks for all of them).
    static var absentAnswer: String {
        var findings: [String: JSONValue] = [:]
        for category in FindingCategory.all {
            findings[category.key] = [
                "presence": "absent", "value": nil, "normalized": nil, "pages": [], "quotes": [], "confidence": 0.5,
                "risk": "none", "risk_rationale": nil,
            ]
        }
        let answer: JSONValue = [
            "document": ["title": nil, "type": nil, "parties": [], "governing_law": nil, "currency": nil, "total_value": nil],
            "findings": .object(findings),
        ]
        return answer.jsonText
    }

    @Test func cuadListCompareAndErrors() async throws {
        try await TestDatabase.with { _, configuration in
            var components = try #require(URLComponents(string: configuration.connectionString))
            components.path = "/" + (configuration.databaseName ?? "")
            let database = ["--database-url", try #require(components.string)]
            let labels = Self.contracts.appendingPathComponent("cuad_labels.csv").path
            let profiles = ["--profiles", RepoPaths.root.appendingPathComponent("jobs/profiles").path]

            let answer = Self.absentAnswer
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            var firstFiles: [String] = []
            try await FakeEngine.withRunning(handler: { request in
                request.path.hasSuffix("/chat/completions")
                    ? FakeResponses.completion(dialect: .vllm, answer: answer)
                    : await FakeScript(dialect: .vllm).handler(request)
            }) { engine in
                let arguments = [
                    "eval", "cuad", "--labels", labels, "--pdfs", Self.contracts.path, "--profile", "fast-text", "--sample", "2",
                    "--seed", "1", "--engine-url", engine.baseURL, "--json",
                ]
                let result = try await ChildProcess.run(lector, arguments + profiles + database)
                #expect(result.status == 0, "\(result.standardError)")
                let run = try decoder.decode(EvalRun.self, from: Data(result.standardOutput.utf8))
                #expect(run.documents == 2 && run.failures.isEmpty && run.profile == "fast-text", "\(run.failures)")
                #expect(run.categories.map(\.category) == FindingCategory.cuadCategories.map(\.key))
                #expect(run.overall.predicted == 0 && run.overall.quotes == 0)
                #expect(run.overall.labelled > 0 && run.overall.recall == 0 && run.overall.precision == nil && run.overall.aupr == 0)
                #expect(run.selection?.sample == 2 && run.selection?.seed == 1 && run.selection?.available == 26)
                #expect(run.quoteLimits == QuoteReach(maxQuotes: 2, maxQuoteLength: 400))
                #expect(result.standardError.contains("a random sample of 2 of 26 contracts (seed 1): 2 to analyse on queue 'eval'"))
                firstFiles = run.contracts.map(\.file)

                // The same sample again, as a table, for compare.
                let table = try await ChildProcess.run(lector, Array(arguments.dropLast()) + profiles + database)
                #expect(table.status == 0, "\(table.standardError)")
                #expect(table.standardOutput.contains("governing_law") && table.standardOutput.contains("overall"))
                #expect(table.standardOutput.contains("out of reach") && table.standardOutput.contains("failures: none"))

                // A split naming one of the sample's contracts and one other: compare drops one each way.
                let other = try #require(
                    try CUADLabels.load(from: URL(fileURLWithPath: labels)).contracts.map(\.file).sorted().first { !firstFiles.contains($0) })
                let split = FileManager.default.temporaryDirectory.appendingPathComponent("lector-split-\(UUID().uuidString).txt")
                defer { try? FileManager.default.removeItem(at: split) }
                try "# two contracts\n\(firstFiles[0])\n\(other)\n".write(to: split, atomically: true, encoding: .utf8)
                let splitRun = try await ChildProcess.run(
                    lector,
                    ["eval", "cuad", "--labels", labels, "--pdfs", Self.contracts.path, "--profile", "fast-text", "--split", split.path,
                     "--engine-url", engine.baseURL, "--json"] + profiles + database)
                #expect(splitRun.status == 0, "\(splitRun.standardError)")
                let third = try decoder.decode(EvalRun.self, from: Data(splitRun.standardOutput.utf8))
                #expect(third.contracts.map(\.file) == [firstFiles[0], other].sorted())
                #expect(third.selection?.split == split.lastPathComponent && third.selection?.splitContracts == 2)

                // Bad input: one line, non-zero.
                try "\(firstFiles[0])\nno-such-contract.pdf\n".write(to: split, atomically: true, encoding: .utf8)
                let badSplit = try await ChildProcess.run(
                    lector,
                    ["eval", "cuad", "--labels", labels, "--pdfs", Self.contracts.path, "--split", split.path, "--external-workers"]
                        + profiles + database)
                #expect(badSplit.status != 0 && badSplit.standardError.split(separator: "\n").count == 1)
                #expect(badSplit.standardError.hasPrefix("error: eval.split: "), "\(badSplit.standardError)")
                let badSample = try await ChildProcess.run(
                    lector,
                    ["eval", "cuad", "--labels", labels, "--pdfs", Self.contracts.path, "--sample", "0", "--external-workers"]
                        + profiles + database)
                #expect(badSample.status != 0 && badSample.standardError.split(separator: "\n").count == 1)
                #expect(badSample.standardError.contains("--sample must be at least 1"), "\(badSample.standardError)")
            }

            let list = try await ChildProcess.run(lector, ["eval", "list"] + database)
            #expect(list.status == 0)
            #expect(list.standardOutput.split(separator: "\n").count == 4)  // header and three runs
            let compare = try await ChildProcess.run(lector, ["eval", "compare", "1", "2", "--resamples", "200"] + database)
            #expect(compare.status == 0, "\(compare.standardError)")
            #expect(compare.standardOutput.contains("governing_law") && compare.standardOutput.contains("aupr"))
            #expect(compare.standardOutput.contains("compared on the 2 contracts both runs scored; dropped 0 scored only before, 0 only after"))
            let dropped = try await ChildProcess.run(lector, ["eval", "compare", "1", "3", "--json"] + database)
            #expect(dropped.status == 0, "\(dropped.standardError)")
            let comparison = try JSONDecoder().decode(EvalComparison.self, from: Data(dropped.standardOutput.utf8))
            #expect(comparison.aligned && comparison.contracts == 1 && comparison.onlyBefore.count == 1 && comparison.onlyAfter.count == 1)
            #expect(comparison.onlyBefore == [firstFiles[1]])

            let report = try await ChildProcess.run(lector, ["eval", "report", "1"] + database)
            #expect(report.status == 0, "\(report.standardError)")
            #expect(report.standardOutput.contains("bootstrap 95% intervals over contracts"))
            let reportJSON = try await ChildProcess.run(lector, ["eval", "report", "1", "--json", "--resamples", "100"] + database)
            #expect(reportJSON.status == 0, "\(reportJSON.standardError)")
            #expect(reportJSON.standardOutput.contains("\"intervals\"") && reportJSON.standardOutput.contains("\"contracts\""))
            let unwritable = try await ChildProcess.run(lector, ["eval", "report", "1", "--html", "/nonexistent-dir/report.html"] + database)
            #expect(unwritable.status != 0 && unwritable.standardError.hasPrefix("error: eval.output: "), "\(unwritable.standardError)")

            let missing = try await ChildProcess.run(lector, ["eval", "compare", "1", "99"] + database)
            #expect(missing.status == 1)
            #expect(missing.standardError.hasPrefix("error: eval.run_not_found: "))
            let empty = FileManager.default.temporaryDirectory.appendingPathComponent("lector-eval-empty-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: empty) }
            let none = try await ChildProcess.run(
                lector, ["eval", "cuad", "--labels", labels, "--pdfs", empty.path, "--external-workers"] + profiles + database)
            #expect(none.status == 1)
            #expect(none.standardError.split(separator: "\n").count == 1)
            #expect(none.standardError.hasPrefix("error: eval.no_contracts: "))
        }
    }
}
