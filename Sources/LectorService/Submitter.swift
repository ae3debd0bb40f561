import LectorAnalysis
import LectorCore
import LectorDB
import LectorQueue

/// Stores submitted PDFs once (per tenant and SHA-256) and enqueues their analysis once.
public struct Submitter: Sendable {
    let database: PostgresClient
    let queue: JobQueue

    public init(database: PostgresClient, queue: JobQueue) {
        self.database = database
        self.queue = queue
    }

    /// What happened to one submitted file.
    public struct Outcome: Sendable, Equatable {
        public var documentID: Int64
        public var sha256: String
        /// False when the same bytes were already stored for this tenant.
        public var newDocument: Bool
        public var jobID: Int64
        /// False when a job for this document, profile and pipeline already existed (live or completed).
        public var newJob: Bool
    }

    /// Stores `bytes` and enqueues its analysis under `profile`; both in one transaction.
    ///
    /// - Throws: ``SubmitError`` when the bytes are not a PDF; database errors.
    public func submit(
        bytes: [UInt8], filename: String, tenant: String = "default", profile: String = AnalysisProfile.defaultName,
        priority: Int = 0, labels: [String: String] = [:], password: String? = nil
    ) async throws -> Outcome {
        try TenancyError.validateTenant(tenant)
        guard Self.looksLikePDF(bytes) else { throw SubmitError(kind: .notPDF, file: filename) }
        return try await database.withTransaction { connection in
            let document = try await DocumentStore().insert(
                tenant: tenant, filename: filename, bytes: bytes, labels: labels, on: connection)
            let key = AnalyzeJob.uniqueKey(documentID: document.id, profile: profile)
            // A document already analysed (or being analysed) under this profile and pipeline is a no-op;
            // one whose job failed or was cancelled gets a new job.
            if let existing = try await queue.newestJob(uniqueKey: key, excluding: [.failed, .cancelled], on: connection) {
                return Outcome(
                    documentID: document.id, sha256: document.sha256, newDocument: document.created, jobID: existing.id,
                    newJob: false)
            }
            let job = try await queue.enqueue(
                try AnalyzeJob.newJob(
                    documentID: document.id, profile: profile, password: password, tenant: tenant, priority: priority),
                on: connection)
            return Outcome(
                documentID: document.id, sha256: document.sha256, newDocument: document.created, jobID: job.id,
                newJob: job.inserted)
        }
    }

    /// Whether the bytes start like a PDF (`%PDF-` within the first 1 KiB, as readers accept).
    public static func looksLikePDF(_ bytes: [UInt8]) -> Bool {
        let marker: [UInt8] = Array("%PDF-".utf8)
        let window = bytes.prefix(1024 + marker.count)
        guard window.count >= marker.count else { return false }
        for start in 0...(window.count - marker.count) where window[start] == marker[0] {
            if Array(window[start..<(start + marker.count)]) == marker { return true }
        }
        return false
    }
}

/// A submitted file that cannot be taken.
public struct SubmitError: LectorError {
    public enum Kind: String, Sendable { case notPDF = "not_pdf", unreadable }
    public var kind: Kind
    public var file: String
    public var reason: String?

    public init(kind: Kind, file: String, reason: String? = nil) {
        self.kind = kind
        self.file = file
        self.reason = reason
    }

    public var code: String { "submit.\(kind.rawValue)" }
    public var description: String {
        switch kind {
        case .notPDF: "\(file): not a PDF (no %PDF- header)"
        case .unreadable: "\(file): cannot be read\(reason.map { " (\($0))" } ?? "")"
        }
    }
}
