import Foundation
import LectorDB
import Logging

/// Enqueueing: one job, many, keyed (unique per live key), or by COPY for bulk loads.
extension JobQueue {
    // MARK: - Enqueue

    /// Enqueues one job and notifies workers; with a unique key that a live job already has, returns
    /// that job instead (`inserted == false`).
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try await enqueue(job, on: nil)
    }

    /// Enqueues one job on `connection` (inside the caller's transaction, so that the job exists only if
    /// the caller's writes commit).
    @discardableResult
    public func enqueue(_ job: NewJob, on connection: PostgresConnection?) async throws -> EnqueueResult {
        let sql = """
            WITH ins AS (
                INSERT INTO lector.jobs (queue, kind, args, priority, run_at, max_attempts, unique_key, tenant, batch_id, state)
                VALUES ($1, $2, $3, $4::smallint, COALESCE($5::timestamptz, now()), $6::integer, $7, $8, $9,
                        CASE WHEN $5::timestamptz > now() THEN 'scheduled' ELSE 'available' END::lector.job_state)
                \(Self.uniqueConflict)
                RETURNING id
            )
            SELECT id, true AS inserted, pg_notify('\(Self.notifyChannel)', $1) IS NULL AS notified FROM ins
            UNION ALL
            SELECT id, false, false FROM lector.jobs
            WHERE $7::text IS NOT NULL AND unique_key = $7 AND state IN \(Self.liveStates)
              AND NOT EXISTS (SELECT 1 FROM ins)
            """
        let binds: [any PostgresEncodable] = [
            job.queue, job.kind, job.args, job.priority, job.runAt, job.maxAttempts, job.uniqueKey, job.tenant,
            job.batchID,
        ]
        // A concurrent insert of the same key that commits between our INSERT's wait and our SELECT's
        // snapshot leaves both branches empty; the next try sees it.
        for _ in 0..<5 {
            let rows = try await run(sql, binds, on: connection)
            if let row = rows.first {
                return EnqueueResult(id: try row.decode("id", as: Int64.self), inserted: try row.decode("inserted", as: Bool.self))
            }
        }
        throw QueueError(kind: .invalidState, message: "enqueue with a contended unique key did not settle")
    }

    /// Enqueues many jobs in one multi-row statement; jobs whose unique key a live job already has are
    /// skipped. Returns the ids of the jobs inserted.
    @discardableResult
    public func enqueue(_ jobs: [NewJob]) async throws -> [Int64] {
        guard !jobs.isEmpty else { return [] }
        let rows = try await run(Self.multiRowInsert(select: "SELECT id, (SELECT count(*) FROM notified) AS n FROM ins ORDER BY id"),
                                 Self.multiRowBinds(jobs), on: nil)
        return try rows.map { try $0.decode("id", as: Int64.self) }
    }

    /// Enqueues many jobs that each have a unique key in one multi-row statement, on `connection` when
    /// given (inside the caller's transaction). Returns one result per job, in input order: the new job,
    /// or the live job that already had the key (`inserted == false`); nil when the key is repeated
    /// within `jobs` or its live job finished between the insert and the look-up.
    ///
    /// - Precondition: every job has a unique key.
    public func enqueueKeyed(_ jobs: [NewJob], on connection: PostgresConnection? = nil) async throws -> [EnqueueResult?] {
        precondition(jobs.allSatisfy { $0.uniqueKey != nil }, "enqueueKeyed needs a unique key on every job")
        guard !jobs.isEmpty else { return [] }
        // The statement's snapshot does not see its own inserts, so `live` finds only jobs that existed
        // before it: exactly the ones whose key made the insert skip.
        let select = """
            SELECT input.ord, coalesce(ins.id, live.id) AS id, ins.id IS NOT NULL AS inserted,
                   (SELECT count(*) FROM notified) AS n
            FROM input
            LEFT JOIN ins ON ins.unique_key = input.u
            LEFT JOIN LATERAL (
                SELECT j.id FROM lector.jobs j
                WHERE ins.id IS NULL AND j.unique_key = input.u AND j.state IN \(Self.liveStates)
                LIMIT 1
            ) live ON true
            ORDER BY input.ord
            """
        let rows = try await run(Self.multiRowInsert(select: select), Self.multiRowBinds(jobs), on: connection)
        var results = [EnqueueResult?](repeating: nil, count: jobs.count)
        for row in rows {
            let ordinal = try row.decode("ord", as: Int.self) - 1
            guard let id = try row.decode("id", as: Int64?.self) else { continue }
            results[ordinal] = EnqueueResult(id: id, inserted: try row.decode("inserted", as: Bool.self))
        }
        return results
    }

    /// The multi-row insert both bulk paths share, followed by `select` (which may read `input`, `ins`
    /// and `notified`).
    private static func multiRowInsert(select: String) -> String {
        // Arrays cannot carry NULL elements here: empty strings (and batch 0) stand for "none".
        """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[],
                                 $8::text[], $9::bigint[])
                 WITH ORDINALITY AS input(q, k, a, p, r, m, u, t, b, ord)
        ), ins AS (
            INSERT INTO lector.jobs (queue, kind, args, priority, run_at, max_attempts, unique_key, tenant, batch_id, state)
            SELECT q, k, a::jsonb, p::smallint, COALESCE(NULLIF(r, '')::timestamptz, now()), m::integer,
                   NULLIF(u, ''), t, NULLIF(b, 0),
                   CASE WHEN NULLIF(r, '')::timestamptz > now() THEN 'scheduled' ELSE 'available' END::lector.job_state
            FROM input
            ORDER BY ord
            \(uniqueConflict)
            RETURNING id, queue, unique_key
        ), notified AS (
            SELECT pg_notify('\(notifyChannel)', queue) FROM (SELECT DISTINCT queue FROM ins) d
        )
        \(select)
        """
    }

    private static func multiRowBinds(_ jobs: [NewJob]) -> [any PostgresEncodable] {
        [
            jobs.map(\.queue), jobs.map(\.kind), jobs.map(\.args.text), jobs.map { Int64($0.priority) },
            jobs.map { $0.runAt.map(Self.timestampText) ?? "" }, jobs.map { Int64($0.maxAttempts) },
            jobs.map { $0.uniqueKey ?? "" }, jobs.map(\.tenant), jobs.map { $0.batchID ?? 0 },
        ]
    }

    /// Enqueues many jobs with `COPY`, the fastest way in (a nightly batch of 100,000 jobs). Jobs with a
    /// unique key go through the multi-row insert instead, since `COPY` cannot skip duplicates.
    /// Returns the number of jobs inserted.
    @discardableResult
    public func copyEnqueue(_ jobs: [NewJob]) async throws -> Int {
        let keyed = jobs.filter { $0.uniqueKey != nil }
        let plain = jobs.filter { $0.uniqueKey == nil }
        var count = 0
        if !plain.isEmpty {
            let now = Self.timestampText(Date())
            let rows: [[String?]] = plain.map { job in
                let runAt = job.runAt.map(Self.timestampText)
                let state = (job.runAt.map { $0 > Date() } ?? false) ? "scheduled" : "available"
                return [
                    job.queue, job.kind, job.args.text, String(job.priority), runAt ?? now, String(job.maxAttempts),
                    job.tenant, job.batchID.map(String.init), state,
                ]
            }
            let queues = Array(Set(plain.map(\.queue)))
            count += try await client.withTransaction { connection in
                let copied = try await connection.copyIn(
                    "COPY lector.jobs (queue, kind, args, priority, run_at, max_attempts, tenant, batch_id, state) FROM STDIN",
                    rows: rows)
                try await connection.query(
                    "SELECT pg_notify('\(Self.notifyChannel)', q) FROM unnest($1::text[]) AS q", [queues])
                return copied
            }
        }
        if !keyed.isEmpty { count += try await enqueue(keyed).count }
        return count
    }
}
