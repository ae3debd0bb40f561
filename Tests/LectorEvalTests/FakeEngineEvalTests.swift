import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorEval
import LectorFakeEngine
import LectorPDF
import LectorQueue
import LectorTestSupport
import Synchronization
import Testing

/// `lector eval cuad` through the real pipeline (stored documents, analyze jobs, a worker, PDF extraction,
/// grounding, PostgreSQL) on all shared CUAD contracts, with a fake engine whose answers are made from the
/// labels (``FakeAnswers``): every figure is known in advance.
@Suite("CUAD evaluation with a fake engine", .serialized)
struct FakeEngineEvalTests {
    static let labelsFile = RepoPaths.corpus.appendingPathComponent("contracts/cuad_labels.csv")
    static let pdfs = RepoPaths.corpus.appendingPathComponent("contracts")

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

    /// The labelled contracts in file name order (as a run orders them), each with a fingerprint of its
    /// text to recognise its requests by, and its pages (to know which labelled spans grounding verifies).
    struct Corpus: Sendable {
        var labels: CUADLabels
        var contracts: [CUADContract]
        var fingerprints: [String]
        var pages: [String: [AnalysisPage]]
    }

    static let corpus = Mutex<Corpus?>(nil)

    static func loadCorpus() async throws -> Corpus {
        if let cached = corpus.withLock({ $0 }) { return cached }
        let labels = try CUADLabels.load(from: labelsFile)
        let contracts = labels.contracts.sorted { $0.file < $1.file }
        let extractor = PDFExtractor(executable: RepoPaths.lectorBinary.path)
        var fingerprints: [String] = []
        var pages: [String: [AnalysisPage]] = [:]
        for contract in contracts {
            let bytes = [UInt8](try Data(contentsOf: pdfs.appendingPathComponent(contract.file)))
            var options = ExtractionOptions()
            options.vision = .none
            options.renderImages = false
            // The words too: a quote that does not verify in the text is read again on its page by rows.
            options.words = true
            let document = try await extractor.extract(bytes, password: nil, options: options)
            // The start of the page with the most text: long enough to be unique, within one page so that
            // the prompt's page markers cannot interrupt it.
            let text = document.pages.map { letters($0.text) }.max { $0.count < $1.count } ?? ""
            try #require(text.count >= 200, "\(contract.file) has no text to recognise it by")
            fingerprints.append(String(text.prefix(200)))
            pages[contract.file] = document.pages.map { page in
                let words = page.words.map { word in
                    AnalysisPage.Word(text: word.text, box: QuoteBox(x1: word.box.x1, y1: word.box.y1, x2: word.box.x2, y2: word.box.y2))
                }
                return AnalysisPage(number: page.number, text: page.text, words: words)
            }
        }
        #expect(Set(fingerprints).count == contracts.count)
        let loaded = Corpus(labels: labels, contracts: contracts, fingerprints: fingerprints, pages: pages)
        corpus.withLock { $0 = loaded }
        return loaded
    }

    /// One evaluation of every contract under `profile`, the fake engine answering by `plan`; returns the
    /// run and how many chat requests the engine saw.
    static func evaluate(
        _ corpus: Corpus, profile: AnalysisProfile, plan: @escaping FakeAnswers.Plan, client: PostgresClient, reuse: Bool = false
    ) async throws -> (run: EvalRun, requests: Int) {
        let logger = TestDatabase.logger
        return try await FakeEngine.withRunning(handler: { request in
            guard request.path.hasSuffix("/chat/completions") else { return await FakeScript(dialect: .vllm).handler(request) }
            let content = letters(request.json.map(strings) ?? "")
            guard let index = corpus.fingerprints.firstIndex(where: { content.contains($0) }) else {
                return .json(400, ["error": ["message": "the fake engine does not know this contract"]])
            }
            guard let asked = FakeAnswers.asked(request.json) else {
                return .json(400, ["error": ["message": "the fake engine expects a JSON schema"]])
            }
            guard
                let answer = FakeAnswers.answer(
                    index: index, contract: corpus.contracts[index],
                    categories: profile.categories.filter { asked.categories.contains($0.key) }, limits: profile.limits, plan: plan,
                    document: asked.document)
            else {
                return .json(400, ["error": ["message": "the fake engine refuses this contract"]])
            }
            return FakeResponses.completion(dialect: .vllm, answer: answer)
        }) { engine in
            let configuration = EngineConfiguration(url: engine.baseURL, dialect: .vllm)
            return try await EngineClient.withClient(configuration: configuration, logger: logger) { engineClient in
                let options = CUADEvaluation.Options(
                    labelsFile: labelsFile, pdfFolder: pdfs, profile: profile, reuseAnalyses: reuse)
                let runner = CUADEvaluation.Runner.inProcess(
                    engine: engineClient, engineDialect: "vllm", extractor: PDFExtractor(executable: RepoPaths.lectorBinary.path),
                    concurrency: 4)
                let run = try await CUADEvaluation(database: client, logger: logger).run(options, runner: runner)
                return (run, engine.chatRequests.count)
            }
        }
    }

    @Test("perfect answers score 1.0; perturbed ones drop by the computed amounts; compare aligns and bounds the change")
    func perfectThenPerturbed() async throws {
        let corpus = try await Self.loadCorpus()
        let profile = FakeAnswers.profile("eval-uncapped", limits: FakeAnswers.uncapped)
        try await TestDatabase.with(maxConnections: 12) { client, _ in
            // Perfect answers, limits no span exceeds: presence F1 1, span recall 1 (all reachable), AUPR 1.
            let (perfect, requests) = try await Self.evaluate(corpus, profile: profile, plan: FakeAnswers.perfect, client: client)
            print(EvalTable.render(perfect))
            #expect(perfect.documents == 26 && perfect.failures.isEmpty && perfect.contracts.count == 26)
            #expect(perfect.categories.map(\.category) == FindingCategory.cuadCategories.map(\.key))
            #expect(perfect.overall.precision == 1 && perfect.overall.recall == 1 && perfect.overall.f1 == 1)
            for score in perfect.categories where score.labelled > 0 {
                #expect(score.f1 == 1 && score.spanRecall == 1 && score.aupr == 1, "\(score.category)")
            }
            let spans = corpus.contracts.reduce(0) { sum, contract in sum + contract.labels.values.reduce(0) { $0 + $1.spans.count } }
            #expect(perfect.overall.labelledSpans == spans && perfect.overall.reachableSpans == spans)
            #expect(perfect.overall.unreachableShare == 0 && perfect.overall.spanRecall == 1)
            #expect(perfect.overall.spanFalsePositives == 0 && perfect.overall.spanPrecision == 1)
            #expect(perfect.overall.aupr == 1 && perfect.overall.precisionAt80Recall == 1 && perfect.overall.precisionAt90Recall == 1)
            // The analyzer splits the 41 categories over requests; the fake counts 120 tokens in, 30 out each.
            #expect(requests >= 26 && perfect.tokensIn == 120 * Int64(requests) && perfect.tokensOut == 30 * Int64(requests))
            #expect(perfect.reusedAnalyses == 0 && perfect.reasoningEffort == "none" && perfect.quoteLimits?.maxQuotes == 60)
            // Grounding: the labelled spans quoted are verified exactly as the pipeline verifies them: in the
            // page text, then, when they do not verify there, on the page they name (1 here) read by rows.
            let pages = corpus.pages
            let verified = try await onOwnThread {
                var count = 0
                for contract in corpus.contracts {
                    let contractPages = pages[contract.file] ?? []
                    let verifier = QuoteVerifier(pages: contractPages)
                    for label in contract.labels.values where label.isPresent {
                        count += label.spans.count { span in
                            let result = verifier.verify(span, page: 1)
                            if result.verified { return true }
                            // The page it names: page 1, or where an approximate match put it.
                            guard result.readsAgainByRows,
                                let page = contractPages.first(where: { $0.number == result.page }),
                                let rows = RowReading(page: page.number, words: page.words)
                            else { return false }
                            return rows.ground(span, pageText: page.text) != nil
                        }
                    }
                }
                return count
            }
            #expect(perfect.overall.quotes == spans)
            #expect(perfect.overall.quotesVerified == verified, "\(perfect.overall.quotesVerified) verified, \(verified) expected")
            // Values: every comparable CUAD answer of a labelled clause agrees.
            let agreeing = corpus.contracts.reduce(0) { sum, contract in
                sum
                    + contract.labels.count { key, label in
                        CUADValue.rules[key].map { label.isPresent && CUADValue.isComparable(label, rule: $0) } ?? false
                    }
            }
            #expect(perfect.overall.valuesAgreed == agreeing && agreeing > 0)

            let store = EvalRunStore(database: client)
            let stored = try await store.run(perfect.id)
            #expect(stored.categories == perfect.categories && stored.contracts == perfect.contracts)
            #expect(stored.selection == perfect.selection && stored.quoteLimits == perfect.quoteLimits)

            // Again, reusing the analyses: the same scores, nothing sent to the engine.
            let again = try await Self.evaluate(corpus, profile: profile, plan: FakeAnswers.perfect, client: client, reuse: true)
            #expect(again.requests == 0)
            #expect(again.run.reusedAnalyses == 26 && again.run.analysisIDs == perfect.analysisIDs)
            #expect(again.run.categories == perfect.categories)

            // Perturbed answers: every drop computed from the labels alone.
            let perturbed = try await Self.evaluate(corpus, profile: profile, plan: FakeAnswers.perturbed, client: client).run
            print(EvalTable.render(perturbed, intervals: Bootstrap().intervals(perturbed.contracts, categories: perturbed.categories.map(\.category))))
            let expected = FakeAnswers.expectedPerturbed(corpus.contracts)
            #expect(perturbed.failures.map(\.file) == expected.failures && expected.failures.count == 1)
            #expect(perturbed.failures.allSatisfy { $0.kind == "engine.bad_request" }, "\(perturbed.failures)")
            #expect(perturbed.documents == 25 && perturbed.contracts.count == 26 && perturbed.contracts.count { $0.failed } == 1)
            let overall = perturbed.overall
            #expect(overall.labelled == expected.labelled && overall.truePositives == expected.truePositives)
            #expect(overall.predicted == expected.truePositives + expected.falsePositivePairs)
            #expect(overall.spanTruePositives == expected.spans - expected.missedSpans)
            #expect(overall.spanFalsePositives == expected.bogusQuotes && overall.spanFalseNegatives == expected.missedSpans)
            func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }
            #expect(close(overall.precision, expected.precision) && close(overall.recall, expected.recall))
            #expect(close(overall.f1, expected.f1) && close(overall.spanRecall, expected.spanRecall))
            #expect(close(overall.aupr, expected.aupr))
            #expect(close(overall.precisionAt80Recall, expected.precision(atRecall: 0.8)))
            #expect(close(overall.precisionAt90Recall, expected.precision(atRecall: 0.9)))
            // The drops from the perfect run, as computed.
            #expect(close(perfect.overall.f1.map { $0 - (overall.f1 ?? 0) }, 1 - expected.f1))
            #expect(close(perfect.overall.aupr.map { $0 - (overall.aupr ?? 0) }, 1 - expected.aupr))
            #expect(expected.f1 < 1 && expected.aupr < 1 && expected.missedPairs > 1 && expected.falsePositivePairs > 1)
            print(
                "perturbed: presence F1 \(expected.f1) (P \(expected.precision), R \(expected.recall)), span recall "
                    + "\(expected.spanRecall), AUPR \(expected.aupr), P@80R \(expected.precision(atRecall: 0.8)), "
                    + "P@90R \(expected.precision(atRecall: 0.9))")

            // Compare: aligned on all 26 contracts, nothing dropped, the differences as computed, and an F1
            // change whose paired interval lies below 0.
            let comparison = EvalComparison(before: try await store.run(perfect.id), after: try await store.run(perturbed.id))
            print(EvalTable.render(comparison))
            #expect(comparison.aligned && comparison.contracts == 26 && comparison.onlyBefore.isEmpty && comparison.onlyAfter.isEmpty)
            let f1Change = try #require(comparison.overall.estimate("f1"))
            #expect(close(f1Change.value, expected.f1 - 1) && (f1Change.upper ?? 0) < 0)
            #expect(close(comparison.overall.estimate("aupr")?.value, expected.aupr - 1))
            #expect(comparison.rows.last?.category == "overall" && comparison.rows.count == 42)

            // The same contracts scored straight from the planned answers give the same outcomes (grounding
            // aside): the pipeline carried every answer through.
            let direct = CUADScorer(categories: FindingCategory.cuadCategories, reach: QuoteReach(FakeAnswers.uncapped)).score(
                corpus.contracts.enumerated().map { index, contract in
                    (
                        contract,
                        FakeAnswers.findings(
                            index: index, contract: contract, categories: FindingCategory.cuadCategories,
                            limits: FakeAnswers.uncapped, plan: FakeAnswers.perturbed)
                    )
                })
            func withoutGrounding(_ contracts: [ContractScore]) -> [ContractScore] {
                contracts.map { contract in
                    ContractScore(
                        file: contract.file, failed: contract.failed,
                        outcomes: contract.outcomes.mapValues { outcome in
                            var o = outcome
                            o.quotesVerified = 0
                            o.quotesByMatch = [:]
                            return o
                        })
                }
            }
            #expect(withoutGrounding(perturbed.contracts) == withoutGrounding(direct.contracts))
        }
    }

    @Test("the shipped quote limits (4 of 600 characters): span recall and AUPR equal the reachable share")
    func cappedByQuoteLimits() async throws {
        let corpus = try await Self.loadCorpus()
        let profile = FakeAnswers.profile("eval-capped", limits: FakeAnswers.capped)
        try await TestDatabase.with(maxConnections: 12) { client, _ in
            let run = try await Self.evaluate(corpus, profile: profile, plan: FakeAnswers.perfect, client: client).run
            print(EvalTable.render(run))
            let overall = run.overall
            let reachable = try #require(overall.reachableSpans)
            let unreachable = try #require(overall.unreachableShare)
            #expect(reachable < overall.labelledSpans)
            #expect(overall.f1 == 1 && overall.spanFalsePositives == 0)
            #expect(overall.spanTruePositives == reachable)
            #expect(overall.spanRecall == 1 - unreachable || abs((overall.spanRecall ?? 0) - (1 - unreachable)) < 1e-12)
            let share = Double(reachable) / Double(overall.labelledSpans)
            // Precision 1 up to the reachable share, nothing beyond: the area is that share.
            #expect(abs((overall.aupr ?? 0) - share) < 1e-12)
            #expect(overall.precisionAt80Recall == (share >= 0.8 ? 1 : 0) && overall.precisionAt90Recall == (share >= 0.9 ? 1 : 0))
            for score in run.categories where score.labelledSpans > 0 {
                #expect(score.spanTruePositives == score.reachableSpans, "\(score.category)")
            }
            print("capped: \(overall.labelledSpans - reachable) of \(overall.labelledSpans) labelled spans out of reach (\(unreachable)); span recall \(overall.spanRecall ?? -1), AUPR \(overall.aupr ?? -1)")
        }
    }

    @Test("an engine that never answers: at the timeout the jobs are cancelled, counted as misses and reported")
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
                        profile: FakeAnswers.profile("eval-timeout", limits: FakeAnswers.capped),
                        selection: ContractSelection(sample: 2, seed: 3))
                    options.timeout = .seconds(2)
                    let run = try await CUADEvaluation(database: client, logger: logger).run(
                        options,
                        runner: .inProcess(
                            engine: engineClient, engineDialect: "vllm",
                            extractor: PDFExtractor(executable: RepoPaths.lectorBinary.path), concurrency: 2))
                    #expect(run.documents == 0 && run.analysisIDs.isEmpty)
                    #expect(run.failures.map(\.reason) == ["not finished within the timeout", "not finished within the timeout"])
                    #expect(run.failuresByKind.map(\.count) == [2])
                    // Both contracts scored, as misses: nothing found, every labelled category missed.
                    #expect(run.contracts.count == 2 && run.contracts.allSatisfy(\.failed))
                    #expect(run.categories.allSatisfy { $0.documents == 2 && $0.failed == 2 && $0.predicted == 0 })
                    #expect(run.overall.labelled > 0 && run.overall.recall == 0 && run.overall.spanRecall == 0 && run.overall.aupr == 0)
                    let open = try await client.query(
                        "SELECT count(*) AS n FROM lector.jobs WHERE state NOT IN ('cancelled')").one().decode("n", as: Int.self)
                    #expect(open == 0)
                    #expect(try await EvalRunStore(database: client).run(run.id).failures == run.failures)
                }
            }
        }
    }
}
