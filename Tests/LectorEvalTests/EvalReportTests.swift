import Foundation
import LectorAnalysis
import LectorDB
import LectorEval
import LectorPDF
import LectorTestSupport
import Testing

/// `lector eval report RUN --html FILE` on a stored run of the shared CUAD contracts with known answers
/// (the perturbed plan of ``FakeAnswers``, under the shipped quote limits, so that the page shows a
/// failure, a curve with a false positive at high confidence, and the quote limits' cap), rendered by
/// headless Chromium: a screenshot for people, and a PDF whose text, read back with Poppler, must show
/// what the page is for.
@Suite("The HTML report")
struct EvalReportTests {
    static let labelsFile = RepoPaths.corpus.appendingPathComponent("contracts/cuad_labels.csv")

    /// The run the report is made of, scored straight from the planned answers.
    static func knownRun() throws -> EvalRun {
        let labels = try CUADLabels.load(from: labelsFile)
        let contracts = labels.contracts.sorted { $0.file < $1.file }
        let categories = FindingCategory.cuadCategories
        let scorer = CUADScorer(categories: categories, reach: QuoteReach(FakeAnswers.capped))
        let scored = scorer.score(
            contracts.enumerated().map { index, contract in
                (
                    contract,
                    FakeAnswers.findings(
                        index: index, contract: contract, categories: categories, limits: FakeAnswers.capped,
                        plan: FakeAnswers.perturbed)
                )
            })
        let failures = scored.contracts.filter(\.failed).map {
            EvalRun.Failure(file: $0.file, reason: "engine.bad_request: the fake engine refuses this contract (HTTP 400)")
        }
        let started = Date(timeIntervalSince1970: 1_790_000_000)
        return EvalRun(
            labels: "cuad_labels.csv", engineHost: "127.0.0.1:8000", model: "fake-from-labels", engineDialect: "vllm",
            profile: "eval-capped", promptVersion: "eval-capped/1", reasoningEffort: "none",
            documents: contracts.count - failures.count, failures: failures, analysisIDs: [], reusedAnalyses: 0, tokensIn: 3000,
            tokensOut: 750, costUSD: nil, startedAt: started, finishedAt: started.addingTimeInterval(95),
            categories: scored.categories, overall: scored.overall, contracts: scored.contracts,
            selection: ContractSelection.Record(available: contracts.count, chosen: contracts.count),
            quoteLimits: QuoteReach(FakeAnswers.capped))
    }

    @Test("the page is self-contained and escapes what it shows")
    func selfContained() throws {
        var run = try Self.knownRun()
        run.model = "<script>alert(1)</script>"
        run.failures[0].reason = "engine.bad_request: <img src=x onerror=alert(1)> & more"
        let html = EvalReportHTML.render(run, intervals: Bootstrap(resamples: 50).intervals(run.contracts, categories: run.categories.map(\.category)))
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""))
        for tag in ["<script", "<img", "<link", "<iframe", "<object", "src=\"", "href=\"", "url("] {
            #expect(!html.contains(tag), "the page loads or runs something: \(tag)")
        }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; more"))
        // One bar per category, the curve, the cap.
        #expect(html.components(separatedBy: "fill=\"#2f6fdf\"/>").count - 1 == run.categories.count { $0.f1 != nil })
        #expect(html.contains("<polyline") && html.contains("quote limits cap recall at"))
    }

    @Test(
        "lector eval report --html, rendered by headless Chromium",
        .enabled(if: Chromium.executable != nil, "chromium is not installed: deploy/local/setup installs it (apt-get install chromium)"))
    func renderedInChromium() async throws {
        let run = try Self.knownRun()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lector-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("report.html")

        try await TestDatabase.with { client, configuration in
            let id = try await EvalRunStore(database: client).insert(run)
            var components = try #require(URLComponents(string: configuration.connectionString))
            components.path = "/" + (configuration.databaseName ?? "")
            let result = try await ChildProcess.run(
                RepoPaths.lectorBinary.path,
                ["eval", "report", "\(id)", "--html", page.path, "--database-url", try #require(components.string)])
            #expect(result.status == 0, "\(result.standardError)")
        }
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("run 1"))

        // A screenshot for people: 1280 x 800, kept under .build/screenshots.
        let screenshot = folder.appendingPathComponent("eval-report.png")
        let shot = try await Chromium.run(
            page, ["--screenshot=\(screenshot.path)", "--window-size=1280,800"], profile: folder.appendingPathComponent("profile"))
        #expect(shot.status == 0, "\(shot.standardError)")
        let png = try Data(contentsOf: screenshot)
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1280 && height == 800)
        let kept = RepoPaths.root.appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: kept, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: kept.appendingPathComponent("eval-report.png"))
        try FileManager.default.copyItem(at: screenshot, to: kept.appendingPathComponent("eval-report.png"))
        try? FileManager.default.removeItem(at: kept.appendingPathComponent("eval-report.html"))
        try FileManager.default.copyItem(at: page, to: kept.appendingPathComponent("eval-report.html"))

        // What Chromium laid out, read back by Poppler from its PDF print: the figures, the bars' labels,
        // the curve's axes and cap, the failure and its reason.
        let pdf = folder.appendingPathComponent("report.pdf")
        let printed = try await Chromium.run(
            page, ["--print-to-pdf=\(pdf.path)", "--no-pdf-header-footer"], profile: folder.appendingPathComponent("profile"))
        #expect(printed.status == 0, "\(printed.standardError)")
        var options = ExtractionOptions()
        options.vision = .none
        options.renderImages = false
        options.words = false
        let document = try await PDFExtractor(executable: RepoPaths.lectorBinary.path).extract(
            [UInt8](try Data(contentsOf: pdf)), password: nil, options: options)
        let text = document.pages.map(\.text).joined(separator: "\n").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let failed = try #require(run.failures.first)
        for expected in [
            "CUAD evaluation", "Presence F1", "AUPR", "Precision at 80% recall", "Governing Law", "Anti-Assignment", "recall",
            "precision", "quote limits cap recall at", "engine.bad_request", "Failed contracts",
            String(format: "%.1f%%", (run.overall.aupr ?? -1) * 100), String(format: "%.1f%%", (run.overall.f1 ?? -1) * 100),
        ] {
            // Card labels are upper-cased by the style sheet.
            #expect(text.lowercased().contains(expected.lowercased()), "the rendered report lacks \(expected)")
        }
        // A file name may be broken across lines in the PDF: compare without whitespace.
        #expect(text.filter { !$0.isWhitespace }.contains(failed.file.filter { !$0.isWhitespace }))
    }
}
