import Foundation
import LectorAnalysis
import LectorCore
import LectorDB
import LectorEngine
import LectorPDF
import LectorQueue
import Logging
import Metrics

/// The `analyze` job: a stored document through extraction, the engine and grounding, with its pages,
/// analysis and findings written in the job's fenced completion.
///
/// A retried job never leaves two analyses: results are written only in the transaction that completes
/// the job, which commits only while this worker still holds the lease, and analyses are unique per job.
public struct AnalyzeJob: Sendable {
    /// The job kind in `lector.jobs`.
    public static var kind: String { Arguments.kind }
    /// Bumped when extraction or analysis changes what a job produces; part of the unique key, so a new
    /// pipeline re-analyses documents the old one already did.
    public static let pipelineVersion = "1"

    /// The job's arguments as stored.
    public struct Arguments: JobParameters, Equatable {
        public static let kind = "analyze"
        public var documentID: Int64
        public var profile: String
        /// The document's password, when it is encrypted. Stored with the job; never logged.
        public var password: String?

        enum CodingKeys: String, CodingKey {
            case documentID = "document_id"
            case profile, password
        }

        public init(documentID: Int64, profile: String, password: String? = nil) {
            self.documentID = documentID
            self.profile = profile
            self.password = password
        }
    }

    /// The unique key of the live analyze job of a document under a profile and this pipeline.
    public static func uniqueKey(documentID: Int64, profile: String) -> String {
        "analyze:\(documentID):\(profile):\(pipelineVersion)"
    }

    /// The job that analyses `documentID` under `profile`: every analysis is enqueued through here.
    /// - Parameter uniqueKey: by default ``uniqueKey(documentID:profile:)``, one live job per document,
    ///   profile and pipeline; an evaluation run keys its own.
    public static func newJob(
        documentID: Int64, profile: String, password: String? = nil, tenant: String, queue: String = "default",
        priority: Int = 0, batchID: Int64? = nil, uniqueKey: String? = nil
    ) throws -> NewJob {
        try NewJob(
            Arguments(documentID: documentID, profile: profile, password: password), queue: queue, priority: priority,
            uniqueKey: uniqueKey ?? Self.uniqueKey(documentID: documentID, profile: profile), tenant: tenant,
            batchID: batchID)
    }

    let database: PostgresClient
    let extractor: PDFExtractor
    let engine: EngineClient
    let engineDialect: String
    let profiles: [String: AnalysisProfile]
    let maxConcurrentRequests: Int

    /// - Parameters:
    ///   - profiles: the profiles jobs may name, by name.
    ///   - engineDialect: recorded on every analysis.
    ///   - maxConcurrentRequests: the most requests of one document in flight at once. The engine
    ///     client's adaptive limit bounds the whole process, so this only keeps one long document from
    ///     taking every slot; the worker's `--concurrency` bounds documents.
    public init(
        database: PostgresClient, extractor: PDFExtractor, engine: EngineClient, engineDialect: String,
        profiles: [String: AnalysisProfile], maxConcurrentRequests: Int = 32
    ) {
        self.database = database
        self.extractor = extractor
        self.engine = engine
        self.engineDialect = engineDialect
        self.profiles = profiles
        self.maxConcurrentRequests = maxConcurrentRequests
    }

    /// Registers the handler under ``kind``.
    public func register(in handlers: inout JobHandlers) {
        handlers.register(Arguments.self) { arguments, context in try await self.run(arguments, context) }
    }

    /// Runs one job; throws a classified ``JobFailure`` for the queue.
    public func run(_ arguments: Arguments, _ context: JobContext) async throws {
        guard let profile = profiles[arguments.profile] else {
            throw JobFailure.permanent("unknown profile '\(arguments.profile)'")
        }
        let startedAt = Date()
        let bytes = try await loadDocument(arguments.documentID)

        let extractStart = ContinuousClock.now
        let options = extractionOptions(profile)
        let document: ExtractedDocument
        do {
            document = try await extractor.extract(bytes, password: arguments.password, options: options)
        } catch let error as PDFError {
            throw Self.classify(error, attempt: context.job.attempt)
        }
        let extractMilliseconds = Self.milliseconds(ContinuousClock.now - extractStart)
        Metrics.Timer(label: MetricName.extractionDuration)
            .recordNanoseconds(Int64(saturating: Double(extractMilliseconds) * 1_000_000) ?? 0)
        Counter(label: MetricName.extractionPages).increment(by: document.pages.count)
        Counter(label: MetricName.extractionVisionPages).increment(by: document.pages.count { $0.needsVision })
        context.logger.debug("extracted", metadata: ["document.pages": "\(document.pages.count)"])

        // Images and word boxes are fetched when needed, not held for the whole document.
        let source = DocumentPageSource(extractor: extractor, bytes: bytes, password: arguments.password, options: options)
        let analysisPages = document.pages.map(source.analysisPage)
        var result: AnalysisResult
        do {
            let analyzer = Analyzer(
                client: engine, profile: profile, maxConcurrentRequests: maxConcurrentRequests, logger: context.logger)
            let store = AnalysisChunkStore(
                database: database, jobID: context.job.id, documentID: arguments.documentID, tenant: context.job.tenant)
            result = try await analyzer.analyze(pages: analysisPages, store: store)
            let texts = Dictionary(analysisPages.map { ($0.number, $0.text) }, uniquingKeysWith: { first, _ in first })
            // Words for the pages that hold located quotes (their boxes), and for the pages named by quotes
            // that did not verify (read again row by row).
            let wordPages = Set(result.pagesToLocate).union(result.pagesToReread.filter { texts[$0] != nil }).sorted()
            try await source.words(of: wordPages) { number, words in
                result.reread(page: number, text: texts[number] ?? "", words: words)
                result.locateBoxes(page: number, text: texts[number] ?? "", words: words)
            }
        } catch let error as EngineError {
            throw await Self.classify(error) { () async -> EngineError? in
                do {
                    try await engine.probe()
                    return nil
                } catch {
                    return error as? EngineError
                }
            }
        } catch let error as AnalysisError {
            throw JobFailure.permanent("\(error.code): \(error.description)")
        } catch let error as PDFError {
            throw Self.classify(error, attempt: context.job.attempt)
        }

        let pages = document.pages.map {
            DocumentStore.Page(
                number: $0.number, text: $0.text, widthPoints: $0.width, heightPoints: $0.height, rotation: $0.rotation,
                imageCoverage: $0.imageCoverage, needsVision: $0.needsVision)
        }
        let storeContext = AnalysisStore.Context(
            documentID: arguments.documentID, jobID: context.job.id, tenant: context.job.tenant,
            engineDialect: engineDialect, pipelineVersion: Self.pipelineVersion, startedAt: startedAt,
            extractMilliseconds: extractMilliseconds,
            costUSD: engine.configuration.price.cost(input: result.usage.promptTokens, output: result.usage.completionTokens))
        do {
            try await context.complete { connection in
                try await DocumentStore().storePages(pages, documentID: arguments.documentID, on: connection)
                _ = try await AnalysisStore().write(result, context: storeContext, on: connection)
            }
        } catch let error as DatabaseError where Self.isDataError(error) {
            // PostgreSQL refused a value (class 22: out of range, invalid format; class 23: a constraint):
            // the same answer would be refused again, so a full re-analysis would only repeat it.
            throw JobFailure.permanent("the results could not be stored: \(error.code): \(error.description)")
        }
    }

    /// A data exception (SQLSTATE class 22) or an integrity constraint violation (class 23).
    static func isDataError(_ error: DatabaseError) -> Bool {
        guard let state = error.sqlState else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23")
    }

    private func loadDocument(_ id: Int64) async throws -> [UInt8] {
        do {
            guard let content = try await database.withConnection({ try await DocumentStore().content(documentID: id, on: $0) })
            else { throw JobFailure.permanent("document \(id) does not exist") }
            return content
        } catch let missing as DocumentStore.MissingContent {
            throw JobFailure.permanent(missing.description)
        }
    }

    private func extractionOptions(_ profile: AnalysisProfile) -> ExtractionOptions {
        var options = ExtractionOptions()
        switch profile.imagePolicy {
        case .auto: options.vision = .auto
        case .all: options.vision = .all
        case .none: options.vision = .none
        }
        // The text pass only: images are rendered when a request needs them, and the words that locate
        // quotes on their pages (for highlighting) are fetched for those pages after the analysis.
        options.renderImages = false
        options.words = false
        return options
    }

    /// An extracted page as the analysis sees it: text, vision need, image and word boxes.
    public static func analysisPage(_ page: ExtractedPage) -> AnalysisPage {
        var image: PageImageSource?
        if page.needsVision, let rendered = page.image {
            let picture = PageImage(bytes: rendered.bytes, mimeType: rendered.format == .png ? "image/png" : "image/jpeg")
            image = PageImageSource(width: rendered.width, height: rendered.height, load: { picture })
        }
        let words = page.words.map { word in
            AnalysisPage.Word(
                text: word.text, box: QuoteBox(x1: word.box.x1, y1: word.box.y1, x2: word.box.x2, y2: word.box.y2))
        }
        return AnalysisPage(number: page.number, text: page.text, needsVision: page.needsVision, image: image, words: words)
    }

    /// Broken, encrypted or hostile documents fail at once; an infrastructure hiccup is retried, and a
    /// failure that may be the machine's (a SIGKILLed child, the wall-clock limit under load) once.
    static func classify(_ error: PDFError, attempt: Int = 1) -> JobFailure {
        switch error.kind {
        case .isolationFailed: return .retryable("\(error.code): \(error.description)")
        default:
            if error.transient && attempt < 2 {
                return .retryable("\(error.code): \(error.description) (retried once)")
            }
            return .permanent("\(error.code): \(error.description)")
        }
    }

    /// An engine that is down or misconfigured is the worker's problem, not the job's: the job waits
    /// without using an attempt (``DependencyUnavailable``). A failure in the middle of an answer (a
    /// reset stream, a 500, a timeout after the first byte) may be this request's or the engine's: one
    /// probe (`confirm`, which returns the probe's error) tells them apart.
    static func classify(_ error: EngineError, confirm: () async -> EngineError?) async -> any Error {
        if error.indicatesEngineDown { return EngineHealth.unavailable(error) }
        if error.kind == .unavailable || error.kind == .timeout, let probed = await confirm(), probed.indicatesEngineDown {
            return EngineHealth.unavailable(probed)
        }
        return classify(error)
    }

    /// Engine outages and rate limits keep the job alive; a request the engine will never accept does not.
    static func classify(_ error: EngineError) -> JobFailure {
        if error.kind == .rateLimited { return .rateLimited(retryAfter: error.retryAfter ?? 30, "\(error.code): \(error.description)") }
        if error.isRetryable { return .retryable("\(error.code): \(error.description)") }
        return .permanent("\(error.code): \(error.description)")
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.wholeMilliseconds)
    }
}
