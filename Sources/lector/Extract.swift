import ArgumentParser
import Foundation
import LectorCore
import LectorPDF

/// `lector extract FILE`: text, facts and page images of one PDF, for people and scripts.
struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extract the text and page images of a PDF, as the workers do.",
        discussion: """
            Runs Poppler in isolated child processes with a wall-clock timeout, a memory and a CPU limit. \
            Prints the text of each page, or with --json one object with the document's facts and its pages \
            (number, chars, needs_vision, text, image when written, image_tokens). \
            The password may also come from $LECTOR_PDF_PASSWORD (or a file named by $LECTOR_PDF_PASSWORD_FILE). \
            On failure: exit 1 and one line `error: <code>: <reason>` on standard error.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The PDF file (several files are extracted in parallel, one report each, in order).")
    var files: [String]

    @Option(help: "Password of an encrypted PDF.")
    var password: String?

    @Option(help: "Which pages get an image: auto (scans, thin text, large images), all, none.")
    var vision: VisionPolicy = .auto

    @Option(help: "Write the images of the pages that need vision into this directory.")
    var images: String?

    @Option(help: "Longest side of page images in pixels.")
    var maxSide: Int = 1540

    @Option(help: "Image format: jpeg or png.")
    var format: ImageFormat = .jpeg

    @Option(help: "JPEG quality, 1-100.")
    var quality: Int = 85

    @Option(help: "Only these pages, e.g. 3 or 2-10.")
    var pages: String?

    @Flag(help: "Include words with boxes in the JSON output.")
    var words = false

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Wall-clock limit per child process, seconds.")
    var timeout: Double = 120

    @Option(help: "CPU limit per child process, seconds.")
    var cpuLimit: Int = 120

    @Option(help: "Address-space limit per child process, MiB.")
    var memoryLimit: Int = 2048

    @Option(help: "Pages per child process: a long document is split across children of this many pages.")
    var pagesPerChild: Int = 40

    @Flag(help: "Leave /OutputIntents visible to Poppler (slower on PDF/A; for comparisons).")
    var keepOutputIntents = false

    @Flag(help: "Let Poppler read text far outside a page too (slower on stacked layouts; for comparisons).")
    var keepOffPageText = false

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
        guard (64...10_000).contains(maxSide) else { throw ValidationError("--max-side must be between 64 and 10000") }
        if let pages, pageRange(pages) == nil { throw ValidationError("--pages must look like 3 or 2-10") }
    }

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            var limits = ExtractionLimits()
            limits.wallClockSeconds = timeout
            limits.cpuSeconds = cpuLimit
            limits.addressSpaceBytes = memoryLimit << 20
            let extractor = PDFExtractor(limits: limits, pagesPerChild: pagesPerChild, logger: logger)
            let secret = try password ?? Secret.fromEnvironment("LECTOR_PDF_PASSWORD")?.value
            if files.count == 1 {
                print(try await report(files[0], extractor: extractor, password: secret, imagesDirectory: images))
                return
            }
            // Several files: up to one per core at once (the extractor's child slots bound the rest).
            let files = files
            let images = images
            var reports = [String: Result<String, any Error>]()
            try await withThrowingTaskGroup(of: FileReport.self) { group in
                let width = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
                for (index, file) in files.enumerated() {
                    if index >= width, let done = try await group.next() { reports[done.file] = done.result }
                    let directory = images.map { ($0 as NSString).appendingPathComponent("\(index + 1)") }
                    group.addTask {
                        do {
                            let text = try await report(file, extractor: extractor, password: secret, imagesDirectory: directory)
                            return FileReport(file: file, result: .success(text))
                        } catch {
                            return FileReport(file: file, result: .failure(error))
                        }
                    }
                }
                while let done = try await group.next() { reports[done.file] = done.result }
            }
            var failed = false
            for file in files {
                let result = reports[file]
                switch result {
                case .success(let text): print(text)
                case .failure(let error as any LectorError):
                    failed = true
                    printError("\(file): \(error.code): \(error.description)")
                case .failure(let error):
                    failed = true
                    printError("\(file): \(error)")
                case nil: break
                }
            }
            if failed { throw ExitCode(ExitStatus.failure) }
        }
    }

    /// Extracts one file and returns its report (JSON or text).
    private func report(
        _ file: String, extractor: PDFExtractor, password secret: String?, imagesDirectory images: String?
    ) async throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PDFError(.notPDF, "cannot read \(file)")
        }
        var options = ExtractionOptions()
        options.vision = vision
        options.renderImages = images != nil
        options.imageFormat = format
        options.jpegQuality = quality
        options.maxSide = maxSide
        options.words = words
        options.bypassOutputIntents = !keepOutputIntents
        options.cutOffPageText = !keepOffPageText
        options.pages = pages.flatMap(pageRange)
        if let images { try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true) }

        var info: PDFDocumentInfo?
        var entries: [(number: Int, json: [String: Any], text: String, summary: String)] = []
        // Images go to disk as they arrive, so memory holds text only, however long the document.
        for try await event in extractor.events(of: Array(data), password: secret, options: options) {
            switch event {
            case .document(let facts):
                info = facts
            case .page(let page):
                var path: String?
                if let image = page.image, let images {
                    let name = String(format: "page-%04d.%@", page.number, image.format.fileExtension)
                    let target = (images as NSString).appendingPathComponent(name)
                    guard image.write(toFile: target) else {
                        throw PDFError(.renderFailed, "cannot write \(target)")
                    }
                    path = target
                }
                var entry: [String: Any] = [
                    "number": page.number, "chars": page.chars, "needs_vision": page.needsVision,
                    "text": page.text, "width": page.width, "height": page.height, "rotation": page.rotation,
                    "image_coverage": (page.imageCoverage * 1000).rounded() / 1000,
                    "image_tokens": page.imageTokens ?? 0,
                ]
                if let path { entry["image"] = path }
                if let w = page.imageWidth, let h = page.imageHeight { entry["image_size"] = [w, h] }
                if words {
                    entry["words"] = page.words.map {
                        ["text", $0.text, $0.box.x1, $0.box.y1, $0.box.x2, $0.box.y2].dropFirst().map { $0 }
                    }
                }
                let summary = "page \(page.number): \(page.chars) chars"
                    + (page.needsVision ? ", needs vision (\(page.imageTokens ?? 0) image tokens)" : "")
                    + (path.map { ", image \($0)" } ?? "")
                entries.append((page.number, entry, page.text, summary))
            }
        }
        guard let info else { throw PDFError(.isolationFailed, "the extraction ended without the document's facts") }
        entries.sort { $0.number < $1.number }
        if json {
            var document: [String: Any] = [
                "pages": info.pageCount, "pdf_version": info.pdfVersion, "encrypted": info.encrypted,
                "output_intents": info.declaresOutputIntents, "output_intents_bypassed": info.outputIntentsBypassed,
            ]
            for (key, value) in [
                ("title", info.title), ("author", info.author), ("creator", info.creator),
                ("producer", info.producer), ("pdf_subtype", info.pdfSubtype),
            ] {
                if let value { document[key] = value }
            }
            let iso = ISO8601DateFormatter()
            if let date = info.creationDate { document["created"] = iso.string(from: Date(timeIntervalSince1970: Double(date))) }
            if let date = info.modificationDate { document["modified"] = iso.string(from: Date(timeIntervalSince1970: Double(date))) }
            return jsonString([
                "file": file, "document": document, "pages": entries.map(\.json),
                "image_tokens": entries.reduce(0) { $0 + (($1.json["image_tokens"] as? Int) ?? 0) },
            ])
        } else {
            var lines = ["\(file): \(info.pageCount) pages, \(info.pdfVersion)" + (info.title.map { ", \"\($0)\"" } ?? "")]
            for entry in entries {
                lines.append("--- \(entry.summary)")
                lines.append(entry.text)
            }
            return lines.joined(separator: "\n")
        }
}

private func jsonString(_ value: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    return String(decoding: data, as: UTF8.self)
}


    private func pageRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        switch parts.count {
        case 1: if let n = parts[0], n >= 1 { return n...n }
        case 2: if let a = parts[0], let b = parts[1], a >= 1, a <= b { return a...b }
        default: break
        }
        return nil
    }
}

extension VisionPolicy: ExpressibleByArgument {}
extension ImageFormat: ExpressibleByArgument {}

/// One file's report in a multi-file extraction.
private struct FileReport: Sendable {
    let file: String
    let result: Result<String, any Error>
}
