import ArgumentParser
import Foundation
import LectorDB
import LectorPDF
import LectorService
import Logging

/// `lector-bench pages`: the Lector side of `Benchmarks/run pages`. Stores one PDF and asks
/// ``PageRenderStore`` for each of its first pages twice: the first time renders in the extraction child
/// (image and words) and stores the row, the second reads the row. Prints one JSON object with the
/// milliseconds of each.
struct PageRenderBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pages",
        abstract: "Measure page renders for the review desk: first request (child) against cached reads.")

    @OptionGroup var bench: BenchOptions
    @Option(help: "The PDF to render.") var pdf: String
    @Option(help: "How many of its first pages.") var pages = 10
    @Option(help: "Requested width in pixels (rounded up to a step).") var width = 1100
    @Option(help: "The lector executable the extraction children run (default: beside lector-bench).") var lector: String?

    func run() async throws {
        let logger = bench.makeLogger()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: pdf)))
        let executable = lector ?? URL(fileURLWithPath: PDFExtractor.currentExecutable())
            .deletingLastPathComponent().appendingPathComponent("lector").path
        let extractor = PDFExtractor(executable: executable, logger: logger)
        try await bench.withDatabase(logger: logger, maxConnections: 2) { client in
            let document = try await client.withConnection { connection in
                try await DocumentStore().insert(tenant: "bench", filename: "bench.pdf", bytes: bytes, on: connection)
            }
            let store = PageRenderStore(database: client, extractor: extractor, logger: logger)
            var first: [Double] = [], cached: [Double] = [], pixels: [Int] = [], words: [Int] = [], imageBytes: [Int] = []
            for page in 1...max(1, pages) {
                let start = ContinuousClock.now
                guard let render = try await store.render(tenant: "bench", documentID: document.id, page: page, width: width)
                else { break }
                first.append((ContinuousClock.now - start).milliseconds)
                let again = ContinuousClock.now
                guard let read = try await store.render(tenant: "bench", documentID: document.id, page: page, width: width),
                    read.png == render.png
                else { throw ValidationError("page \(page): the cached render differs from the first") }
                cached.append((ContinuousClock.now - again).milliseconds)
                pixels.append(render.widthPixels)
                words.append(render.words.count)
                imageBytes.append(render.png.count)
            }
            printJSON([
                "pages": first.count, "width_step": PageRenderStore.widthStep(width), "width_px": pixels,
                "first_ms": first, "cached_ms": cached, "words": words, "png_bytes": imageBytes,
            ])
        }
    }
}

extension Duration {
    fileprivate var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
