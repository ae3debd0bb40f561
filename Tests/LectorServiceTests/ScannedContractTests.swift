import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorQueue
import LectorService
import LectorTestSupport
import Synchronization
import Testing

/// A scanned contract through the whole pipeline (real Poppler, real PostgreSQL) against an engine
/// of the `mistral` dialect, which takes at most 8 images per request.
@Suite("Scanned contract on the mistral dialect")
struct ScannedContractTests {
    /// A 12-page contract whose every page is an image (no text layer), made with the project's sample
    /// tooling (`deploy/local/samples/make_samples.py`: pages rendered by pdftoppm, stored as images).
    static func scannedContract(pages: Int) async throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lector-scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("scanned.pdf").path
        let script = """
            import sys
            sys.path.insert(0, sys.argv[1])
            import make_samples as m
            title, body = m.CONTRACTS["services-agreement-meridian-cloud.pdf"]
            pages = m.text_pages(title, body, lines_per_page=6)
            while len(pages) < int(sys.argv[3]):
                pages += pages
            with open(sys.argv[2], "wb") as f:
                f.write(m.pdf_bytes([m.scan_of(p) for p in pages[: int(sys.argv[3])]]))
            """
        let samples = RepoPaths.root.appendingPathComponent("deploy/local/samples").path
        let result = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, samples, output, "\(pages)"])
        guard result.status == 0 else { throw ChildProcessError(message: "making the scan failed: \(result.standardError)") }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    static let absentAnswer = """
        {"document": {"title": null, "type": null, "parties": [], "governing_law": null, "currency": null, "total_value": null},
         "findings": {"governing_law": {"presence": "absent", "value": null, "normalized": null, "pages": [], "quotes": [],
          "confidence": 0.5, "risk": "none", "risk_rationale": null}}}
        """

    @Test("12 image-only pages: requests of at most 8 images, every page analysed")
    func twelveScannedPages() async throws {
        let pdf = try await Self.scannedContract(pages: 12)
        let limits = FakeLimits(dialect: .mistral, maxImagesPerRequest: 8)
        let seen = Mutex<[(images: Int, refused: Bool)]>([])
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            let submitted = try await Submitter(database: client, queue: queue)
                .submit(bytes: pdf, filename: "scanned.pdf", profile: NDAFixture.profile.name)
            try await FakeEngineWorker.run(database: client, profiles: [NDAFixture.profile], dialect: .mistral) { request in
                let measure = limits.measure(request)
                seen.withLock { $0.append((measure.images, measure.images > 8)) }
                return limits.reply(to: request, answer: Self.absentAnswer)
            }
            let job = try await client.query("SELECT state::text AS s FROM lector.jobs WHERE id = $1", submitted.jobID).one()
            #expect(try job.decode("s", as: String.self) == "completed")
            let pages = try await client.query(
                "SELECT count(*) FILTER (WHERE needs_vision) AS vision, count(*) AS n FROM lector.pages WHERE document_id = $1",
                submitted.documentID
            ).one()
            #expect(try pages.decode("n", as: Int.self) == 12)
            #expect(try pages.decode("vision", as: Int.self) == 12)
            let row = try await client.query(
                "SELECT plan::text AS plan FROM lector.analyses WHERE document_id = $1", submitted.documentID
            ).one()
            let plan = try JSONDecoder().decode(AnalysisPlan.self, from: Data(try row.decode("plan", as: String.self).utf8))
            #expect(plan.maxImagesPerRequest == 8)
            #expect(plan.imagePages == Array(1...12))
            #expect(plan.requests.allSatisfy { $0.imagePages.count <= 8 })
            #expect(plan.requests.flatMap { Array($0.pages) } == Array(1...12))
        }
        let requests = seen.withLock { $0 }
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { !$0.refused && $0.images <= 8 })
        #expect(requests.map(\.images).reduce(0, +) == 12)
    }
}
