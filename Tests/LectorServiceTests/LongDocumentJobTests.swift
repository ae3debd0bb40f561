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

/// The short form of the 2,040-page benchmark (`Benchmarks/run longdoc`): three CUAD contracts joined
/// with qpdf, through the real worker, Poppler and PostgreSQL, against a fake vLLM that counts tokens,
/// enforces its context and reads the pages (``FakeReader``).
@Suite("Long documents through the pipeline (fake engine, real PDF and PostgreSQL)")
struct LongDocumentJobTests {
    static let contracts = [
        "cuad__ORBSATCORP_08_17_2007-EX-7.3-STRATEGIC_ALLIANCE_AGREEMENT.PDF",
        "cuad__STAMPSCOMINC_06_24_1999-EX-10.18-SPONSORSHIP_AGREEMENT.PDF",
        "cuad__PLAYAHOTELS_RESORTSNV_03_14_2017-EX-10.22-STRATEGIC_ALLIANCE_AGREEMENT_Hyatt_Ziva_Cancun_.PDF",
    ]
    static let context = 12_000
    static let price = TokenPrice(inputPerMillion: 1.25, outputPerMillion: 10)

    static var profile: AnalysisProfile {
        let keys = ["agreement_date", "effective_date", "governing_law", "anti_assignment", "insurance", "audit_rights"]
        return AnalysisProfile(
            name: "long", promptVersion: "test/long", categories: FindingCategory.all.filter { keys.contains($0.key) },
            reasoningEffort: .off, maxOutputTokens: 2048, marginTokens: 256, contextTokens: context, digestTokens: 600)
    }

    /// The contracts joined into one PDF by qpdf.
    static func joined() async throws -> [UInt8] {
        let folder = RepoPaths.corpus.appendingPathComponent("contracts")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lector-joined-\(UUID().uuidString).pdf")
        defer { try? FileManager.default.removeItem(at: output) }
        let run = try await ChildProcess.run(
            "/usr/bin/qpdf", ["--empty", "--pages"] + contracts.map { folder.appendingPathComponent($0).path } + ["--", output.path])
        #expect(run.status == 0 || run.status == 3, "qpdf: \(run.standardError)")  // 3: warnings only
        return Array(try Data(contentsOf: output))
    }

    @Test("planned in overlapping chunks with a digest, stored per chunk, priced; a retry asks again only for the chunk that failed")
    func joinedContracts() async throws {
        let bytes = try await Self.joined()
        let limits = FakeLimits(dialect: .vllm, maxModelLen: Self.context)
        // The first attempt's requests that show page 12 fail (a 500, on the client's own retry too).
        let failPage = 12
        let failing = Mutex(true)
        let shown = Mutex<[String]>([])
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            _ = try await Submitter(database: client, queue: queue).submit(bytes: bytes, filename: "joined.pdf", profile: "long")

            let reply: @Sendable (FakeRequest) async -> FakeReply = { request in
                let answer = FakeReader.answer(to: request)
                let pages = FakeReader.pages(in: request.json).map(\.number)
                let key = "\(pages.first ?? 0)-\(pages.last ?? 0)"
                if pages.contains(failPage), failing.withLock({ $0 }) {
                    return .json(500, ["error": ["message": "boom", "type": "InternalServerError", "code": 500]])
                }
                shown.withLock { $0.append(key) }
                return limits.reply(to: request, answer: answer)
            }
            try await FakeEngineWorker.run(
                database: client, profiles: [Self.profile], tokenize: true, price: Self.price,
                until: [.scheduled, .retryable, .completed, .failed, .cancelled], seconds: 240, reply: reply)
            let first = try await client.query("SELECT state::text AS state, attempt FROM lector.jobs").one()
            #expect(try first.decode("state", as: String.self) == "retryable")
            let stored = try await client.query("SELECT count(*)::int AS n FROM lector.analysis_chunks").one().decode("n", as: Int.self)
            #expect(stored > 1)
            let answeredFirst = shown.withLock { $0 }

            failing.withLock { $0 = false }
            try await client.query("UPDATE lector.jobs SET run_at = now()")
            try await FakeEngineWorker.run(
                database: client, profiles: [Self.profile], tokenize: true, price: Self.price, seconds: 240, reply: reply)
            let job = try await client.query("SELECT state::text AS state, attempt FROM lector.jobs").one()
            #expect(try job.decode("state", as: String.self) == "completed")
            #expect(try job.decode("attempt", as: Int.self) == 2)

            let analysis = try await client.query(
                """
                SELECT plan::text AS plan, tokens_in, tokens_out, cost_usd::float8 AS cost FROM lector.analyses
                """).one()
            let plan = try JSONDecoder().decode(AnalysisPlan.self, from: Data(try analysis.decode("plan", as: String.self).utf8))
            let ranges = plan.pageRanges
            #expect(ranges.count >= 3)
            #expect(plan.overlapPages == 1)
            #expect(plan.tokenCounts == "engine")
            #expect(plan.replans == 0)
            #expect(plan.digest?.definedTerms.isEmpty == false)
            for (previous, next) in zip(ranges, ranges.dropFirst()) { #expect(next.lowerBound == previous.upperBound) }
            // The retry asked again only for what had no stored result: the requests showing page 12.
            let second = Array(shown.withLock { $0 }.dropFirst(answeredFirst.count))
            let withFailPage = ranges.filter { $0.contains(failPage) }.map { "\($0.lowerBound)-\($0.upperBound)" }
            #expect(second.sorted() == withFailPage.sorted())
            #expect(plan.reusedRequests == plan.requests.count - withFailPage.count)
            #expect(try await client.query("SELECT count(*)::int AS n FROM lector.analysis_chunks").one().decode("n", as: Int.self)
                == plan.requests.count)

            let tokensIn = try analysis.decode("tokens_in", as: Int64.self)
            let tokensOut = try analysis.decode("tokens_out", as: Int64.self)
            let cost = try #require(try analysis.decode("cost", as: Double?.self))
            #expect(tokensIn > 0)
            #expect(abs(cost - Self.price.cost(input: Int(tokensIn), output: Int(tokensOut))) < 0.000_001)

            // Conflicts are in the findings and in the views, both sides kept.
            let conflicts = try await client.query(
                "SELECT category, conflict::text AS conflict FROM lector.latest_findings WHERE conflict IS NOT NULL")
            let overview = try await client.query("SELECT conflicting_findings FROM lector.contract_overview").one()
            #expect(try overview.decode("conflicting_findings", as: Int.self) == conflicts.count)
            for row in conflicts {
                let conflict = try JSONDecoder().decode(FindingConflict.self, from: Data(try row.decode("conflict", as: String.self).utf8))
                #expect(conflict.sides.count >= 2)
            }
        }
    }
}
