import Foundation
import LectorAnalysis
import LectorBatch
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorPDF
import LectorQueue
import LectorService
import LectorTestSupport
import Logging

/// Shared pieces of the batch tests: sample PDFs, a profile, the fake engine's answers, a worker.
enum BatchTestSupport {
    static let sampleNames = [
        "mutual-nda-northwind-harbor.pdf", "services-agreement-meridian-cloud.pdf", "software-licence-orbital.pdf",
    ]

    /// Two categories: enough for a risk and a deadline.
    static func profile(_ name: String, promptVersion: String = "batch-test/1") -> AnalysisProfile {
        AnalysisProfile(
            name: name, promptVersion: promptVersion,
            categories: FindingCategory.all.filter { $0.key == "governing_law" || $0.key == "expiration_date" },
            reasoningEffort: .off, imagePolicy: .auto, maxOutputTokens: 1024, marginTokens: 128, contextTokens: 32_768)
    }

    /// The same profiles as JSON files, for the `lector` binary's `--profiles`.
    static func profileJSON(promptVersion: String = "batch-test/1") -> String {
        """
        {"description": "Batch tests.", "prompt_version": "\(promptVersion)", "categories": ["governing_law", "expiration_date"],
         "reasoning_effort": "none", "image_policy": "auto", "max_output_tokens": 1024, "margin_tokens": 128,
         "context_tokens": 32768, "temperature": 0, "seed": 0}
        """
    }

    /// A model answer: the governing law at `risk`, and the contract expiring on `expires`.
    static func answer(risk: String, expires: String) -> String {
        """
        {"document": {"title": "Contract", "type": "other", "parties": [], "governing_law": "England and Wales",
          "currency": null, "total_value": null},
         "findings": {
          "governing_law": {"presence": "present", "value": "England and Wales", "normalized": null, "pages": [1],
            "quotes": [], "confidence": 0.9, "risk": "\(risk)", "risk_rationale": "Risk \(risk) for the test."},
          "expiration_date": {"presence": "present", "value": "\(expires)", "normalized": {"date": "\(expires)"},
            "pages": [1], "quotes": [], "confidence": 0.9, "risk": "low", "risk_rationale": "A date."}}}
        """
    }

    static func temporaryFolder(_ prefix: String) -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }


    static func count(_ client: PostgresClient, _ sql: String, _ binds: [any PostgresEncodable] = []) async throws -> Int {
        try await client.query(sql, binds).one().decode("n", as: Int.self)
    }

    /// Runs an in-process worker with the analyze handler against a fake engine answering `answer` until
    /// no analyze job is left open (or two minutes pass).
    static func work(client: PostgresClient, profiles: [AnalysisProfile], answer: String) async throws {
        try await FakeEngineWorker.run(
            database: client, profiles: profiles,
            kind: AnalyzeJob.kind
        ) { _ in FakeResponses.completion(dialect: .vllm, answer: answer) }
    }
}
