import Synchronization

/// A counting semaphore for child processes: at most `count` run at once; the rest wait, served in turn
/// by document.
///
/// A long document asks for all its children at once (a 10,000-page file: 250 of them). Served in
/// arrival order, every document submitted after it would wait for all of them; served round-robin by
/// document, a short contract waits for at most one child of each document ahead of it.
final class ChildSlots: Sendable {
    private struct State {
        var free: Int
        var waiters: [UInt64: [CheckedContinuation<Void, Never>]] = [:]
        /// Documents with waiters, in the order they are served next.
        var turn: [UInt64] = []
        var nextDocument: UInt64 = 0
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(free: max(1, count)))
    }

    /// A new identity for the children of one document.
    func document() -> UInt64 {
        state.withLock { state in
            state.nextDocument &+= 1
            return state.nextDocument
        }
    }

    /// Waits for a slot for a child of `document`.
    func acquire(for document: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                if state.waiters[document] == nil { state.turn.append(document) }
                state.waiters[document, default: []].append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// How many acquisitions wait.
    var waiting: Int { state.withLock { $0.waiters.values.reduce(0) { $0 + $1.count } } }

    /// Frees a slot: it goes to the first waiter of the document whose turn it is.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.turn.isEmpty else {
                state.free += 1
                return nil
            }
            let document = state.turn.removeFirst()
            var queue = state.waiters[document] ?? []
            let first = queue.removeFirst()
            if queue.isEmpty {
                state.waiters[document] = nil
            } else {
                state.waiters[document] = queue
                state.turn.append(document)
            }
            return first
        }
        next?.resume()
    }
}
