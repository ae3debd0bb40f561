import Foundation
import LectorCore
import Logging
import Synchronization

/// What an isolated extraction streams: the document's facts first, then its pages (in completion order
/// when a long document is split across children; each page carries its number).
public enum ExtractionEvent: Sendable {
    case document(PDFDocumentInfo)
    case page(ExtractedPage)
}

/// Extracts PDFs in child processes of the `lector` executable, each under a wall-clock timeout, an
/// address-space limit and a CPU limit, so that a crash, hang or memory blow-up of Poppler ends as a
/// ``PDFError`` of that document only.
///
/// Many documents may be extracted concurrently; at most `maxConcurrentChildren` children run at once
/// (by default one per core), and the pages of a long document are split across children of
/// `pagesPerChild` pages. The parent never calls Poppler; its blocking reads and waits run on dedicated
/// threads, one per running child, never on Swift's cooperative pool. A child that served a document
/// cleanly waits for the next one (see ``ChildProcess``); any other is killed and reaped at once. Idle
/// children end with the extractor (or the parent process); no temporary file is written: documents
/// travel on the children's standard input, results on their standard output.
public struct PDFExtractor: Sendable {
    /// The hidden subcommand of the executable that runs ``ExtractionChild``.
    public static let childCommandName = "pdf-child"

    /// The executable started as the child (`lector` itself).
    public var executable: String
    /// Limits of each child.
    public var limits: ExtractionLimits
    /// Pages per child for long documents.
    public var pagesPerChild: Int
    private let slots: ChildSlots
    private let pool: ChildPool

    /// - Parameters:
    ///   - executable: path of the `lector` binary; by default the running executable
    ///     (`/proc/self/exe`). Tests pass the built binary.
    ///   - logger: where the isolation layers the kernel refuses children are reported (once per process).
    public init(
        executable: String? = nil, limits: ExtractionLimits = .init(),
        maxConcurrentChildren: Int = ProcessInfo.processInfo.activeProcessorCount, pagesPerChild: Int = 40,
        logger: Logger = Logger(label: "lector.pdf", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.executable = executable ?? Self.currentExecutable()
        self.limits = limits
        self.pagesPerChild = max(1, pagesPerChild)
        self.slots = ChildSlots(count: maxConcurrentChildren)
        self.pool = ChildPool(executable: self.executable, logger: logger)
    }

    /// The path of the running executable.
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Extracts a document and returns its facts and all pages in page order.
    ///
    /// Page images are held in memory; for very long documents with images prefer ``events(of:password:options:)``.
    /// - Throws: ``PDFError``, or `CancellationError`.
    public func extract(
        _ bytes: [UInt8], password: String? = nil, options: ExtractionOptions = .init()
    ) async throws -> ExtractedDocument {
        var info: PDFDocumentInfo?
        var pages: [ExtractedPage] = []
        for try await event in events(of: bytes, password: password, options: options) {
            switch event {
            case .document(let facts): info = facts
            case .page(let page): pages.append(page)
            }
        }
        guard let info else { throw PDFError(.isolationFailed, "the extraction ended without the document's facts") }
        pages.sort { $0.number < $1.number }
        return ExtractedDocument(info: info, pages: pages)
    }

    /// Streams a document's facts and pages as the children produce them.
    ///
    /// The stream ends with a ``PDFError`` when any part fails; stopping to iterate kills the children.
    public func events(
        of bytes: [UInt8], password: String? = nil, options: ExtractionOptions = .init()
    ) -> AsyncThrowingStream<ExtractionEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ExtractionEvent.self)
        // Unstructured because the stream's consumer drives it; cancelled when the consumer goes away.
        let task = Task {
            do {
                try await produce(bytes, password: password, options: options, into: continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func produce(
        _ bytes: [UInt8], password: String?, options: ExtractionOptions,
        into continuation: AsyncThrowingStream<ExtractionEvent, any Error>.Continuation
    ) async throws {
        guard bytes.count <= limits.maxBytes else {
            throw PDFError(.tooLarge, "the file has \(bytes.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        let wanted = options.pages ?? 1...Int.max
        var firstChunk = options
        firstChunk.pages = wanted.lowerBound...min(wanted.upperBound, wanted.lowerBound + pagesPerChild - 1)
        let firstOptions = firstChunk
        let (pageCounts, pageCountContinuation) = AsyncStream.makeStream(of: Int.self)
        // One budget per document, not per child: total page-image bytes and total wall-clock time.
        let budget = DocumentBudget(maxImageBytes: limits.maxDocumentImageBytes)
        let document = slots.document()
        let documentSeconds = limits.documentWallClockSeconds

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Never returns on its own: it throws when the budget is spent, or ends when cancelled
                // after the work is done.
                try await Task.sleep(for: Duration.seconds(clamping: documentSeconds, to: 0...1e9) ?? .seconds(1e9))
                throw PDFError(
                    .timedOut, "the document took longer than its wall-clock budget of \(documentSeconds) s", transient: true)
            }
            var pending = 1
            group.addTask {
                defer { pageCountContinuation.finish() }
                try await runChild(bytes, password: password, options: firstOptions, document: document) { message in
                    switch message {
                    case .document(let info):
                        continuation.yield(.document(info))
                        pageCountContinuation.yield(info.pageCount)
                        pageCountContinuation.finish()
                    case .page(let page):
                        budget.yield(page, to: continuation)
                    default:
                        break
                    }
                }
            }
            var pageCount: Int?
            for await count in pageCounts { pageCount = count }
            if let pageCount, let first = firstOptions.pages, first.upperBound < min(pageCount, wanted.upperBound) {
                var start = first.upperBound + 1
                let end = min(pageCount, wanted.upperBound)
                while start <= end {
                    var chunkOptions = options
                    chunkOptions.pages = start...min(end, start + pagesPerChild - 1)
                    start += pagesPerChild
                    let chunk = chunkOptions
                    pending += 1
                    group.addTask {
                        try await runChild(bytes, password: password, options: chunk, document: document) { message in
                            if case .page(let page) = message { budget.yield(page, to: continuation) }
                        }
                    }
                }
            }
            while pending > 0 {
                try await group.next()
                pending -= 1
            }
            group.cancelAll()  // the budget timer
        }
    }

    private func runChild(
        _ bytes: [UInt8], password: String?, options: ExtractionOptions, document: UInt64,
        onMessage: @escaping @Sendable (ChildMessage) -> Void
    ) async throws {
        await slots.acquire(for: document)
        defer { slots.release() }
        try Task.checkCancellation()
        let handle = ChildHandle()
        let request = ChildRequest(options: options, limits: limits, password: password, byteCount: bytes.count)
        let input = request.encoded() + bytes
        let limits = limits
        let pool = pool
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (result: CheckedContinuation<Void, any Error>) in
                // A dedicated thread: spawning, polling and waitpid block.
                let thread = Thread {
                    do {
                        let child = try pool.take()
                        handle.set(child)
                        let reusable = try child.request(
                            input, wallClockSeconds: limits.wallClockSeconds, limits: limits, onMessage: onMessage)
                        if reusable { pool.giveBack(child) }
                        result.resume()
                    } catch {
                        result.resume(throwing: error)
                    }
                }
                thread.stackSize = 1 << 20
                thread.start()
            }
        } onCancel: {
            handle.cancel()
        }
    }
}

/// The page-image bytes one document may still produce, over all its children (and, for an analysis
/// that fetches images on demand, over all its fetches).
public final class ImageByteBudget: Sendable {
    /// The most bytes of page images the document may produce.
    public let limit: Int
    private let used = Mutex(0)

    public init(limit: Int) {
        self.limit = limit
    }

    /// Counts `count` more bytes.
    /// - Throws: ``PDFError/Kind/tooLarge`` when they exceed the limit (and every later call then throws).
    public func spend(_ count: Int) throws(PDFError) {
        let admitted = used.withLock { used -> Bool in
            let (total, overflow) = used.addingReportingOverflow(count)
            used = overflow ? Int.max : total
            return !overflow && total <= limit
        }
        guard admitted else {
            throw PDFError(.tooLarge, "the document's page images exceed its budget of \(limit) bytes")
        }
    }
}

/// Yields a document's pages while their images fit its ``ImageByteBudget``.
///
/// Exceeding it ends the document's stream with ``PDFError/Kind/tooLarge``; ending the stream cancels
/// the extraction, which kills its children.
struct DocumentBudget: Sendable {
    let images: ImageByteBudget

    init(maxImageBytes: Int) {
        images = ImageByteBudget(limit: maxImageBytes)
    }

    /// Yields `page`, or ends the stream when its image would exceed the budget.
    func yield(_ page: ExtractedPage, to continuation: AsyncThrowingStream<ExtractionEvent, any Error>.Continuation) {
        do {
            try images.spend(page.image?.bytes.count ?? 0)
            continuation.yield(.page(page))
        } catch {
            continuation.finish(throwing: error)
        }
    }
}
