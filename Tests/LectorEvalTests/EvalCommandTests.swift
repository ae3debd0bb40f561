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
            try await FakeEngine.withRunning(handler: { request in
                request.path.hasSuffix("/chat/completions")
                    ? FakeResponses.completion(dialect: .vllm, answer: answer)
                    : await FakeScript(dialect: .vllm).handler(request)
            }) { engine in
                let arguments = [
                    "eval", "cuad", "--labels", labels, "--pdfs", Self.contracts.path, "--profile", "fast-text", "--limit", "2",
                    "--engine-url", engine.baseURL, "--json",
                ]
                let result = try await ChildProcess.run(lector, arguments + profiles + database)
                #expect(result.status == 0, "\(result.standardError)")
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let run = try decoder.decode(EvalRun.self, from: Data(result.standardOutput.utf8))
                #expect(run.documents == 2 && run.failures.isEmpty && run.profile == "fast-text")
                #expect(run.documents == 2, "\(run.failures)")
                #expect(run.categories.map(\.category) == FindingCategory.cuadCategories.map(\.key))
                #expect(run.overall.predicted == 0 && run.overall.quotes == 0)
                #expect(run.overall.labelled > 0 && run.overall.recall == 0 && run.overall.precision == nil)
                #expect(result.standardError.contains("2 contracts, 2 to analyse on queue 'eval'"))

                // The table, and a second run for compare.
                let table = try await ChildProcess.run(lector, Array(arguments.dropLast()) + profiles + database)
                #expect(table.status == 0, "\(table.standardError)")
                #expect(table.standardOutput.contains("governing_law") && table.standardOutput.contains("overall"))
            }

            let list = try await ChildProcess.run(lector, ["eval", "list"] + database)
            #expect(list.status == 0)
            #expect(list.standardOutput.split(separator: "\n").count == 3)  // header and two runs
            let compare = try await ChildProcess.run(lector, ["eval", "compare", "1", "2"] + database)
            #expect(compare.status == 0, "\(compare.standardError)")
            #expect(compare.standardOutput.contains("governing_law") && compare.standardOutput.contains("overall"))

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
