import Foundation

extension QuoteVerifier {
    /// Runs grounding work (indexing a document, verifying an answer's quotes) on a thread of its own.
    ///
    /// It is CPU work of up to a second on long documents: on Swift's cooperative pool (two threads on
    /// two cores) it would stall the worker's heartbeats, engine streams and every other job meanwhile.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }
}
