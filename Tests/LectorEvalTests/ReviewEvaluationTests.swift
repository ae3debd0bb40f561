import Foundation
import LectorDB
import LectorEval
import LectorService
import LectorTestSupport
import Testing

/// `lector eval reviews`: the model scored against reviewers' decisions; the scoring by hand, then the
/// store and the command on decisions recorded in PostgreSQL.
@Suite("Evaluation on reviewed truth")
struct ReviewEvaluationTests {
    static func pair(_ document: Int64, _ category: String, truth: String, _ truthValue: String?, model: String?, _ modelValue: String?)
        -> ReviewedPair
    {
        ReviewedPair(
            documentID: document, category: category, truthPresence: truth, truthValue: truthValue, modelPresence: model,
            modelValue: modelValue)
    }

    /// TP, FP, FN, TN.
    static func counts(_ score: ReviewScore) -> [Int] {
        [score.truePositives, score.falsePositives, score.falseNegatives, score.trueNegatives]
    }

    @Test func scoresAsComputedByHand() {
        let pairs = [
            // governing_law: TP (values agree), TP (disagree), FP, TN (unclear truth is not present).
            Self.pair(1, "governing_law", truth: "present", "New York", model: "present", "new  york."),
            Self.pair(2, "governing_law", truth: "present", "Delaware", model: "present", "Texas"),
            Self.pair(3, "governing_law", truth: "absent", nil, model: "present", "X"),
            Self.pair(4, "governing_law", truth: "unclear", nil, model: "absent", nil),
            // non_compete: FN, FN (an unclear model is not present), TN, and one not scored.
            Self.pair(1, "non_compete", truth: "present", nil, model: "absent", nil),
            Self.pair(2, "non_compete", truth: "present", "24 months", model: "unclear", nil),
            Self.pair(3, "non_compete", truth: "absent", nil, model: "absent", nil),
            Self.pair(5, "non_compete", truth: "present", "2 years", model: nil, nil),
            // cap_on_liability: TP with values that agree once punctuation goes.
            Self.pair(4, "cap_on_liability", truth: "present", "USD 1,000,000", model: "present", "usd 1000000"),
        ]
        let evaluation = ReviewEvaluation.score(pairs, profile: "contract-review", tenant: "acme")
        #expect(evaluation.categories.map(\.category) == ["cap_on_liability", "governing_law", "non_compete"])
        let law = evaluation.categories[1]
        #expect(Self.counts(law) == [2, 1, 0, 1])
        #expect(law.precision == 2.0 / 3.0 && law.recall == 1.0)
        #expect(law.valuesAgreed == 1 && law.valuesComparable == 2 && law.valueAgreement == 0.5)
        #expect(law.decisions == 4 && law.documents == 4 && law.unscored == 0)
        let compete = evaluation.categories[2]
        #expect(Self.counts(compete) == [0, 0, 2, 1])
        #expect(compete.precision == nil && compete.recall == 0 && compete.valueAgreement == nil)
        #expect(compete.decisions == 3 && compete.documents == 3 && compete.unscored == 1)
        let cap = evaluation.categories[0]
        #expect(cap.truePositives == 1 && cap.valuesAgreed == 1 && cap.valuesComparable == 1)
        let overall = evaluation.overall
        #expect(Self.counts(overall) == [3, 1, 2, 2])
        #expect(overall.precision == 0.75 && overall.recall == 0.6)
        #expect(overall.valuesAgreed == 2 && overall.valuesComparable == 3)
        #expect(overall.decisions == 8 && overall.documents == 4 && overall.unscored == 1)

        let table = evaluation.render()
        #expect(table.contains("8 reviewed findings of 4 documents scored; 1 not scored"))
        #expect(table.contains("presence: precision 75.0%, recall 60.0%; values agree 2/3 (66.7%)"))
        #expect(ReviewEvaluation.score([]).isEmpty)
    }

    @Test func valuesAreComparedWithoutCaseWhitespaceOrPunctuation() {
        #expect(ReviewEvaluation.normalizedValue("  The State of\nNew-York. ") == "the state of newyork")
        #expect(ReviewEvaluation.normalizedValue("24 months") != ReviewEvaluation.normalizedValue("25 months"))
        #expect(ReviewEvaluation.normalizedValue("USD 1,000,000") == ReviewEvaluation.normalizedValue("usd 1000000"))
        #expect(ReviewEvaluation.normalizedValue("...") == "")
    }

    // MARK: Against PostgreSQL

    /// A document of `tenant` with page text.
    static func document(_ database: PostgresClient, tenant: String, name: String) async throws -> Int64 {
        try await database.query(
            """
            INSERT INTO lector.documents (tenant, sha256, filename, size_bytes, content, page_count)
            VALUES ($1, $2, $3, 8, '\\x00'::bytea, 1) RETURNING id
            """, tenant, SecretToken.hash(tenant + name), name + ".pdf"
        ).one().decode("id", as: Int64.self)
    }

    /// An analysis of the document under `profile` with the given findings; returns the finding ids by
    /// category.
    static func analyse(
        _ database: PostgresClient, documentID: Int64, tenant: String, profile: String, _ findings: [(String, String, String?)]
    ) async throws -> [String: Int64] {
        let analysis = try await database.query(
            """
            INSERT INTO lector.analyses (document_id, tenant, profile, prompt_version, pipeline_version, model,
                engine_host, engine_dialect, reasoning_effort, started_at, finished_at)
            VALUES ($1, $2, $3, 'p/1', '1', 'm', '127.0.0.1', 'vllm', 'none', now(), clock_timestamp()) RETURNING id
            """, documentID, tenant, profile
        ).one().decode("id", as: Int64.self)
        var ids: [String: Int64] = [:]
        for (category, presence, value) in findings {
            ids[category] = try await database.query(
                """
                INSERT INTO lector.findings (analysis_id, document_id, tenant, category, presence, value)
                VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
                """, analysis, documentID, tenant, category, presence, value
            ).one().decode("id", as: Int64.self)
        }
        return ids
    }

    /// Two reviewed documents of acme (six decisions, one superseded), a later analysis of the second
    /// under another profile, and one decision of another tenant.
    static func seed(_ database: PostgresClient) async throws {
        let store = FindingReviewStore(database: database)
        let first = try await document(database, tenant: "acme", name: "one")
        let second = try await document(database, tenant: "acme", name: "two")
        let a = try await analyse(
            database, documentID: first, tenant: "acme", profile: "contract-review",
            [("governing_law", "present", "New York"), ("non_compete", "absent", nil), ("cap_on_liability", "unclear", nil)])
        let b = try await analyse(
            database, documentID: second, tenant: "acme", profile: "contract-review",
            [("governing_law", "present", "Delaware"), ("non_compete", "present", "2 years"), ("cap_on_liability", "present", "USD 1,000,000")])
        try await store.record(tenant: "acme", findingID: a["governing_law"]!, decision: .confirm, reviewer: "Ada")  // TP, agree
        try await store.record(tenant: "acme", findingID: a["non_compete"]!, decision: .reject, reviewer: "Ada")  // FN
        try await store.record(
            tenant: "acme", findingID: a["cap_on_liability"]!, decision: .correct, correction: .init(presence: "absent"), reviewer: "Ada")  // TN
        try await store.record(
            tenant: "acme", findingID: b["governing_law"]!, decision: .correct, correction: .init(value: "Texas"), reviewer: "Ada")  // TP, disagree
        try await store.record(tenant: "acme", findingID: b["non_compete"]!, decision: .reject, reviewer: "Ada")  // FP
        try await store.record(tenant: "acme", findingID: b["cap_on_liability"]!, decision: .confirm, reviewer: "Ada")
        try await store.record(
            tenant: "acme", findingID: b["cap_on_liability"]!, decision: .correct, correction: .init(value: "USD 2,000,000"),
            reviewer: "Grace")  // the latest: TP, disagree
        // Later, the second document under another profile that only asks for the governing law.
        _ = try await analyse(database, documentID: second, tenant: "acme", profile: "quick", [("governing_law", "present", "texas")])
        let other = try await document(database, tenant: "globex", name: "three")
        let c = try await analyse(database, documentID: other, tenant: "globex", profile: "contract-review", [("governing_law", "present", "Ohio")])
        try await store.record(tenant: "globex", findingID: c["governing_law"]!, decision: .reject, reviewer: "Eve")
    }

    @Test func theStoreAndTheCommandScoreRecordedDecisions() async throws {
        try await TestDatabase.with { database, configuration in
            let lector = RepoPaths.lectorBinary.path
            var components = try #require(URLComponents(string: configuration.connectionString))
            components.path = "/" + (configuration.databaseName ?? "")
            let url = ["--database-url", try #require(components.string)]

            let empty = try await ChildProcess.run(lector, ["eval", "reviews"] + url)
            #expect(empty.status == 0, "\(empty.standardError)")
            #expect(empty.standardOutput.hasPrefix("no reviewed findings"))

            try await Self.seed(database)
            // The profile's analyses: TP 3 (two agreeing values of three), FP 1, FN 1, TN 1.
            let byProfile = ReviewEvaluation.score(
                try await ReviewTruthStore(database: database).pairs(profile: "contract-review", tenant: "acme"))
            #expect(Self.counts(byProfile.overall) == [3, 1, 1, 1])
            #expect(byProfile.overall.valuesAgreed == 1 && byProfile.overall.valuesComparable == 3)
            #expect(byProfile.overall.decisions == 6 && byProfile.overall.documents == 2 && byProfile.overall.unscored == 0)

            let run = try await ChildProcess.run(lector, ["eval", "reviews", "--profile", "contract-review", "--tenant", "acme", "--json"] + url)
            #expect(run.status == 0, "\(run.standardError)")
            let decoded = try JSONDecoder().decode(ReviewEvaluation.self, from: Data(run.standardOutput.utf8))
            #expect(decoded == ReviewEvaluation.score(
                try await ReviewTruthStore(database: database).pairs(profile: "contract-review", tenant: "acme"),
                profile: "contract-review", tenant: "acme"))
            #expect(decoded.overall.precision == 0.75 && decoded.overall.recall == 0.75)

            // Each document's latest analysis: the second is now the quick profile's, which agrees on the
            // governing law and has no finding for the other two reviewed categories.
            let latest = ReviewEvaluation.score(try await ReviewTruthStore(database: database).pairs(tenant: "acme"))
            #expect(Self.counts(latest.overall) == [2, 0, 1, 1] && latest.overall.unscored == 2)
            #expect(latest.overall.valuesAgreed == 2 && latest.overall.valuesComparable == 2)
            // Every tenant: globex's rejected finding is a false positive more.
            let everyone = ReviewEvaluation.score(try await ReviewTruthStore(database: database).pairs(profile: "contract-review"))
            #expect(everyone.overall.falsePositives == 2 && everyone.overall.documents == 3)

            let table = try await ChildProcess.run(lector, ["eval", "reviews", "--profile", "contract-review", "--tenant", "acme"] + url)
            #expect(table.status == 0)
            #expect(table.standardOutput.contains("6 reviewed findings of 2 documents scored"))
            #expect(table.standardOutput.contains("presence: precision 75.0%, recall 75.0%; values agree 1/3 (33.3%)"))
        }
    }
}
