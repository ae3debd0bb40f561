import Foundation
import Hummingbird
import Logging
import LectorAPI
import LectorAnalysis
import LectorDB
import LectorService

/// `GET /review/documents/{id}`: the findings of the document's latest analysis, grouped by category,
/// beside the page image of the selected quote with its words highlighted, and the decision form of the
/// selected finding. `?finding=`, `?quote=` (0-based) and `?page=` choose; links carry them, so the page
/// works without its script. One query.
extension ReviewDesk {
    /// A row of `lector.latest_findings`, as JSON.
    struct FindingRow: Decodable {
        var findingId: Int64
        var analysisId: Int64
        var category: String
        var presence: String
        var value: String?
        var confidence: Double?
        var risk: String?
        var riskRationale: String?
        var quotes: [QuoteRow]
        var groundingFlags: [String]?
        var conflict: Conflict?
        var reviewStatus: String?
        var reviewDecision: String?
        var reviewedBy: String?
        var reviewedAt: String?
        var reviewNote: String?
        var reviewedPresence: String?
        var reviewedValue: String?
        var reviewCurrent: Bool?
        /// The quote the latest decision chose on the page, when it was a correction that chose one.
        var reviewedQuote: ReviewedQuote?
    }
    struct ReviewedQuote: Decodable {
        var page: Int?
        var text: String?
    }
    struct QuoteRow: Decodable {
        var page: Int?
        var text: String
        var verified: Bool
        var match: String
        var locations: [Location]?
    }
    struct Location: Decodable {
        var page: Int
        var boxes: [Box]
    }
    struct Box: Decodable {
        var x1: Double
        var y1: Double
        var x2: Double
        var y2: Double
    }
    struct Conflict: Decodable {
        var kinds: [String]?
        var sides: [Side]?
        struct Side: Decodable {
            var firstPage: Int?
            var lastPage: Int?
            var presence: String?
            var value: String?
        }
    }
    struct HistoryRow: Decodable {
        var category: String
        var decision: String
        var reviewer: String
        var decidedAt: String
        var note: String?
        var analysisId: Int64?
    }

    static let jsonDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// A category's name as people read it: CUAD's name when it has one.
    static func label(_ category: String) -> String {
        if let known = FindingCategory.all.first(where: { $0.key == category }) {
            return known.cuadName ?? known.key.replacingOccurrences(of: "_", with: " ").capitalized
        }
        return category.replacingOccurrences(of: "_", with: " ").capitalized
    }

    static let matchLabels = [
        "exact": "verified", "normalized": "verified (normalised)", "approximate": "not verified: close text",
        "not_found": "not verified: not on the page", "too_short": "not verified: too short",
    ]

    /// Messages for the `error` parameter a failed decision redirects with (codes, never free text).
    static let decisionErrors = [
        "review.quote_not_on_page":
            "That quote is not on that page as written. Select the words on the page image, or copy them exactly.",
        "review.invalid": "The correction was not understood: give a presence, a value or a quote.",
        "review.not_found": "That finding is no longer there.",
    ]

    @Sendable func document(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try await session(request)
        let documentID = try Self.id(context, "id", what: "document")
        let rows = try await database.query(
            """
            SELECT o.document_id, o.filename, o.title, o.profile, o.model, o.analysed_at, o.page_count,
                   coalesce(o.findings_present, 0) AS present, coalesce(o.findings_total, 0) AS total,
                   coalesce(o.unverified_quotes, 0) AS unverified, coalesce(o.findings_reviewed, 0) AS reviewed,
                   coalesce(o.findings_corrected, 0) AS corrected, o.analysis_id, s.state, s.last_error,
                   (SELECT coalesce(jsonb_agg(to_jsonb(f) - 'tenant' - 'filename' - 'sha256' - 'normalized'
                                              || jsonb_build_object('reviewed_quote', CASE WHEN r.decision = 'correct' THEN r.new -> 'quote' END)), '[]')
                    FROM lector.latest_findings f LEFT JOIN lector.finding_reviews r ON r.id = f.review_id
                    WHERE f.document_id = o.document_id AND f.tenant = o.tenant)::text AS findings,
                   (SELECT coalesce(jsonb_agg(jsonb_build_array(p.number, p.width_pt, p.height_pt) ORDER BY p.number), '[]')
                    FROM lector.pages p WHERE p.document_id = o.document_id)::text AS pages,
                   (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'category', r.category, 'decision', r.decision, 'reviewer', r.reviewer,
                               'decided_at', to_char(r.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'),
                               'note', r.note, 'analysis_id', r.analysis_id) ORDER BY r.decided_at DESC, r.id DESC), '[]')
                    FROM (SELECT * FROM lector.finding_reviews r
                          WHERE r.document_id = o.document_id AND r.tenant = o.tenant
                          ORDER BY r.decided_at DESC, r.id DESC LIMIT 100) r)::text AS history
            FROM lector.contract_overview o
            JOIN lector.document_states s ON s.document_id = o.document_id
            WHERE o.document_id = $1 AND o.tenant = $2
            """, documentID, session.tenant)
        guard let row = rows.first else { throw WebError.notFound("document") }

        let order = Dictionary(uniqueKeysWithValues: FindingCategory.all.enumerated().map { ($1.key, $0) })
        let findings = try Self.jsonDecoder.decode([FindingRow].self, from: Data(try row.decode("findings", as: String.self).utf8))
            .sorted { (order[$0.category] ?? .max, $0.category) < (order[$1.category] ?? .max, $1.category) }
        let pageSizes = try Self.jsonDecoder.decode([[Double?]].self, from: Data(try row.decode("pages", as: String.self).utf8))
        let history = try Self.jsonDecoder.decode([HistoryRow].self, from: Data(try row.decode("history", as: String.self).utf8))
        let analysisID = try row.decode("analysis_id", as: Int64?.self)
        let filename = try row.decode("filename", as: String.self)
        let pageCount = max(try row.decode("page_count", as: Int?.self) ?? pageSizes.count, 1)
        let stateValue = try row.decode("state", as: String.self)
        let base = "/review/documents/\(documentID)"
        let parameters = request.uri.queryParameters

        // What is selected: a finding, one of its quotes, a page.
        let selectedIndex =
            parameters.get("finding", as: Int64.self).flatMap { id in findings.firstIndex { $0.findingId == id } }
            ?? findings.firstIndex { $0.presence == "present" } ?? (findings.isEmpty ? nil : 0)
        let selected = selectedIndex.map { findings[$0] }
        let quoteIndex: Int? = selected.flatMap { finding in
            if let asked = parameters.get("quote", as: Int.self), finding.quotes.indices.contains(asked) { return asked }
            return finding.quotes.firstIndex { $0.verified && !($0.locations ?? []).isEmpty }
                ?? (finding.quotes.isEmpty ? nil : 0)
        }
        let quote = quoteIndex.flatMap { index in selected?.quotes[index] }
        let page: Int = {
            if let asked = parameters.get("page", as: Int.self), (1...pageCount).contains(asked) { return asked }
            return quote?.locations?.first?.page ?? quote?.page ?? 1
        }()
        func href(finding: FindingRow, quote: Int? = nil, page: Int? = nil) -> String {
            var link = base + "?finding=\(finding.findingId)"
            if let quote { link += "&quote=\(quote)" }
            if let page { link += "&page=\(page)" }
            return link + "#finding-\(finding.findingId)"
        }

        // A page's size in points (the boxes' space); US Letter when extraction recorded none.
        let size = pageSizes.first { $0.count == 3 && $0[0] == Double(page) }
        let widthPoints = size?[1].flatMap { $0 > 0 ? $0 : nil } ?? 612
        let heightPoints = size?[2].flatMap { $0 > 0 ? $0 : nil } ?? 792
        let boxes: [[String: String]] = (quote?.locations ?? []).filter { $0.page == page }.flatMap(\.boxes).map { box in
            [
                "left": Self.percent(box.x1, of: widthPoints), "top": Self.percent(box.y1, of: heightPoints),
                "width": Self.percent(box.x2 - box.x1, of: widthPoints), "height": Self.percent(box.y2 - box.y1, of: heightPoints),
            ]
        }

        var view: [String: Any] = [
            "chrome": chrome(session), "filename": filename,
            "title": try row.decode("title", as: String?.self) as Any,
            "state": Self.stateLabel(stateValue), "stateClass": Self.stateLabel(stateValue).replacingOccurrences(of: " ", with: "-"),
            "lastError": try row.decode("last_error", as: String?.self) as Any,
            "profile": try row.decode("profile", as: String?.self) as Any,
            "model": try row.decode("model", as: String?.self) ?? "",
            "analysedAt": (try row.decode("analysed_at", as: Date?.self)).map(Self.display) ?? "",
            "present": try row.decode("present", as: Int.self), "total": try row.decode("total", as: Int.self),
            "unverified": try row.decode("unverified", as: Int.self),
            "progress": Self.progress(
                total: try row.decode("total", as: Int.self), reviewed: try row.decode("reviewed", as: Int.self),
                corrected: try row.decode("corrected", as: Int.self)),
            "saved": parameters.get("saved") != nil,
            "error": (parameters.get("error").flatMap { Self.decisionErrors[$0] ?? "The decision was not recorded." }) as Any,
            "hasFindings": !findings.isEmpty,
            "findings": findings.enumerated().map { index, finding in
                Self.findingView(finding, selected: index == selectedIndex, selectedQuote: quoteIndex) {
                    href(finding: $0, quote: $1, page: $2)
                }
            },
            "hasHistory": !history.isEmpty,
            "history": history.map { entry in
                [
                    "decision": entry.decision, "label": Self.label(entry.category), "reviewer": entry.reviewer,
                    "at": entry.decidedAt, "note": entry.note as Any,
                    "earlier": entry.analysisId != nil && entry.analysisId != analysisID,
                ] as [String: Any]
            },
        ]
        if let selected, let selectedIndex {
            view["viewer"] = [
                "page": page, "pageCount": pageCount,
                "imageSrc": "\(base)/pages/\(page)?w=\(configuration.imageWidth)", "wordsSrc": "\(base)/pages/\(page)/words",
                "widthPt": Self.number(widthPoints), "heightPt": Self.number(heightPoints),
                "boxes": boxes, "quoteText": quote?.text as Any,
                "previousPage": (page > 1 ? href(finding: selected, quote: quoteIndex, page: page - 1) : nil) as Any,
                "nextPage": (page < pageCount ? href(finding: selected, quote: quoteIndex, page: page + 1) : nil) as Any,
            ] as [String: Any]
            let presence = selected.reviewedPresence ?? selected.presence
            view["selectedFinding"] = [
                "label": Self.label(selected.category), "csrf": session.csrfToken,
                "action": "\(base)/findings/\(selected.findingId)/decision",
                "presenceOptions": ["present", "absent", "unclear"].map { ["value": $0, "selected": $0 == presence] },
                "value": selected.reviewedValue ?? selected.value ?? "", "quotePage": page, "pageCount": pageCount,
            ] as [String: Any]
            view["previousFinding"] = (selectedIndex > 0 ? href(finding: findings[selectedIndex - 1]) : nil) as Any
            view["nextFinding"] = (selectedIndex + 1 < findings.count ? href(finding: findings[selectedIndex + 1]) : nil) as Any
        }
        return templates.page("document", view)
    }

    static func findingView(
        _ finding: FindingRow, selected: Bool, selectedQuote: Int?, href: (FindingRow, Int?, Int?) -> String
    ) -> [String: Any] {
        let status = finding.reviewStatus ?? "pending"
        var review: String
        switch status {
        case "reviewed": review = "Confirmed by \(finding.reviewedBy ?? "a reviewer")"
        case "corrected":
            review = (finding.reviewDecision == "reject" ? "Rejected" : "Corrected") + " by \(finding.reviewedBy ?? "a reviewer")"
            let after = [finding.reviewedPresence, finding.reviewedValue.map { "“\($0)”" }].compactMap { $0 }.joined(separator: ": ")
            if !after.isEmpty { review += " → \(after)" }
        default: review = "Not reviewed yet"
        }
        if status != "pending", finding.reviewCurrent == false { review += " (on an earlier analysis)" }
        return [
            "id": finding.findingId, "label": Self.label(finding.category), "href": href(finding, nil, nil),
            "selected": selected, "presence": finding.presence, "value": finding.value as Any,
            "confidence": finding.confidence.map { "\(Int(($0 * 100).rounded()))%" } as Any,
            "risk": finding.risk.flatMap { $0 == "none" ? nil : $0 } as Any,
            "reviewStatus": status, "reviewLabel": review,
            "reviewedQuote": finding.reviewedQuote.flatMap { quote in
                quote.text.map { ["text": $0, "page": quote.page as Any] as [String: Any] }
            } as Any,
            "flags": (finding.groundingFlags ?? []).map { $0.replacingOccurrences(of: "_", with: " ") },
            "conflict": finding.conflict.map { conflict in
                [
                    "kinds": (conflict.kinds ?? []).joined(separator: ", "),
                    "sides": (conflict.sides ?? []).map { side in
                        [
                            "pages": "\(side.firstPage.map(String.init) ?? "?")–\(side.lastPage.map(String.init) ?? "?")",
                            "presence": side.presence ?? "", "value": side.value as Any,
                        ] as [String: Any]
                    },
                ] as [String: Any]
            } as Any,
            "hasQuotes": !finding.quotes.isEmpty,
            "quotes": finding.quotes.enumerated().map { index, quote in
                [
                    "text": quote.text, "page": quote.locations?.first?.page ?? quote.page as Any, "match": quote.match,
                    "matchLabel": Self.matchLabels[quote.match] ?? quote.match,
                    "href": href(finding, index, nil), "selected": selected && index == selectedQuote,
                ] as [String: Any]
            },
        ]
    }

    static func percent(_ value: Double, of whole: Double) -> String {
        guard whole > 0, value.isFinite else { return "0" }
        return String(format: "%.3f", min(max(100 * value / whole, -1), 101))
    }

    static func number(_ value: Double) -> String { String(format: "%.2f", value) }

    static func display(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date).prefix(16) + " UTC"
    }

    /// A positive 64-bit id from the path; anything else names no row: 404.
    static func id(_ context: APIRequestContext, _ name: String, what: String) throws -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id > 0 else { throw WebError.notFound(what) }
        return id
    }
}
