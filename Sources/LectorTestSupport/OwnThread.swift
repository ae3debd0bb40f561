import Foundation

/// Runs blocking work (a child process, initdb, a long C call) on a thread of its own and awaits it.
///
/// Tests must never block Swift's cooperative pool: on two cores it has two threads, and a test that
/// holds one for seconds starves the in-process fake engines and polling loops of every other test
/// running in parallel.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
