import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorEval
import LectorFakeEngine
import LectorPDF
import LectorQueue
import LectorTestSupport
import Testing

/// `lector eval cuad` on all shared CUAD contracts with a fake engine whose answers are made from the
/// labels: right for most categories, deliberately inverted for two, so every score is known in advance.
@Suite("CUAD evaluation with a fake engine", .serialized)
struct FakeEngineEvalTests {
    /// Answered from the labels: present exactly when labelled, the labelled spans as quotes, the
    /// normalised CUAD answer as value.
    static let rightCategories = [
        "parties", "agreement_date", "effective_date", "expiration_date", "notice_period", "governing_law", "audit_rights",
    ]
    /// Answered wrongly: present exactly when not labelled, with a quote found nowhere, no value.
    static let wrongCategories = ["renewal_term", "anti_assignment"]
    static let bogusQuote = "This sentence was made up by the evaluation test and is in no contract."

    static var profile: AnalysisProfile {
        let keys = Set(rightCategories + wrongCategories)
        return AnalysisProfile(
            name: "eval-test", promptVersion: "eval-test/1", categories: FindingCategory.all.filter { keys.contains($0.key) },
            reasoningEffort: .off, imagePolicy: .none, maxOutputTokens: 4096, marginTokens: 256,
            limits: .init(maxQuotes: 60, maxQuoteLength: 20_000, maxValueLength: 4000, maxParties: 8))
    }

    /// Letters and digits, lower-cased: what survives any whitespace and hyphenation differences.
    static func letters(_ text: String) -> String {
        String(String.UnicodeScalarView(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }))
    }

    /// Every string in a JSON value, concatenated (the request's messages hold the page text).
    static func strings(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .array(let a): a.map(strings).joined(separator: " ")
        case .object(let o): o.values.map(strings).joined(separator: " ")
        default: ""
        }
    }

    /// The fake model's answer for one contract.
    static func answer(for contract: CUADContract, categories: [FindingCategory]) -> String {
        var findings: [String: JSONValue] = [:]
        for category in categories {
            let label = contract.labels[category.key] ?? .init(spans: [], answer: "")
            let right = rightCategories.contains(category.key)
            let present = right ? label.isPresent : !label.isPresent
            let quotes: [String] = present ? (right ? label.spans : [bogusQuote]) : []
            var value: JSONValue = .null
            var normalized: JSONValue = .null
            if present && right {
                switch CUADValue.rules[category.key] {
                case .date:
                    if let date = CUADValue.isoDate(fromCUAD: label.answer) { normalized = ["date": .string(date)] }
                    value = .string(label.answer)
                case .duration:
                    if let duration = CUADValue.duration(fromCUAD: label.answer) {
                        normalized = ["duration": .string(duration.description)]
                    }
                    value = .string(label.answer)
                case .governingLaw: value = .string(label.answer)
                case .parties: value = .string(label.spans.joined(separator: "; "))
                case nil: normalized = ["boolean": true]
                }
            }
            findings[category.key] = [
                "presence": .string(present ? "present" : "absent"), "value": value, "normalized": normalized,
                "pages": .array(present ? [.number(1)] : []), "quotes": .array(quotes.map { ["page": 1, "text": .string($0)] }),
                "confidence": 0.9, "risk": "low", "risk_rationale": .null,
            ]
        }
        let answer: JSONValue = [
            "document": [
                "title": .null, "type": .null, "parties": [], "governing_law": .null, "currency": .null, "total_value": .null,
            ],
            "findings": .object(findings),
        ]
        return answer.jsonText
    }

    @Test("all shared CUAD contracts: exact presence, span, value and grounding scores; stored, listed, compared")
    func fakeEngineRun() async throws {
        let labelsFile = RepoPaths.corpus.appendingPathComponent("contracts/cuad_labels.csv")
        let pdfs = RepoPaths.corpus.appendingPathComponent("contracts")
        let labels = try CUADLabels.load(from: labelsFile)
        let profile = Self.profile
        let extractor = PDFExtractor(executable: RepoPaths.lectorBinary.path)

        // Each contract's text as the pipeline sees it: to recognise its requests, and to know which of the
        // labelled spans grounding will verify.
        var fingerprints: [(fingerprint: String, contract: CUADContract)] = []
        var verifiers: [String: QuoteVerifier] = [:]
        for contract in labels.contracts {
            let bytes = [UInt8](try Data(contentsOf: pdfs.appendingPathComponent(contract.file)))
            var options = ExtractionOptions()
            options.vision = .none
            options.renderImages = false
            options.words = false
            let document = try await extractor.extract(bytes, password: nil, options: options)
            // The start of the page with the most text: long enough to be unique, within one page so that
            // the prompt's page markers cannot interrupt it.
            let text = document.pages.map { Self.letters($0.text) }.max { $0.count < $1.count } ?? ""
            try #require(text.count >= 200, "\(contract.file) has no text to recognise it by")
            fingerprints.append((String(text.prefix(200)), contract))
            let pages = document.pages.map { AnalysisPage(number: $0.number, text: $0.text) }
            verifiers[contract.file] = try await onOwnThread { QuoteVerifier(pages: pages) }
        }
        #expect(Set(fingerprints.map(\.fingerprint)).count == labels.contracts.count)
        let known = fingerprints

        let logger = TestDatabase.logger
        try await TestDatabase.with(maxConnections: 12) { client, _ in
            try await FakeEngine.withRunning(handler: { request in
                guard request.path.hasSuffix("/chat/completions") else { return await FakeScript(dialect: .vllm).handler(request) }
                let content = Self.letters(request.json.map(Self.strings) ?? "")
                guard let match = known.first(where: { content.contains($0.fingerprint) }) else {
                    return .json(400, ["error": ["message": "the fake engine does not know this contract"]])
                }
                return FakeResponses.completion(
                    dialect: .vllm, answer: Self.answer(for: match.contract, categories: profile.categories))
            }) { engine in
                let configuration = EngineConfiguration(url: engine.baseURL, dialect: .vllm)
                try await EngineClient.withClient(configuration: configuration, logger: logger) { engineClient in
                    let evaluation = CUADEvaluation(database: client, logger: logger)
                    let options = CUADEvaluation.Options(labelsFile: labelsFile, pdfFolder: pdfs, profile: profile)
                    let runner = CUADEvaluation.Runner.inProcess(
                        engine: engineClient, engineDialect: "vllm", extractor: extractor, concurrency: 4)
                    let run = try await evaluation.run(options, runner: runner)
                    print(EvalTable.render(run))
                    // Grounding every labelled span is seconds of CPU in a debug build: off the cooperative pool.
                    let grounding = verifiers
                    let verified = try await onOwnThread { Self.verifiedSpans(labels: labels, verifiers: grounding) }
                    try Self.checkScores(run, labels: labels, verified: verified)
                    #expect(run.tokensIn == 120 * 26 && run.tokensOut == 30 * 26)
                    #expect(run.reusedAnalyses == 0 && run.profile == "eval-test" && run.reasoningEffort == "none")

                    let store = EvalRunStore(database: client)
                    #expect(try await store.run(run.id).categories == run.categories)

                    // Again, reusing the analyses: the same scores, nothing sent to the engine.
                    let requestsBefore = engine.chatRequests.count
                    var reuse = options
                    reuse.reuseAnalyses = true
                    let again = try await evaluation.run(reuse, runner: runner)
                    #expect(engine.chatRequests.count == requestsBefore)
                    #expect(again.reusedAnalyses == 26 && again.analysisIDs == run.analysisIDs)
                    #expect(again.categories == run.categories)

                    #expect(try await store.list().map(\.id) == [again.id, run.id])
                    let comparison = EvalComparison(before: run, after: again)
                    #expect(comparison.rows.count == profile.categories.count + 1)
                    for row in comparison.rows {
                        for metric in EvalComparison.metrics {
                            let delta = row.delta(metric.path)
                            #expect(delta == nil || delta == 0)
                        }
                    }
                    let table = EvalTable.render(run)
                    #expect(table.contains("governing_law") && table.contains("overall"))
                }
            }
        }
    }

    @Test("an engine that never answers: at the timeout the jobs are cancelled and reported, the run is stored")
    func timeoutCancelsAndReports() async throws {
        let contracts = RepoPaths.corpus.appendingPathComponent("contracts")
        let logger = TestDatabase.logger
        try await TestDatabase.with { client, _ in
            try await FakeEngine.withRunning(handler: { request in
                guard request.path.hasSuffix("/chat/completions") else { return await FakeScript(dialect: .vllm).handler(request) }
                try? await Task.sleep(for: .seconds(600))
                return .json(503, ["error": ["message": "stalled"]])
            }) { engine in
                let configuration = EngineConfiguration(url: engine.baseURL, dialect: .vllm)
                try await EngineClient.withClient(configuration: configuration, logger: logger) { engineClient in
                    var options = CUADEvaluation.Options(
                        labelsFile: contracts.appendingPathComponent("cuad_labels.csv"), pdfFolder: contracts,
                        profile: Self.profile, limit: 2)
                    options.timeout = .seconds(2)
                    let run = try await CUADEvaluation(database: client, logger: logger).run(
                        options,
                        runner: .inProcess(
                            engine: engineClient, engineDialect: "vllm",
                            extractor: PDFExtractor(executable: RepoPaths.lectorBinary.path), concurrency: 2))
                    #expect(run.documents == 0 && run.analysisIDs.isEmpty)
                    #expect(run.failures.map(\.reason) == ["not finished within the timeout", "not finished within the timeout"])
                    #expect(run.categories.allSatisfy { $0.documents == 0 && $0.f1 == nil })
                    let open = try await client.query(
                        "SELECT count(*) AS n FROM lector.jobs WHERE state NOT IN ('cancelled')").one().decode("n", as: Int.self)
                    #expect(open == 0)
                    #expect(try await EvalRunStore(database: client).run(run.id).failures == run.failures)
                }
            }
        }
    }

    /// The scores the fake answers must give, computed from the labels alone (and, for grounding, from
    /// the extracted text).
    /// Per category, how many of its labelled spans grounding verifies in their contracts.
    static func verifiedSpans(labels: CUADLabels, verifiers: [String: QuoteVerifier]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for key in rightCategories {
            counts[key] = labels.contracts.reduce(0) { sum, contract in
                sum + (contract.labels[key]?.spans ?? []).count { verifiers[contract.file]!.verify($0, page: 1).verified }
            }
        }
        return counts
    }

    static func checkScores(_ run: EvalRun, labels: CUADLabels, verified verifiedByCategory: [String: Int]) throws {
        #expect(run.documents == 26 && run.failures.isEmpty)
        #expect(run.categories.map(\.category) == profile.categories.map(\.key))
        for score in run.categories {
            let key = score.category
            let labelsOf = labels.contracts.map { ($0.file, $0.labels[key]!) }
            let labelled = labelsOf.count { $0.1.isPresent }
            let spans = labelsOf.reduce(0) { $0 + $1.1.spans.count }
            #expect(score.documents == 26)
            #expect(score.labelled == labelled, "\(key)")
            #expect(score.labelledSpans == spans, "\(key)")
            let rule = CUADValue.rules[key]
            let comparable = rule.map { rule in labelsOf.count { CUADValue.isComparable($0.1, rule: rule) } } ?? 0
            #expect(score.valuesComparable == comparable, "\(key)")
            if rightCategories.contains(key) {
                let verified = verifiedByCategory[key] ?? -1
                #expect(score.predicted == labelled && score.truePositives == labelled, "\(key)")
                #expect(score.labelledSpansMatched == spans && score.quotes == spans && score.quotesMatched == spans, "\(key)")
                #expect(score.quotesVerified == verified, "\(key)")
                let agreeing = rule.map { rule in labelsOf.count { $0.1.isPresent && CUADValue.isComparable($0.1, rule: rule) } } ?? 0
                #expect(score.valuesAgreed == agreeing, "\(key)")
                if labelled > 0 { #expect(score.precision == 1 && score.recall == 1 && score.f1 == 1, "\(key)") }
            } else {
                #expect(score.predicted == 26 - labelled && score.truePositives == 0, "\(key)")
                #expect(score.labelledSpansMatched == 0 && score.quotes == 26 - labelled && score.quotesMatched == 0, "\(key)")
                #expect(score.quotesVerified == 0 && score.valuesAgreed == 0, "\(key)")
                #expect(score.recall == (labelled > 0 ? 0 : nil) && score.spanPrecision == (labelled < 26 ? 0 : nil), "\(key)")
            }
        }
        var overall = CategoryScore(category: "overall")
        for score in run.categories { overall.add(score) }
        #expect(run.overall == overall)
    }
}
