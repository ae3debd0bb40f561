import LectorDB

/// The questions other modules ask about jobs, answered here so that no module outside the queue writes
/// SQL against `lector.jobs`.
extension JobQueue {
    /// The newest job with `uniqueKey` whose state is not in `excluding`, or nil.
    public func newestJob(
        uniqueKey: String, excluding: Set<JobState> = [], on connection: PostgresConnection? = nil
    ) async throws -> Job? {
        let rows = try await run(
            """
            SELECT \(Job.columns) FROM lector.jobs
            WHERE unique_key = $1 AND NOT (state::text = ANY($2::text[]))
            ORDER BY id DESC LIMIT 1
            """, [uniqueKey, excluding.map(\.rawValue)], on: connection)
        return try rows.first.map(Job.init(row:))
    }

    /// The newest job of kind `P` of `tenant` whose argument `field` is `value` (for example the latest
    /// analysis job of a document), or nil.
    public func newestJob<P: JobParameters>(
        _ type: P.Type, tenant: String, argument field: String, equals value: Int64
    ) async throws -> Job? {
        let rows = try await run(
            """
            SELECT \(Job.columns) FROM lector.jobs
            WHERE tenant = $1 AND kind = $2 AND args ->> $3 = $4
            ORDER BY id DESC LIMIT 1
            """, [tenant, P.kind, field, String(value)], on: nil)
        return try rows.first.map(Job.init(row:))
    }

    /// A job of `tenant` by id, or nil when there is none (or it is another tenant's).
    public func job(id: Int64, tenant: String) async throws -> Job? {
        let rows = try await run(
            "SELECT \(Job.columns) FROM lector.jobs WHERE id = $1 AND tenant = $2", [id, tenant], on: nil)
        return try rows.first.map(Job.init(row:))
    }

    /// How many jobs whose unique key starts with `prefix` are in each state (states without jobs absent).
    public func stateCounts(keyPrefix prefix: String) async throws -> [JobState: Int] {
        let rows = try await run(
            """
            SELECT state::text AS state, count(*) AS n FROM lector.jobs
            WHERE left(unique_key, length($1)) = $1 GROUP BY state
            """, [prefix], on: nil)
        var counts: [JobState: Int] = [:]
        for row in rows {
            if let state = JobState(rawValue: try row.decode("state", as: String.self)) {
                counts[state] = try row.decode("n", as: Int.self)
            }
        }
        return counts
    }

    /// How many jobs (of `kind`, when given) are in a state outside `settled`: the jobs something still
    /// waits for.
    public func count(kind: String? = nil, notIn settled: Set<JobState>) async throws -> Int {
        try await run(
            """
            SELECT count(*) AS n FROM lector.jobs
            WHERE ($1::text IS NULL OR kind = $1) AND NOT (state::text = ANY($2::text[]))
            """, [kind, settled.map(\.rawValue)], on: nil
        ).one().decode("n", as: Int.self)
    }
}
