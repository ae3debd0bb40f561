import Foundation
import LectorAnalysis
import LectorBatch
import LectorDB
import LectorQueue
import LectorService
import LectorTestSupport
import Testing

@Suite("Batch runs (PostgreSQL, fake engine)")
struct BatchRunTests {
    let logger = TestDatabase.logger

    func runner(_ client: PostgresClient, _ profiles: [AnalysisProfile]) -> BatchRunner {
        BatchRunner(
            database: client, queue: JobQueue(client: client, logger: logger),
            profiles: Dictionary(uniqueKeysWithValues: profiles.map { ($0.name, $0) }), logger: logger)
    }

    @Test func aDirectorySourceTakesOnlyNewOrChangedFilesAndDeletingKeepsAnalyses() async throws {
        let samples = try await SampleContracts.makeFolder(prefix: "lector-batch-samples")
        let inbox = BatchTestSupport.temporaryFolder("lector-inbox")
        defer {
            try? FileManager.default.removeItem(at: samples)
            try? FileManager.default.removeItem(at: inbox)
        }
        let names = BatchTestSupport.sampleNames
        let fm = FileManager.default
        try fm.createDirectory(at: inbox.appendingPathComponent("2026/11"), withIntermediateDirectories: true)
        try fm.copyItem(at: samples.appendingPathComponent(names[0]), to: inbox.appendingPathComponent("a.pdf"))
        try fm.copyItem(at: samples.appendingPathComponent(names[1]), to: inbox.appendingPathComponent("2026/11/b.pdf"))
        try Data("not a pdf".utf8).write(to: inbox.appendingPathComponent("notes.txt"))
        let profile = BatchTestSupport.profile("inbox")
        let definition = BatchDefinition(
            name: "inbox", profile: "inbox", source: .directory(path: inbox.path, glob: "**/*.pdf"))
        try await TestDatabase.with { client, _ in
            let runner = runner(client, [profile])
            let store = BatchStore(database: client)
            let dry = try await runner.plan(definition)
            #expect(dry.candidates.map(\.item) == [inbox.appendingPathComponent("2026/11/b.pdf").path, inbox.appendingPathComponent("a.pdf").path])
            #expect(dry.estimatedTokens > 0 && dry.estimatedCostUSD > 0)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.batches") == 0)

            let first = try await runner.run(definition)
            #expect(first.queued == 2 && first.rejected == 0)
            try await BatchTestSupport.work(client: client, profiles: [profile], answer: BatchTestSupport.answer(risk: "low", expires: "2031-01-01"))
            var status = try await store.status(batchID: first.batchID)
            #expect(status.state == "completed" && status.done == 2 && status.failed == 0 && status.tokensIn > 0)

            // Second run: nothing changed, nothing taken.
            let idle = try await runner.run(definition)
            #expect(idle.queued == 0 && idle.plan?.unchanged == 2)
            #expect(try await store.status(batchID: idle.batchID).state == "completed")

            // b.pdf replaced by other content, a.pdf touched (same bytes, new time), c.pdf new.
            try fm.removeItem(at: inbox.appendingPathComponent("2026/11/b.pdf"))
            try fm.copyItem(at: samples.appendingPathComponent(names[2]), to: inbox.appendingPathComponent("2026/11/b.pdf"))
            try fm.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: inbox.appendingPathComponent("a.pdf").path)
            try fm.copyItem(at: samples.appendingPathComponent(names[0]), to: inbox.appendingPathComponent("c.pdf"))
            let third = try await runner.run(definition)
            // c.pdf has a.pdf's bytes: one document per content, already analysed under this profile.
            #expect(third.queued == 1 && third.skipped == 1 && third.unchangedContent == 1)
            try await BatchTestSupport.work(client: client, profiles: [profile], answer: BatchTestSupport.answer(risk: "low", expires: "2031-01-01"))
            status = try await store.status(batchID: third.batchID)
            #expect(status.done == 1 && status.skipped == 1 && status.state == "completed")
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.analyses") == 3)

            // Deleting files deletes no document, analysis or finding, and the next run takes nothing.
            try fm.removeItem(at: inbox.appendingPathComponent("a.pdf"))
            try fm.removeItem(at: inbox.appendingPathComponent("2026/11/b.pdf"))
            let afterDelete = try await runner.run(definition)
            #expect(afterDelete.queued == 0 && afterDelete.skipped == 0)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.documents") == 3)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.analyses") == 3)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.findings") == 6)
            #expect(try await store.list(name: "inbox").map(\.state) == ["completed", "completed", "completed", "completed"])
        }
    }

    @Test func theReportListsWhatIsNewSinceThePreviousRun() async throws {
        let samples = try await SampleContracts.makeFolder(prefix: "lector-batch-samples")
        defer { try? FileManager.default.removeItem(at: samples) }
        let first = BatchTestSupport.profile("first")
        let second = BatchTestSupport.profile("second", promptVersion: "batch-test/2")
        let files = BatchTestSupport.sampleNames.map { samples.appendingPathComponent($0).path }
        let soon = ISO8601DateFormatter.day(Date().addingTimeInterval(30 * 86_400))
        try await TestDatabase.with { client, _ in
            let runner = runner(client, [first, second])
            let store = BatchStore(database: client)
            // The first run: low risk, expiring in five years; nothing to report but its documents.
            let initial = try await runner.run(BatchDefinition(name: "contracts", profile: "first", source: .files(files + ["/nonexistent/x.pdf"])))
            #expect(initial.queued == 3 && initial.rejected == 1)
            try await BatchTestSupport.work(client: client, profiles: [first], answer: BatchTestSupport.answer(risk: "low", expires: "2031-01-01"))
            let firstReport = try await store.report(batchID: initial.batchID)
            #expect(firstReport.map(\.kind) == ["failed_document"])
            #expect(firstReport.first?.detail == "no such file")

            // A re-analysis of every analysed document under a new profile finds a high risk and an expiry
            // within the horizon: both reported, once per document.
            // A query source runs as a reader role of the batch's tenant; without one it is refused.
            let query = "SELECT document_id FROM lector.latest_analyses WHERE profile <> 'second' ORDER BY document_id"
            let definition = BatchDefinition(name: "reanalysis", profile: "second", source: .query(query), report: BatchReportSettings(horizonDays: 90))
            await #expect(throws: BatchError.self) { try await runner.plan(definition) }
            try await TestReaderRole.with(tenant: definition.tenant, database: client) { _ in
                let plan = try await runner.plan(definition)
                #expect(plan.candidates.count == 3)
                let rerun = try await runner.run(definition)
                #expect(rerun.queued == 3)
                try await BatchTestSupport.work(client: client, profiles: [second], answer: BatchTestSupport.answer(risk: "high", expires: soon))
                let status = try await store.status(batchID: rerun.batchID)
                #expect(status.state == "completed" && status.done == 3 && status.failed == 0)
                let report = try await store.report(batchID: rerun.batchID)
                #expect(report.filter { $0.kind == "high_risk_finding" }.count == 3)
                #expect(report.filter { $0.kind == "high_risk_finding" }.allSatisfy { $0.category == "governing_law" && $0.risk == "high" })
                #expect(report.filter { $0.kind == "deadline" && $0.category == "expiration" }.map(\.dueDate) == [soon, soon, soon])
                let summary = try #require(status.summary)
                #expect(summary.contains("\"new_high_risk_findings\": 3") && summary.contains("\"new_deadlines\": 3"))
                #expect(summary.contains("\"done\": 3"))

                // The same again under the same profile and prompt version: already analysed, nothing new.
                let again = try await runner.run(definition)
                #expect(again.queued == 0)
                let againStatus = try await store.status(batchID: again.batchID)
                #expect(againStatus.state == "completed" && againStatus.skipped == 0)
                #expect(try await store.report(batchID: again.batchID).isEmpty)

                // The query runs read-only: a statement that writes is refused and nothing changes.
                let writer = BatchDefinition(
                    name: "sneaky", profile: "second",
                    source: .query("WITH gone AS (DELETE FROM lector.documents RETURNING id) SELECT id AS document_id FROM gone"))
                await #expect(throws: BatchError.self) { try await runner.plan(writer) }
                #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.documents") == 3)
            }
        }
    }

    @Test func aTickInterruptedBeforeItsEnqueueIsContinuedByTheRetry() async throws {
        let samples = try await SampleContracts.makeFolder(prefix: "lector-batch-samples")
        defer { try? FileManager.default.removeItem(at: samples) }
        let profile = BatchTestSupport.profile("nightly")
        let definition = BatchDefinition(
            name: "nightly", profile: "nightly", source: .directory(path: samples.path, glob: "*.pdf"))
        let tick = ISO8601DateFormatter().date(from: "2026-11-29T01:00:00Z")!
        try await TestDatabase.with { client, _ in
            // What a scheduler killed after creating the tick's batch, and after storing one file, leaves.
            let crashed = try await client.query(
                "INSERT INTO lector.batches (name, scheduled_for, trigger) VALUES ('nightly', $1, 'schedule') RETURNING id", tick
            ).one().decode("id", as: Int64.self)
            let bytes = [UInt8](try Data(contentsOf: samples.appendingPathComponent(BatchTestSupport.sampleNames[0])))
            _ = try await client.withTransaction { connection in
                try await DocumentStore().insert(tenant: "default", filename: "x.pdf", bytes: bytes, on: connection)
            }
            let outcome = try await runner(client, [profile]).run(definition, scheduledFor: tick)
            #expect(outcome.batchID == crashed && outcome.enqueuedNow)
            #expect(outcome.queued == BatchTestSupport.sampleNames.count)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.documents") == BatchTestSupport.sampleNames.count)
            let status = try await BatchStore(database: client).status(batchID: crashed)
            #expect(status.selected == 3 && status.pending == 3 && status.state == "running")
        }
    }

    @Test func threeSchedulersStartATicksBatchOnce() async throws {
        let samples = try await SampleContracts.makeFolder(prefix: "lector-batch-samples")
        defer { try? FileManager.default.removeItem(at: samples) }
        let jobs = BatchTestSupport.temporaryFolder("lector-jobs")
        defer { try? FileManager.default.removeItem(at: jobs) }
        let file = samples.appendingPathComponent(BatchTestSupport.sampleNames[0]).path
        try Data("schedule: \"0 2 * * *\"\ntimezone: Europe/Paris\nprofile: nightly\nsource:\n  files: [\"\(file)\"]\n".utf8)
            .write(to: jobs.appendingPathComponent("nightly.yaml"))
        let profile = BatchTestSupport.profile("nightly")
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let catalog = try BatchCatalog(directory: jobs, profiles: ["nightly"])
            let schedulers = try (0..<3).map { _ in CronScheduler(queue: queue, jobs: try catalog.cronJobs(), logger: logger) }
            let now = ISO8601DateFormatter().date(from: "2026-11-29T01:05:00Z")!
            try await withThrowingTaskGroup(of: Void.self) { group in
                for scheduler in schedulers { group.addTask { try await scheduler.enqueueDue(at: now) } }
                try await group.waitForAll()
            }
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.jobs WHERE kind = 'batch.run'") == 1)
            // Two batch workers race for the tick's job; the batch is made once.
            var handlers = JobHandlers()
            BatchJobs(database: client, definitions: { catalog }, profiles: ["nightly": profile], finishCheckSeconds: 0.2)
                .register(in: &handlers)
            let workers = (0..<2).map { i in
                Worker(
                    queue: queue, handlers: handlers,
                    configuration: WorkerConfiguration(queue: BatchJobs.queue, concurrency: 2, workerID: "batch-\(i)"), logger: logger)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers { group.addTask { try await worker.run() } }
                let ran = try await eventually(120) {
                    try await BatchTestSupport.count(
                        client, "SELECT count(*) AS n FROM lector.jobs WHERE kind = 'batch.run' AND state = 'completed'") == 1
                }
                #expect(ran)
                // The analysis is done elsewhere; the batch.finish checks then end the batch.
                try await BatchTestSupport.work(client: client, profiles: [profile], answer: BatchTestSupport.answer(risk: "low", expires: "2031-01-01"))
                let ended = try await eventually(120) {
                    try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.batches WHERE state = 'completed'") == 1
                }
                #expect(ended)
                for worker in workers { worker.shutdown() }
                try await group.waitForAll()
            }
            let batches = try await client.query("SELECT scheduled_for, trigger, summary IS NOT NULL AS summarised FROM lector.batches")
            #expect(batches.count == 1)
            #expect(try batches.first?.decode("scheduled_for", as: Date.self) == ISO8601DateFormatter().date(from: "2026-11-29T01:00:00Z"))
            #expect(try batches.first?.decode("summarised", as: Bool.self) == true)
            // Running the tick again (a retried job) continues the same batch and adds nothing.
            let runner = runner(client, [profile])
            let again = try await runner.run(try catalog.definition(named: "nightly"), scheduledFor: ISO8601DateFormatter().date(from: "2026-11-29T01:00:00Z")!)
            #expect(again.enqueuedNow == false)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.batches") == 1)
            #expect(try await BatchTestSupport.count(client, "SELECT count(*) AS n FROM lector.jobs WHERE kind = 'analyze'") == 1)
        }
    }
}

extension ISO8601DateFormatter {
    /// `yyyy-mm-dd` of `date` in UTC.
    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
