import Synchronization
import Testing

@testable import LectorPDF

/// A long document's children do not starve the documents that arrive after it (issue 16).
@Suite("Child slots are shared in turn by document")
struct ChildSlotsTests {
    final class Log: Sendable {
        let names = Mutex<[String]>([])
    }

    @Test func aShortDocumentWaitsForOneChildOfALongOneNotForAllOfThem() async throws {
        let slots = ChildSlots(count: 1)
        let long = slots.document()
        let short = slots.document()
        let log = Log()
        await slots.acquire(for: long)
        let waiters = [(long, "long-1"), (long, "long-2"), (long, "long-3"), (long, "long-4"), (short, "short")]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, (document, name)) in waiters.enumerated() {
                group.addTask {
                    await slots.acquire(for: document)
                    log.names.withLock { $0.append(name) }
                    slots.release()
                }
                // Queue the waiters in a known order.
                while slots.waiting <= index { try await Task.sleep(for: .milliseconds(5)) }
            }
            slots.release()
            try await group.waitForAll()
        }
        #expect(log.names.withLock { $0 } == ["long-1", "short", "long-2", "long-3", "long-4"])
    }
}
