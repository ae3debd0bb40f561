import Foundation
import LectorAnalysis
import LectorCore
import LectorDB

/// Reviewers' decisions on findings (`lector.finding_reviews`): confirm, reject or correct, with a note.
///
/// Decisions are never changed (the table refuses UPDATE and DELETE); a new decision is a new row and the
/// latest for a document and category wins (`lector.latest_reviews`, the review columns of
/// `lector.latest_findings` and `lector.contract_overview`). Each row keeps what the reviewer saw
/// (`previous`) and the truth after the decision (`new`), which `lector eval reviews` scores the model
/// against.
public struct FindingReviewStore: Sendable {
    /// What a reviewer decided about a finding.
    public enum Decision: String, Sendable, Codable, CaseIterable {
        /// The finding is right as it stands.
        case confirm
        /// The finding's answer is wrong: a present finding is absent, an absent or unclear one present.
        case reject
        /// The finding is corrected: its answer, value and/or quote.
        case correct
    }

    /// What a correction changes; nil fields keep the finding's.
    public struct Correction: Sendable {
        /// `present`, `absent` or `unclear`.
        public var presence: String?
        /// The right value; an empty (or blank) string clears it.
        public var value: String?
        /// A passage chosen on a page as the evidence; it must be on that page's stored text.
        public var quote: QuoteChoice?

        /// A correction.
        public init(presence: String? = nil, value: String? = nil, quote: QuoteChoice? = nil) {
            self.presence = presence
            self.value = value
            self.quote = quote
        }
    }

    /// A passage a reviewer chose on a page.
    public struct QuoteChoice: Sendable {
        /// The page, from 1.
        public var page: Int
        /// The passage as selected.
        public var text: String

        /// A chosen passage.
        public init(page: Int, text: String) {
            self.page = page
            self.text = text
        }
    }

    /// One recorded decision.
    public struct Review: Sendable, Codable, Equatable {
        public var id: Int64
        public var tenant: String
        public var documentID: Int64
        /// The analysis and finding decided on; nil once they were deleted.
        public var analysisID: Int64?
        public var findingID: Int64?
        public var category: String
        public var decision: Decision
        /// Who decided (a reviewer's name, or "token NAME").
        public var reviewer: String
        public var decidedAt: Date
        /// The finding as the reviewer saw it, as JSON: `{"presence", "value", "normalized", "quotes":
        /// [{"page", "text", "match"}]}`.
        public var previousJSON: String
        /// The truth after the decision, as JSON: `{"presence", "value", "quote": {"page", "text",
        /// "match", "start", "end"} | null}`.
        public var newJSON: String
        public var note: String?
    }

    /// The longest note kept with a decision, in characters.
    public static let maximumNoteLength = 4000
    /// The longest corrected value, in characters.
    public static let maximumValueLength = 4000

    let database: PostgresClient

    /// A store on `database`.
    public init(database: PostgresClient) { self.database = database }

    /// Records a decision on `findingID` of `tenant`. previous is read from the finding in the same statement
    /// (a finding of another tenant or none at all: ReviewError .notFound, which the pages show as 404).
    /// confirm: new = previous. reject: a present finding becomes absent (value null), an absent/unclear one present.
    /// correct: presence (present|absent|unclear) and/or value and/or quote; a chosen quote must VERIFY on the stored
    /// text of that page (`lector.pages.text`) with LectorAnalysis's QuoteVerifier (exact or normalized; the same
    /// rules as the pipeline: no changed digit or negation); otherwise ReviewError .quoteNotOnPage with a one-line
    /// message. The stored new quote carries match, start, end (offsets in the page text).
    ///
    /// For a confirmation, `new` holds the finding's presence and value and its first verified quote (or
    /// null). A correction applies to the finding as stored (not to earlier decisions): one that gives a
    /// value or a quote but no answer makes the finding present; one that keeps it present and chooses no
    /// quote keeps its first verified quote; an absent answer has neither value nor quote.
    @discardableResult
    public func record(
        tenant: String, findingID: Int64, decision: Decision, correction: Correction? = nil,
        note: String? = nil, reviewer: String, reviewerID: Int64? = nil, sessionID: Int64? = nil
    ) async throws -> Review {
        let note = note.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        if let note, note.unicodeScalars.count > Self.maximumNoteLength {
            throw ReviewError(kind: .invalid, detail: "a note is at most \(Self.maximumNoteLength) characters")
        }
        guard !reviewer.isEmpty, reviewer.unicodeScalars.count <= 220 else {
            throw ReviewError(kind: .invalid, detail: "the reviewer's name is 1 to 220 characters")
        }
        if decision != .correct, correction != nil {
            throw ReviewError(kind: .invalid, detail: "only a correction carries a new answer, value or quote")
        }
        let finding = try await current(tenant: tenant, findingID: findingID)
        let truth = try await newTruth(finding: finding, decision: decision, correction: correction)
        // `previous` is built from the finding in the statement that stores the decision.
        let rows = try await database.query(
            """
            INSERT INTO lector.finding_reviews (tenant, document_id, analysis_id, finding_id, category, decision, reviewer,
                reviewer_id, session_id, previous, new, note)
            SELECT f.tenant, f.document_id, f.analysis_id, f.id, f.category, $3::text, $4::text, $5::bigint, $6::bigint,
                   jsonb_build_object('presence', f.presence, 'value', f.value, 'normalized', f.normalized,
                       'quotes', coalesce((SELECT jsonb_agg(jsonb_build_object('page', fq.page, 'text', fq.text, 'match', fq.match)
                                                            ORDER BY fq.ordinal)
                                           FROM lector.finding_quotes fq WHERE fq.finding_id = f.id), '[]'::jsonb)),
                   $7::jsonb, $8::text
            FROM lector.findings f WHERE f.id = $1 AND f.tenant = $2
            RETURNING \(Self.columns)
            """, findingID, tenant, decision.rawValue, reviewer, reviewerID, sessionID, try PostgresJSON(encoding: truth), note)
        guard let row = rows.first else { throw ReviewError(kind: .notFound, detail: "no such finding") }
        return try Self.review(row)
    }

    /// A document's decisions, newest first (tenant-scoped).
    public func history(tenant: String, documentID: Int64) async throws -> [Review] {
        let rows = try await database.query(
            """
            SELECT \(Self.columns) FROM lector.finding_reviews
            WHERE tenant = $1 AND document_id = $2 ORDER BY decided_at DESC, id DESC
            """, tenant, documentID)
        return try rows.map(Self.review)
    }

    // MARK: The truth after a decision

    /// The truth after a decision, as stored in `new`.
    struct Truth: Encodable, Equatable {
        var presence: String
        var value: String?
        var quote: Quote?

        struct Quote: Codable, Equatable {
            var page: Int
            var text: String
            var match: String
            var start: Int?
            var end: Int?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(page, forKey: .page)
                try container.encode(text, forKey: .text)
                try container.encode(match, forKey: .match)
                try container.encode(start, forKey: .start)
                try container.encode(end, forKey: .end)
            }
        }

        enum CodingKeys: String, CodingKey { case presence, value, quote }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(presence, forKey: .presence)
            try container.encode(value, forKey: .value)
            try container.encode(quote, forKey: .quote)
        }
    }

    /// The finding as stored, with its first verified quote.
    struct Current {
        var documentID: Int64
        var presence: String
        var value: String?
        var quote: Truth.Quote?
    }

    private func current(tenant: String, findingID: Int64) async throws -> Current {
        let rows = try await database.query(
            """
            SELECT f.document_id, f.presence, f.value, q.page, q.text, q.match, q.locations::text AS locations
            FROM lector.findings f
            LEFT JOIN LATERAL (
                SELECT fq.page, fq.text, fq.match, fq.locations FROM lector.finding_quotes fq
                WHERE fq.finding_id = f.id AND fq.verified AND fq.page IS NOT NULL
                ORDER BY fq.ordinal LIMIT 1
            ) q ON true
            WHERE f.id = $1 AND f.tenant = $2
            """, findingID, tenant)
        guard let row = rows.first else { throw ReviewError(kind: .notFound, detail: "no such finding") }
        var quote: Truth.Quote?
        if let page = try row.decode("page", as: Int?.self), let text = try row.decode("text", as: String?.self) {
            let locations = try row.decode("locations", as: String?.self)
                .flatMap { try? JSONDecoder().decode([QuoteLocation].self, from: Data($0.utf8)) } ?? []
            let spans = locations.filter { $0.page == page }
            quote = Truth.Quote(
                page: page, text: text, match: try row.decode("match", as: String?.self) ?? "exact",
                start: spans.first?.start, end: spans.last?.end)
        }
        return Current(
            documentID: try row.decode("document_id"), presence: try row.decode("presence"),
            value: try row.decode("value", as: String?.self), quote: quote)
    }

    private func newTruth(finding: Current, decision: Decision, correction: Correction?) async throws -> Truth {
        switch decision {
        case .confirm:
            return Truth(presence: finding.presence, value: finding.value, quote: finding.presence == "present" ? finding.quote : nil)
        case .reject:
            return finding.presence == "present"
                ? Truth(presence: "absent", value: nil, quote: nil)
                : Truth(presence: "present", value: finding.value, quote: nil)
        case .correct:
            guard let correction, correction.presence != nil || correction.value != nil || correction.quote != nil else {
                throw ReviewError(kind: .invalid, detail: "a correction names a new answer, value or quote")
            }
            // Evidence (a value or a quote) without an answer makes the finding present.
            let givesEvidence =
                correction.quote != nil || !(correction.value?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true)
            let presence = correction.presence ?? (givesEvidence ? "present" : finding.presence)
            guard ["present", "absent", "unclear"].contains(presence) else {
                throw ReviewError(kind: .invalid, detail: "an answer is present, absent or unclear")
            }
            var value = finding.value
            if let corrected = correction.value {
                let trimmed = corrected.trimmingCharacters(in: .whitespacesAndNewlines)
                guard trimmed.unicodeScalars.count <= Self.maximumValueLength else {
                    throw ReviewError(kind: .invalid, detail: "a value is at most \(Self.maximumValueLength) characters")
                }
                value = trimmed.isEmpty ? nil : trimmed
            }
            if presence == "absent" {
                guard correction.quote == nil, correction.value.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) ?? true
                else {
                    throw ReviewError(kind: .invalid, detail: "an absent answer has no value or quote")
                }
                return Truth(presence: presence, value: nil, quote: nil)
            }
            var quote = presence == "present" ? finding.quote : nil
            if let choice = correction.quote {
                quote = try await verified(choice, documentID: finding.documentID)
            }
            return Truth(presence: presence, value: value, quote: quote)
        }
    }

    /// The chosen passage grounded on its page's stored text, or ``ReviewError`` `quoteNotOnPage`.
    private func verified(_ choice: QuoteChoice, documentID: Int64) async throws -> Truth.Quote {
        guard choice.page >= 1, !choice.text.isEmpty, choice.text.unicodeScalars.count <= 20_000 else {
            throw ReviewError(kind: .invalid, detail: "a quote names a page from 1 and up to 20,000 characters of its text")
        }
        let rows = try await database.query(
            "SELECT text FROM lector.pages WHERE document_id = $1 AND number = $2", documentID, choice.page)
        guard let text = try rows.first?.decode("text", as: String.self) else {
            throw ReviewError(kind: .quoteNotOnPage, detail: "the document has no page \(choice.page)")
        }
        let grounded = Self.ground(choice, pageText: text)
        guard grounded.match.isVerified, let location = grounded.locations.first(where: { $0.page == choice.page }) else {
            let reason =
                switch grounded.match {
                case .tooShort: "the quote is too short to stand as evidence (at least \(QuoteVerifier.minimumWords) words)"
                default: "the quote is not on page \(choice.page) as written (a changed word, digit or negation?)"
                }
            throw ReviewError(kind: .quoteNotOnPage, detail: reason)
        }
        let spans = grounded.locations.filter { $0.page == choice.page }
        return Truth.Quote(
            page: choice.page, text: choice.text, match: grounded.match.rawValue, start: location.start,
            end: spans.last?.end ?? location.end)
    }

    /// Grounds a chosen passage on one page's text, as the pipeline grounds the model's quotes (only a
    /// verification counts: exact or normalised, never approximate).
    static func ground(_ choice: QuoteChoice, pageText: String) -> VerifiedQuote {
        QuoteVerifier(pages: [AnalysisPage(number: choice.page, text: pageText)])
            .verify(choice.text, page: choice.page, approximate: false)
    }

    static let columns = """
        id, tenant, document_id, analysis_id, finding_id, category, decision, reviewer, decided_at,
        previous::text AS previous, new::text AS new, note
        """

    static func review(_ row: PostgresRow) throws -> Review {
        let decision: String = try row.decode("decision")
        return Review(
            id: try row.decode("id"), tenant: try row.decode("tenant"), documentID: try row.decode("document_id"),
            analysisID: try row.decode("analysis_id", as: Int64?.self), findingID: try row.decode("finding_id", as: Int64?.self),
            category: try row.decode("category"), decision: Decision(rawValue: decision) ?? .correct,
            reviewer: try row.decode("reviewer"), decidedAt: try row.decode("decided_at"),
            previousJSON: try row.decode("previous"), newJSON: try row.decode("new"),
            note: try row.decode("note", as: String?.self))
    }
}
