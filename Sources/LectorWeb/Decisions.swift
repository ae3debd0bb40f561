import Foundation
import Hummingbird
import Logging
import LectorAPI
import LectorDB
import LectorService

/// `POST /review/documents/{id}/findings/{finding}/decision`: confirm, reject or correct a finding, with a
/// note. Recorded by ``FindingReviewStore`` (append-only; the latest decision wins); then back to the
/// finding (303), with `saved` or an `error` code the page explains.
extension ReviewDesk {
    @Sendable func decide(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try await session(request)
        let form = try await WebForm.read(request, context: context)
        try form.requireCSRF(session.csrfToken)
        let documentID = try Self.id(context, "id", what: "document")
        let findingID = try Self.id(context, "finding", what: "finding")
        guard let decision = form["decision"].flatMap(FindingReviewStore.Decision.init(rawValue:)) else {
            throw WebError.badRequest("A decision is confirm, reject or correct.")
        }
        // The finding must be this document's, of this tenant: anything else is a 404, like the pages.
        guard try await !database.query(
            "SELECT 1 FROM lector.findings WHERE id = $1 AND document_id = $2 AND tenant = $3", findingID, documentID,
            session.tenant
        ).isEmpty else { throw WebError.notFound("finding") }

        var correction: FindingReviewStore.Correction?
        if decision == .correct {
            var quote: FindingReviewStore.QuoteChoice?
            if let text = form.text("quote_text") {
                guard let page = form.text("quote_page").flatMap(Int.init), page > 0 else {
                    throw WebError.badRequest("A corrected quote needs the number of its page.")
                }
                quote = .init(page: page, text: text)
            }
            correction = .init(presence: form.text("presence"), value: form.text("value"), quote: quote)
        }
        let back = "/review/documents/\(documentID)?finding=\(findingID)"
        do {
            try await reviews.record(
                tenant: session.tenant, findingID: findingID, decision: decision, correction: correction,
                note: form.text("note"), reviewer: session.who, reviewerID: session.reviewerID, sessionID: session.id)
        } catch let error as ReviewError {
            if error.kind == .notFound { throw WebError.notFound("finding") }
            context.logger.info("review decision refused", metadata: ["error.code": "\(error.code)"])
            return Response.redirect(to: back + "&error=\(error.code.formEncoded)#decision")
        }
        context.logger.info(
            "review decision", metadata: ["web.session_id": "\(session.id)", "finding.id": "\(findingID)", "decision": "\(decision.rawValue)"])
        return Response.redirect(to: back + "&saved=1#finding-\(findingID)")
    }
}
