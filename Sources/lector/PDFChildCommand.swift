import ArgumentParser
import Foundation
import LectorPDF

/// The hidden child of isolated PDF extraction: `lector pdf-child`, started by ``PDFExtractor`` with the
/// request and the document on standard input. Not for people.
struct PDFChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: PDFExtractor.childCommandName, abstract: "Internal: extract one PDF from standard input.",
        shouldDisplay: false)

    func run() throws {
        // Poppler runs on a thread of its own with a large stack: hostile files recurse deeply, and the
        // command would otherwise run on a cooperative-pool thread with a small one.
        let status = ChildStatus()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            status.value = ExtractionChild.run()
            done.signal()
        }
        thread.stackSize = 64 << 20
        thread.start()
        done.wait()
        if status.value != 0 { throw ExitCode(status.value) }
    }
}

/// The child thread's exit status; written once before the semaphore is signalled, read after.
private final class ChildStatus: @unchecked Sendable {
    var value: Int32 = 0
}
