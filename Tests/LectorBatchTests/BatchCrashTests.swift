import Foundation
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A batch started with the real `lector batch run`, its worker killed with SIGKILL while every document
/// waits for the engine: a second worker finishes the analyses and the batch ends with the right counts.
@Suite("A batch interrupted by a crash")
struct BatchCrashTests {
    @Test func aBatchWhoseWorkerIsKilledContinuesOnRestartWithTheRightCounts() async throws {
        let samples = try await SampleContracts.makeFolder(prefix: "lector-batch-samples")
        let jobs = BatchTestSupport.temporaryFolder("lector-crash-jobs")
        let profiles = jobs.appendingPathComponent("profiles")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(at: samples)
            try? FileManager.default.removeItem(at: jobs)
        }
        try Data(BatchTestSupport.profileJSON().utf8).write(to: profiles.appendingPathComponent("crash.json"))
        try Data("name: crash-inbox\nprofile: crash\nsource:\n  directory: \"\(samples.path)\"\n".utf8)
            .write(to: jobs.appendingPathComponent("crash-inbox.yaml"))
        let documents = BatchTestSupport.sampleNames.count
        let doomedIsDead = Mutex(false)
        let answer = BatchTestSupport.answer(risk: "high", expires: "2031-01-01")
        let handler: @Sendable (FakeRequest) async -> FakeReply = { request in
            guard request.path.hasSuffix("/chat/completions") else { return await FakeScript(dialect: .vllm).handler(request) }
            let reply = FakeResponses.completion(dialect: .vllm, answer: answer)
            return doomedIsDead.withLock { $0 } ? .delayed(.seconds(1), reply) : .stall
        }
        try await TestDatabase.with { client, configuration in
            let database = ["--database-url", configuration.databaseURL]
            let common = database + ["--profiles", profiles.path]
            let run = try LectorProcess.start(["batch", "run", "crash-inbox", "--jobs", jobs.path] + common)
            defer { run.removeLog() }
            #expect(await run.wait() == 0, "\(run.log)")
            let batchID = try await client.query("SELECT id FROM lector.batches WHERE name = 'crash-inbox'").one().decode("id", as: Int64.self)

            try await FakeEngine.withRunning(handler: handler) { engine in
                func worker(_ id: String, leaseSeconds: Int) -> [String] {
                    ["worker", "--engine-url", engine.baseURL, "--engine-dialect", "vllm", "--concurrency", "3",
                     "--lease-seconds", "\(leaseSeconds)", "--rescue-seconds", "1", "--worker-id", id] + common
                }
                let doomed = try LectorProcess.start(worker("doomed", leaseSeconds: 2))
                defer { doomed.removeLog() }
                let inEngineCall = try await eventually(300) {
                    let running = try await BatchTestSupport.count(
                        client, "SELECT count(*) AS n FROM lector.jobs WHERE state = 'running' AND worker_id = 'doomed'")
                    return engine.chatRequests.count >= documents && running == documents
                }
                doomed.signal(SIGKILL)
                #expect(await doomed.wait() == 128 + SIGKILL)
                doomedIsDead.withLock { $0 = true }
                #expect(inEngineCall, "the doomed worker never had every job in the engine call: \(doomed.log)")
                // Mid-way: the batch is running, nothing done, everything pending.
                let status = try LectorProcess.start(["batch", "status", "\(batchID)", "--json"] + database)
                defer { status.removeLog() }
                #expect(await status.wait() == 0, "\(status.log)")
                let midway = try JSONSerialization.jsonObject(with: Data(status.log.utf8)) as? [String: Any]
                #expect(midway?["state"] as? String == "running")
                #expect(midway?["pending"] as? Int == documents && midway?["done"] as? Int == 0)

                let survivor = try LectorProcess.start(worker("survivor", leaseSeconds: 120) + ["--exit-when-idle"])
                defer { survivor.removeLog() }
                let finished = try await eventually(300) {
                    try await BatchTestSupport.count(
                        client, "SELECT done AS n FROM lector.batch_progress WHERE batch_id = $1", [batchID]) == documents
                }
                survivor.signal(SIGTERM)
                #expect(await survivor.wait() == 0, "\(survivor.log)")
                #expect(finished, "the batch did not finish: \(survivor.log)")
            }

            // The batch ends with each document counted once: done, none failed, none pending.
            let status = try LectorProcess.start(["batch", "status", "\(batchID)", "--json"] + database)
            defer { status.removeLog() }
            #expect(await status.wait() == 0, "\(status.log)")
            let ended = try #require(try JSONSerialization.jsonObject(with: Data(status.log.utf8)) as? [String: Any])
            #expect(ended["state"] as? String == "completed")
            #expect(ended["done"] as? Int == documents && ended["failed"] as? Int == 0 && ended["pending"] as? Int == 0)
            #expect(ended["selected"] as? Int == documents)
            let summary = try #require(ended["summary"] as? [String: Any])
            #expect(summary["done"] as? Int == documents && summary["failed"] as? Int == 0)
            #expect(summary["new_high_risk_findings"] as? Int == documents)
            // Exactly one analysis per document, each by its job's second attempt.
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.analyses") == documents)
            #expect(try await BatchTestSupport.count(client, "SELECT count(DISTINCT document_id) AS n FROM lector.analyses") == documents)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.jobs WHERE kind = 'analyze' AND attempt = 2") == documents)
            // The CSV report has a header and a row per new high-risk finding.
            let report = try LectorProcess.start(["batch", "report", "\(batchID)", "--format", "csv"] + database)
            defer { report.removeLog() }
            #expect(await report.wait() == 0)
            let lines = report.log.split(separator: "\r\n")
            #expect(lines.first == "kind,document_id,filename,category,risk,due_date,detail")
            #expect(lines.filter { $0.hasPrefix("high_risk_finding,") }.count == documents)
        }
    }
}
