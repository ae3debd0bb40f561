import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import LectorAnalysis
import LectorDB
import LectorQueue
import LectorService

/// `POST /v1/documents`, `GET /v1/jobs/{id}`, `GET /v1/documents/{id}`, `GET /v1/documents/{id}/findings`.
///
/// Every query names the caller's tenant as a bound parameter: another tenant's id is a 404, exactly
/// like an id that does not exist.
struct DocumentRoutes: Sendable {
    let database: PostgresClient
    let queue: JobQueue
    let submitter: Submitter
    let maxUploadBytes: Int
    /// The profiles a job may name; nil accepts any (the worker fails unknown ones).
    let profiles: Set<String>?

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("documents", use: upload)
        group.get("jobs/:id", use: job)
        group.get("documents/:id", use: document)
        group.get("documents/:id/findings", use: findings)
    }

    // MARK: - Upload

    struct Submitted: ResponseEncodable {
        var documentID: Int64
        var jobID: Int64
        var sha256: String
        /// True when this tenant had already submitted the same bytes.
        var duplicate: Bool
        /// False when the document's analysis job already existed (queued, running or completed).
        var newJob: Bool
        var links: Links
        struct Links: Codable {
            var document: String
            var job: String
            var findings: String
        }
    }

    @Sendable func upload(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<Submitted> {
        let tenant = try context.tenant()
        let upload = try await DocumentUpload.read(request, maxBytes: maxUploadBytes)
        guard Submitter.looksLikePDF(upload.bytes) else { throw APIError.notPDF }
        let profile = upload.profile ?? AnalysisProfile.defaultName
        if let profiles, !profiles.contains(profile) {
            throw APIError(
                .badRequest, code: "request.unknown_profile",
                message: "unknown profile '\(profile)' (known: \(profiles.sorted().joined(separator: ", ")))")
        }
        let outcome: Submitter.Outcome
        do {
            outcome = try await submitter.submit(
                bytes: upload.bytes, filename: upload.filename, tenant: tenant, profile: profile,
                priority: upload.priority, labels: upload.labels, password: upload.password)
        } catch let error as SubmitError where error.kind == .notPDF {
            throw APIError.notPDF
        }
        context.logger.info(
            "document submitted",
            metadata: [
                "document.id": "\(outcome.documentID)", "job.id": "\(outcome.jobID)",
                "document.sha256": "\(outcome.sha256)", "document.duplicate": "\(!outcome.newDocument)",
            ])
        let body = Submitted(
            documentID: outcome.documentID, jobID: outcome.jobID, sha256: outcome.sha256,
            duplicate: !outcome.newDocument, newJob: outcome.newJob,
            links: .init(
                document: "/v1/documents/\(outcome.documentID)", job: "/v1/jobs/\(outcome.jobID)",
                findings: "/v1/documents/\(outcome.documentID)/findings"))
        var headers = HTTPFields()
        headers[.location] = "/v1/jobs/\(outcome.jobID)"
        return EditedResponse(status: .accepted, headers: headers, response: body)
    }

    // MARK: - Job

    struct JobStatus: ResponseEncodable {
        var id: Int64
        var kind: String
        var state: String
        var documentID: Int64?
        var attempt: Int
        var maxAttempts: Int
        var createdAt: Date
        var runAt: Date
        var attemptedAt: Date?
        var finishedAt: Date?
        /// The last failed attempt's reason (a code and a sentence, never document text).
        var lastError: String?
    }

    @Sendable func job(_ request: Request, context: APIRequestContext) async throws -> JobStatus {
        let tenant = try context.tenant()
        let id = try Self.id(context, "job")
        guard let job = try await queue.job(id: id, tenant: tenant) else { throw APIError.notFound("job") }
        return JobStatus(
            id: job.id, kind: job.kind, state: job.state.rawValue,
            documentID: job.parameters(as: AnalyzeJob.Arguments.self)?.documentID, attempt: job.attempt,
            maxAttempts: job.maxAttempts, createdAt: job.createdAt, runAt: job.runAt, attemptedAt: job.attemptedAt,
            finishedAt: job.finishedAt, lastError: try await queue.errors(jobID: job.id).last?.error)
    }

    // MARK: - Document

    struct DocumentStatus: ResponseEncodable {
        var id: Int64
        var filename: String
        var sha256: String
        var sizeBytes: Int64
        var pageCount: Int?
        var submittedAt: Date
        /// The newest analysis job of the document.
        var job: JobSummary?
        /// The latest analysis, once there is one.
        var analysis: AnalysisSummary?
        struct JobSummary: Codable {
            var id: Int64
            var state: String
        }
        struct AnalysisSummary: Codable {
            var id: Int64
            var profile: String
            var model: String
            var analysedAt: Date
            var title: String?
            var findingsPresent: Int
            var findingsTotal: Int
            var unverifiedQuotes: Int
            var highestRisk: String?
        }
    }

    @Sendable func document(_ request: Request, context: APIRequestContext) async throws -> DocumentStatus {
        let tenant = try context.tenant()
        let id = try Self.id(context, "document")
        let rows = try await database.query(
            """
            SELECT d.id, d.filename, d.sha256, d.size_bytes, d.page_count, d.submitted_at,
                   o.analysis_id, o.profile, o.model, o.analysed_at, o.title, o.findings_present, o.findings_total,
                   o.unverified_quotes, o.highest_risk
            FROM lector.documents d
            JOIN lector.contract_overview o ON o.document_id = d.id
            WHERE d.id = $1 AND d.tenant = $2
            """, id, tenant)
        guard let row = rows.first else { throw APIError.notFound("document") }
        var status = DocumentStatus(
            id: try row.decode("id"), filename: try row.decode("filename"), sha256: try row.decode("sha256"),
            sizeBytes: try row.decode("size_bytes"), pageCount: try row.decode("page_count", as: Int?.self),
            submittedAt: try row.decode("submitted_at"))
        if let job = try await queue.newestJob(AnalyzeJob.Arguments.self, tenant: tenant, argument: "document_id", equals: id) {
            status.job = .init(id: job.id, state: job.state.rawValue)
        }
        if let analysisID = try row.decode("analysis_id", as: Int64?.self) {
            status.analysis = .init(
                id: analysisID, profile: try row.decode("profile"), model: try row.decode("model"),
                analysedAt: try row.decode("analysed_at"), title: try row.decode("title", as: String?.self),
                findingsPresent: try row.decode("findings_present", as: Int?.self) ?? 0,
                findingsTotal: try row.decode("findings_total", as: Int?.self) ?? 0,
                unverifiedQuotes: try row.decode("unverified_quotes", as: Int?.self) ?? 0,
                highestRisk: try row.decode("highest_risk", as: String?.self))
        }
        return status
    }

    // MARK: - Findings

    struct Findings: ResponseEncodable {
        var documentID: Int64
        var analysisID: Int64
        var profile: String
        var model: String
        var analysedAt: Date
        var findings: [Finding]
        struct Finding: Codable {
            var category: String
            var presence: String
            var value: String?
            var valueDate: String?
            var valueDuration: String?
            var valueAmount: Double?
            var valueCurrency: String?
            var valueBool: Bool?
            var pages: [Int]
            var confidence: Double?
            var risk: String?
            var riskRationale: String?
            var quotes: [Quote]
            /// Whether the normalised value appears in a verified quote; nil without such a value.
            var valueGrounded: Bool?
            /// What contradicts itself in the finding (``GroundingFlag`` raw values).
            var groundingFlags: [String]
        }
        struct Quote: Codable {
            var page: Int?
            var text: String
            /// Only `exact` and `normalized` matches are verified.
            var verified: Bool
            var match: String
            var pageCorrectedFrom: Int?
            /// What the page says, for an approximate match.
            var documentText: String?
            var locations: [Location]
        }
        struct Location: Codable {
            var page: Int
            var start: Int
            var end: Int
            var boxes: [Box]
        }
        struct Box: Codable {
            var x1: Double
            var y1: Double
            var x2: Double
            var y2: Double
        }
    }

    @Sendable func findings(_ request: Request, context: APIRequestContext) async throws -> Findings {
        let tenant = try context.tenant()
        let id = try Self.id(context, "document")
        let exists = try await database.query(
            "SELECT 1 FROM lector.documents WHERE id = $1 AND tenant = $2", id, tenant)
        guard !exists.isEmpty else { throw APIError.notFound("document") }
        let rows = try await FindingsReport(database: database).findings(documentID: id, tenant: tenant)
        guard let first = rows.first else {
            throw APIError(
                .conflict, code: "document.not_analyzed",
                message: "the document has no analysis yet; its job's state is at GET /v1/documents/\(id)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return Findings(
            documentID: id, analysisID: first.analysisID, profile: first.profile, model: first.model,
            analysedAt: first.analysedAt,
            findings: try rows.map { row in
                Findings.Finding(
                    category: row.category, presence: row.presence, value: row.value, valueDate: row.valueDate,
                    valueDuration: row.valueDuration, valueAmount: row.valueAmount, valueCurrency: row.valueCurrency,
                    valueBool: row.valueBool, pages: row.pages, confidence: row.confidence, risk: row.risk,
                    riskRationale: row.riskRationale,
                    quotes: try decoder.decode([Findings.Quote].self, from: Data(row.quotesJSON.utf8)),
                    valueGrounded: row.valueGrounded, groundingFlags: row.flags)
            })
    }

    /// The `{id}` path parameter as a positive 64-bit id; anything else cannot name a row: 404.
    static func id(_ context: APIRequestContext, _ what: String) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw APIError.notFound(what)
        }
        return id
    }
}
