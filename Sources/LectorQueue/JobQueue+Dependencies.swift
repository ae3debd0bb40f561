import Foundation
import LectorDB

/// A dependency's state as the workers that need it see it (`lector.dependency_health`).
public struct DependencyHealth: Sendable, Codable, Equatable {
    public var dependency: String
    public var available: Bool
    /// The earliest time a live worker saw it in its current state.
    public var since: Date
    /// The most recent failure a worker recorded.
    public var lastError: String?
    public var misconfigured: Bool
    /// Live workers that report this state.
    public var workers: Int
}

extension JobQueue {
    /// Rows not refreshed for this long belong to workers that died; readers ignore them.
    public static let dependencyHealthStaleSeconds: Double = 300

    /// Records what worker `workerID` knows about `dependency` (one upsert).
    public func recordDependency(workerID: String, dependency: String, status: DependencyCircuit.Status) async throws {
        try await client.query(
            """
            INSERT INTO lector.dependency_health (worker_id, dependency, available, since, last_error, misconfigured, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, now())
            ON CONFLICT (worker_id, dependency) DO UPDATE SET available = excluded.available, since = excluded.since,
                last_error = excluded.last_error, misconfigured = excluded.misconfigured, updated_at = now()
            """,
            [workerID, dependency, status.available, status.since, status.lastError.map { String($0.prefix(2000)) },
             status.misconfigured])
    }

    /// Deletes a stopping worker's records, and any left by workers dead for a long time.
    public func forgetDependencies(workerID: String) async throws {
        try await client.query(
            """
            DELETE FROM lector.dependency_health
            WHERE worker_id = $1 OR updated_at < now() - $2::float8 * interval '1 second'
            """, [workerID, Self.dependencyHealthStaleSeconds * 12])
    }

    /// Each dependency's state over live workers: unavailable when any live worker sees it down (with
    /// the earliest `since` and the latest error), else available.
    public func dependencyHealth() async throws -> [DependencyHealth] {
        let rows = try await client.query(
            """
            WITH live AS (
                -- A worker refreshes its row on every probe while the dependency is down; an available
                -- row changes only with the state.
                SELECT * FROM lector.dependency_health
                WHERE available OR updated_at > now() - $1::float8 * interval '1 second'
            ), down AS (SELECT * FROM live WHERE NOT available)
            SELECT d.dependency,
                   NOT EXISTS (SELECT 1 FROM down WHERE down.dependency = d.dependency) AS available,
                   COALESCE((SELECT min(since) FROM down WHERE down.dependency = d.dependency),
                            (SELECT min(since) FROM live WHERE live.dependency = d.dependency)) AS since,
                   (SELECT last_error FROM down WHERE down.dependency = d.dependency ORDER BY updated_at DESC LIMIT 1) AS last_error,
                   COALESCE((SELECT bool_or(misconfigured) FROM down WHERE down.dependency = d.dependency), false) AS misconfigured,
                   (SELECT count(*) FROM down WHERE down.dependency = d.dependency) AS down_workers,
                   (SELECT count(*) FROM live WHERE live.dependency = d.dependency) AS all_workers
            FROM (SELECT DISTINCT dependency FROM live) d
            ORDER BY d.dependency
            """, [Self.dependencyHealthStaleSeconds])
        return try rows.map { row in
            let available = try row.decode("available", as: Bool.self)
            return DependencyHealth(
                dependency: try row.decode("dependency"), available: available,
                since: try row.decode("since", as: Date.self), lastError: try row.decode("last_error", as: String?.self),
                misconfigured: try row.decode("misconfigured", as: Bool.self),
                workers: available ? try row.decode("all_workers", as: Int.self) : try row.decode("down_workers", as: Int.self))
        }
    }
}
