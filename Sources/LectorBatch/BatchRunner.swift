import Foundation
import LectorAnalysis
import LectorCore
import LectorDB
import LectorQueue
import LectorService
import Logging

/// Runs batch definitions: selects documents from the source within the limits, stores new files,
/// creates the `lector.batches` row and enqueues the analyses in bulk, recording the batch's members.
///
/// A run is safe to repeat: documents are stored once per content, analysis jobs are unique per document,
/// profile and pipeline, members are unique per batch, and a scheduled tick's batch is unique per
/// (name, tick), so a run interrupted by a crash is continued by running it again.
public struct BatchRunner: Sendable {
    let database: PostgresClient
    let queue: JobQueue
    let profiles: [String: AnalysisProfile]
    let logger: Logger

    /// - Parameter profiles: the analysis profiles by name (the definition's must be among them).
    public init(database: PostgresClient, queue: JobQueue, profiles: [String: AnalysisProfile], logger: Logger) {
        self.database = database
        self.queue = queue
        self.profiles = profiles
        self.logger = logger
    }

    /// What happened to one run.
    public struct Outcome: Sendable {
        public var batchID: Int64
        /// False when the run found its batch already enqueued (a repeated tick) and did nothing.
        public var enqueuedNow: Bool
        public var plan: BatchPlan?
        /// Members whose analysis was queued (new jobs, or live jobs that already existed).
        public var queued: Int
        /// Members already analysed under this profile and prompt version.
        public var skipped: Int
        /// Members that could not be taken (not a PDF, unreadable, missing).
        public var rejected: Int
        /// Files whose content a previous run already took in (only their time changed).
        public var unchangedContent: Int
        /// Time spent in the bulk enqueue transaction.
        public var enqueueSeconds: Double
    }

    // MARK: - Planning

    /// Selects what `definition` would take now, without writing anything (`--dry-run`).
    ///
    /// - Throws: ``BatchError`` `sourceUnavailable` (a missing folder, a failing query),
    ///   `invalidDefinition` (an unknown profile).
    public func plan(_ definition: BatchDefinition) async throws -> BatchPlan {
        let estimator = try estimator(for: definition)
        var unchanged = 0
        var all: [BatchCandidate]
        switch definition.source {
        case let .directory(path, glob):
            (all, unchanged) = try await directoryCandidates(definition, path: path, glob: GlobPattern(glob), estimator: estimator)
        case let .files(paths):
            all = paths.map { Self.fileCandidate($0, estimator: estimator) }
        case let .query(sql):
            all = try await queryCandidates(definition, sql: sql, estimator: estimator)
        }
        var taken: [BatchCandidate] = []
        var deferred: [BatchCandidate] = []
        var tokens = 0
        var cost = 0.0
        let limits = definition.limits
        for candidate in all {
            let nextCost = cost + estimator.cost(tokens: candidate.estimatedTokens)
            let fits = deferred.isEmpty && taken.count < (limits.maxDocuments ?? .max)
                && tokens + candidate.estimatedTokens <= (limits.maxEstimatedTokens ?? .max)
                && nextCost <= (limits.maxEstimatedCostUSD ?? .infinity)
            if fits || candidate.problem != nil && deferred.isEmpty {
                taken.append(candidate)
                if candidate.problem == nil {
                    tokens += candidate.estimatedTokens
                    cost = nextCost
                }
            } else {
                deferred.append(candidate)
            }
        }
        return BatchPlan(
            definition: definition, candidates: taken, deferred: deferred, unchanged: unchanged, estimatedTokens: tokens,
            estimatedCostUSD: cost)
    }

    func estimator(for definition: BatchDefinition) throws -> BatchEstimator {
        guard let profile = profiles[definition.profile] else {
            throw BatchError.invalid(
                definition.file, nil,
                "profile: unknown profile '\(definition.profile)'; known: \(profiles.keys.sorted().joined(separator: ", "))")
        }
        let planner = AnalysisPlanner(profile: profile)
        // The fixed part renders the prompt and schema: once per page count, not once per document.
        let cache = FixedTokenCache()
        return BatchEstimator(
            fixedTokens: { pages in cache.value(pages) { planner.fixedTokens(totalPages: pages) } },
            outputTokens: profile.maxOutputTokens, price: definition.price)
    }

    private func directoryCandidates(
        _ definition: BatchDefinition, path: String, glob: GlobPattern, estimator: BatchEstimator
    ) async throws -> ([BatchCandidate], Int) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BatchError(kind: .sourceUnavailable, file: definition.file, reason: "source.directory: \(path) is not a folder")
        }
        let root = URL(fileURLWithPath: path).standardizedFileURL
        let keys: [URLResourceKey] = [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey]
        var files: [(path: String, size: Int64, modified: Date)] = []
        if let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: keys) {
            for case let url as URL in enumerator {
                let values = try? url.resourceValues(forKeys: Set(keys))
                guard values?.isRegularFile == true else { continue }
                let full = url.standardizedFileURL.path
                let relative = full.hasPrefix(root.path + "/") ? String(full.dropFirst(root.path.count + 1)) : url.lastPathComponent
                guard glob.matches(relative) else { continue }
                files.append((full, Int64(values?.fileSize ?? 0), values?.contentModificationDate ?? Date(timeIntervalSince1970: 0)))
            }
        }
        files.sort { $0.path < $1.path }
        let known = try await BatchStore(database: database).fingerprints(batchName: definition.name)
        var candidates: [BatchCandidate] = []
        var unchanged = 0
        for file in files {
            if let seen = known[file.path], seen.size == file.size, abs(seen.modified.timeIntervalSince(file.modified)) < 0.001 {
                unchanged += 1
                continue
            }
            candidates.append(
                BatchCandidate(
                    item: file.path, path: file.path, documentID: nil, sizeBytes: file.size, modifiedAt: file.modified,
                    estimatedTokens: estimator.tokens(sizeBytes: file.size, pages: nil, characters: nil)))
        }
        return (candidates, unchanged)
    }

    static func fileCandidate(_ path: String, estimator: BatchEstimator) -> BatchCandidate {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        return BatchCandidate(
            item: path, path: path, documentID: nil, sizeBytes: size, modifiedAt: attributes?[.modificationDate] as? Date,
            estimatedTokens: attributes == nil ? 0 : estimator.tokens(sizeBytes: size, pages: nil, characters: nil),
            problem: attributes == nil ? "no such file" : nil)
    }

    private func queryCandidates(_ definition: BatchDefinition, sql: String, estimator: BatchEstimator) async throws -> [BatchCandidate] {
        // The query runs apart from the service: on a connection of its own, logged in as a reader role
        // of the batch's tenant, read-only and under a statement timeout, and the connection is closed
        // when it returns. Whatever the query does (set_config(..., false), set_config('role', ...),
        // session advisory locks, a subquery that breaks out of the tenant filter below), it reads only
        // what that reader may (the views' columns, the tenant's rows) and leaves nothing behind in the
        // service's sessions.
        let role = try await queryRole(for: definition)
        let rows: PostgresRows
        do {
            let connection = try await database.makeDedicatedConnection(as: role)
            rows = try await connection.withTransaction { connection in
                try await connection.query("SET TRANSACTION READ ONLY")
                try await connection.query("SET LOCAL statement_timeout = '120s'")
                try await connection.query("SET LOCAL lock_timeout = '10s'")
                // The query is the operator's configuration (a file in jobs/), never user input; only the
                // tenant is bound.
                return try await connection.query(
                    """
                    SELECT d.id, d.size_bytes, d.page_count,
                           (SELECT sum(p.char_count) FROM lector.pages p WHERE p.document_id = d.id)::bigint AS chars
                    FROM (SELECT DISTINCT ON (q.document_id) q.document_id, q.ord
                          FROM (SELECT s.document_id::bigint AS document_id, row_number() OVER () AS ord
                                FROM (\(sql)\n) AS s) q
                          ORDER BY q.document_id, q.ord) picked
                    JOIN lector.documents d ON d.id = picked.document_id AND d.tenant = $1
                    ORDER BY picked.ord
                    """, definition.tenant)
            }
        } catch let error as DatabaseError where error.kind == .connectionFailed {
            throw BatchError(
                kind: .sourceUnavailable, file: definition.file,
                reason: "source.query runs as the reader role \(role) of tenant '\(definition.tenant)', which cannot log in: \(error.description)")
        } catch let error as DatabaseError where !error.isConnectionLevel {
            throw BatchError(kind: .sourceUnavailable, file: definition.file, reason: "source.query: \(error.description)")
        }
        return try rows.map { row in
            let id = try row.decode("id", as: Int64.self)
            let size = try row.decode("size_bytes", as: Int64.self)
            let characters = try row.decode("chars", as: Int64?.self).map(Int.init)
            return BatchCandidate(
                item: "document:\(id)", path: nil, documentID: id, sizeBytes: size, modifiedAt: nil,
                estimatedTokens: estimator.tokens(
                    sizeBytes: size, pages: try row.decode("page_count", as: Int?.self), characters: characters))
        }
    }

    /// The reader role a query source of `definition` runs as: the first (by name) mapped to its tenant.
    private func queryRole(for definition: BatchDefinition) async throws -> String {
        guard let role = try await ReaderRoleStore(database: database).readerRole(for: definition.tenant) else {
            throw BatchError(
                kind: .sourceUnavailable, file: definition.file,
                reason: "source.query runs as a reader role of tenant '\(definition.tenant)', and it has none: "
                    + "create one with `lector role create-reader NAME --tenant \(definition.tenant)`")
        }
        return role
    }

    // MARK: - Running

    /// Runs `definition`: a new batch, or for a scheduled tick (`scheduledFor`) the tick's batch, created
    /// once however many times this is called, and continued when an earlier call was interrupted.
    ///
    /// - Throws: ``BatchError`` (see ``plan(_:)``); database errors. A failed run leaves its batch
    ///   `running` without members when it was a tick (the retry continues it), `failed` otherwise.
    public func run(_ definition: BatchDefinition, scheduledFor: Date? = nil) async throws -> Outcome {
        let profile = profiles[definition.profile]
        _ = try estimator(for: definition)
        let store = BatchStore(database: database)
        let batchID: Int64
        if let scheduledFor {
            let tick = try await store.createTick(definition, scheduledFor: scheduledFor)
            batchID = tick.id
            if tick.alreadyEnqueued {
                logger.info("batch tick already enqueued", metadata: ["batch.id": "\(batchID)", "batch.name": "\(definition.name)"])
                return Outcome(
                    batchID: batchID, enqueuedNow: false, plan: nil, queued: 0, skipped: 0, rejected: 0, unchangedContent: 0,
                    enqueueSeconds: 0)
            }
        } else {
            batchID = try await store.create(definition)
        }
        do {
            return try await fill(batchID: batchID, definition: definition, promptVersion: profile?.promptVersion ?? "")
        } catch {
            if scheduledFor == nil { try? await store.fail(batchID: batchID, reason: "\(error)") }
            throw error
        }
    }

    /// A stored file's identity, once its bytes were read.
    struct StoredFile {
        var documentID: Int64?
        var sha256: String?
        var problem: String?
    }

    /// The plan's candidates after their files were read and stored.
    struct StoredMembers {
        /// The candidates to record as members (files already taken with the same bytes are not).
        var members: [BatchCandidate] = []
        /// What reading and storing each file found, by path.
        var files: [String: StoredFile] = [:]
        /// Files whose content an earlier run already took in (only their time changed).
        var unchangedContent = 0

        /// Why `member` cannot be taken, or nil.
        func problem(of member: BatchCandidate) -> String? {
            member.path.flatMap { files[$0]?.problem } ?? member.problem
        }
    }

    private func fill(batchID: Int64, definition: BatchDefinition, promptVersion: String) async throws -> Outcome {
        let plan = try await plan(definition)
        let stored = try await storeFiles(of: plan, definition: definition)
        let started = ContinuousClock.now
        let counts = try await database.withTransaction { connection in
            try await enqueue(
                batchID: batchID, definition: definition, promptVersion: promptVersion, stored: stored, plan: plan,
                on: connection)
        }
        let seconds = (ContinuousClock.now - started).secondsValue
        _ = try await BatchStore(database: database).finishIfDone(batchID: batchID)
        logger.info(
            "batch enqueued",
            metadata: [
                "batch.id": "\(batchID)", "batch.name": "\(definition.name)", "batch.queued": "\(counts.queued)",
                "batch.skipped": "\(counts.skipped)", "batch.rejected": "\(counts.rejected)", "batch.deferred": "\(plan.deferred.count)",
            ])
        return Outcome(
            batchID: batchID, enqueuedNow: true, plan: plan, queued: counts.queued, skipped: counts.skipped,
            rejected: counts.rejected, unchangedContent: stored.unchangedContent, enqueueSeconds: seconds)
    }

    /// Reads and stores the plan's files, a transaction per file (idempotent by content), so that the
    /// enqueue is one short transaction however large the files are.
    private func storeFiles(of plan: BatchPlan, definition: BatchDefinition) async throws -> StoredMembers {
        let store = BatchStore(database: database)
        let known = definition.source.kind == "directory" ? try await store.fingerprints(batchName: definition.name) : [:]
        var stored = StoredMembers()
        for candidate in plan.candidates {
            guard let path = candidate.path else {
                stored.members.append(candidate)
                continue
            }
            if let problem = candidate.problem {
                stored.files[path] = StoredFile(problem: problem)
                stored.members.append(candidate)
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                stored.files[path] = StoredFile(problem: "cannot be read")
                stored.members.append(candidate)
                continue
            }
            let bytes = [UInt8](data)
            let sha256 = SHA256.hex(bytes)
            if let seen = known[path], seen.sha256 == sha256 {
                // Touched, not changed: remember the new time, take nothing.
                try await store.touchFile(
                    batchName: definition.name, path: path, modifiedAt: candidate.modifiedAt ?? Date(),
                    sizeBytes: Int64(bytes.count))
                stored.unchangedContent += 1
                continue
            }
            guard Submitter.looksLikePDF(bytes) else {
                stored.files[path] = StoredFile(sha256: sha256, problem: "not a PDF (no %PDF- header)")
                stored.members.append(candidate)
                continue
            }
            let document = try await database.withTransaction { connection in
                try await DocumentStore().insert(
                    tenant: definition.tenant, filename: (path as NSString).lastPathComponent, bytes: bytes,
                    labels: ["batch": definition.name], on: connection)
            }
            stored.files[path] = StoredFile(documentID: document.id, sha256: sha256)
            var member = candidate
            member.documentID = document.id
            stored.members.append(member)
        }
        return stored
    }

    /// Enqueues the analyses of the stored members and records the run (members, file fingerprints, the
    /// batch's figures), all in the caller's transaction.
    private func enqueue(
        batchID: Int64, definition: BatchDefinition, promptVersion: String, stored: StoredMembers, plan: BatchPlan,
        on connection: PostgresConnection
    ) async throws -> (queued: Int, skipped: Int, rejected: Int) {
        // A member's document may be listed twice (two files with the same bytes): the first one counts.
        var seenDocuments = Set<Int64>()
        let documentIDs = stored.members.compactMap(\.documentID).filter { seenDocuments.insert($0).inserted }
        let alreadyAnalysed = try await AnalysisStore().analysedDocuments(
            documentIDs, profile: definition.profile, promptVersion: promptVersion, on: connection)
        let toQueue = documentIDs.filter { !alreadyAnalysed.contains($0) }
        let jobs = try toQueue.map { id in
            try AnalyzeJob.newJob(
                documentID: id, profile: definition.profile, tenant: definition.tenant, queue: definition.queue,
                priority: definition.priority, batchID: batchID)
        }
        let results = try await queue.enqueueKeyed(jobs, on: connection)
        var jobOf: [Int64: Int64] = [:]
        for (id, result) in zip(toQueue, results) { if let result { jobOf[id] = result.id } }

        let items = Self.items(of: stored, alreadyAnalysed: alreadyAnalysed, jobOf: jobOf)
        try await BatchStore.insertItems(items, batchID: batchID, on: connection)
        // Fingerprints of the files taken in (rejected files too: an unchanged bad file is not retried).
        if definition.source.kind == "directory" {
            try await BatchStore.recordFiles(Self.files(of: stored), batchName: definition.name, batchID: batchID, on: connection)
        }
        try await BatchStore.recordEnqueued(
            batchID: batchID, selected: stored.members.count, plan: plan, promptVersion: promptVersion,
            source: BatchSourceRecord(definition.source), on: connection)
        let queued = items.filter { $0.status == .queued }.count
        let skipped = items.filter { $0.status == .skipped }.count
        return (queued, skipped, items.count - queued - skipped)
    }

    /// Each member's row: queued with its job, skipped (analysed already, or the same content as an
    /// earlier member) or rejected with the reason.
    static func items(of stored: StoredMembers, alreadyAnalysed: Set<Int64>, jobOf: [Int64: Int64]) -> [BatchStore.Item] {
        var counted = Set<Int64>()
        return stored.members.map { member in
            var item = BatchStore.Item(
                item: member.item, documentID: member.documentID, jobID: nil, status: .rejected,
                reason: stored.problem(of: member), estimatedTokens: 0)
            guard item.reason == nil, let id = member.documentID else { return item }
            if alreadyAnalysed.contains(id) {
                item.status = .skipped
                item.reason = "already analysed under this profile and prompt version"
            } else if !counted.insert(id).inserted {
                item.status = .skipped
                item.reason = "same content as another file"
            } else if let job = jobOf[id] {
                item.status = .queued
                item.jobID = job
                item.estimatedTokens = member.estimatedTokens
            } else {
                item.reason = "its analysis could not be queued"
            }
            return item
        }
    }

    /// The fingerprints of the members' files that were read.
    static func files(of stored: StoredMembers) -> [BatchStore.FileRecord] {
        stored.members.compactMap { member in
            guard let path = member.path, let sha = stored.files[path]?.sha256, let modified = member.modifiedAt else { return nil }
            return BatchStore.FileRecord(
                path: path, sizeBytes: member.sizeBytes, modifiedAt: modified, sha256: sha, documentID: member.documentID)
        }
    }
}
