import Foundation
import LectorDB

/// A batch's members (`lector.batch_items`) and the fingerprints of the files a folder source took in
/// (`lector.batch_files`).
extension BatchStore {
    /// What a folder source last took from a path: a file whose size and time are unchanged is not read
    /// again; one whose bytes are unchanged is not taken again.
    struct Fingerprint {
        var size: Int64
        var modified: Date
        var sha256: String
    }

    /// One member of a batch as recorded.
    struct Item {
        var item: String
        var documentID: Int64?
        var jobID: Int64?
        var status: Status
        var reason: String?
        var estimatedTokens: Int

        enum Status: String {
            case queued, skipped, rejected
        }
    }

    /// A file taken in by a folder source.
    struct FileRecord {
        var path: String
        var sizeBytes: Int64
        var modifiedAt: Date
        var sha256: String
        var documentID: Int64?
    }

    /// The fingerprints of the files batch `batchName` took in, by path.
    func fingerprints(batchName: String) async throws -> [String: Fingerprint] {
        let rows = try await database.query(
            "SELECT path, size_bytes, mtime, sha256 FROM lector.batch_files WHERE batch_name = $1", batchName)
        var result: [String: Fingerprint] = [:]
        for row in rows {
            result[try row.decode("path")] = Fingerprint(
                size: try row.decode("size_bytes"), modified: try row.decode("mtime"), sha256: try row.decode("sha256"))
        }
        return result
    }

    /// Records a new time and size for a file whose bytes did not change.
    func touchFile(batchName: String, path: String, modifiedAt: Date, sizeBytes: Int64) async throws {
        try await database.query(
            "UPDATE lector.batch_files SET mtime = $3, size_bytes = $4, seen_at = now() WHERE batch_name = $1 AND path = $2",
            batchName, path, modifiedAt, sizeBytes)
    }

    /// Inserts a run's members, in the run's transaction (a member recorded by an interrupted earlier
    /// attempt of the same run stays as it was).
    static func insertItems(_ items: [Item], batchID: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO lector.batch_items (batch_id, item, document_id, job_id, status, reason, estimated_tokens)
            SELECT $1, i, NULLIF(d, 0), NULLIF(j, 0), s, NULLIF(r, ''), e
            FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::bigint[]) AS x(i, d, j, s, r, e)
            ON CONFLICT (batch_id, item) DO NOTHING
            """, batchID, items.map(\.item), items.map { $0.documentID ?? 0 }, items.map { $0.jobID ?? 0 },
            items.map(\.status.rawValue), items.map { $0.reason ?? "" }, items.map { Int64($0.estimatedTokens) })
    }

    /// Records the fingerprints of the files a run took in, in the run's transaction.
    static func recordFiles(
        _ files: [FileRecord], batchName: String, batchID: Int64, on connection: PostgresConnection
    ) async throws {
        guard !files.isEmpty else { return }
        // Milliseconds are kept: the comparison with the next run's file times allows for that.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        try await connection.query(
            """
            INSERT INTO lector.batch_files (batch_name, path, size_bytes, mtime, sha256, document_id, batch_id)
            SELECT $1, p, s, t::timestamptz, h, NULLIF(d, 0), $7
            FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[]) AS x(p, s, t, h, d)
            ON CONFLICT (batch_name, path) DO UPDATE SET
                size_bytes = excluded.size_bytes, mtime = excluded.mtime, sha256 = excluded.sha256,
                document_id = excluded.document_id, batch_id = excluded.batch_id, seen_at = now()
            """, batchName, files.map(\.path), files.map(\.sizeBytes), files.map { formatter.string(from: $0.modifiedAt) },
            files.map(\.sha256), files.map { $0.documentID ?? 0 }, batchID)
    }
}
