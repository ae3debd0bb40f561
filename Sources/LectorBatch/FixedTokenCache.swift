import Synchronization

/// Fixed prompt tokens by page count, computed once each.
final class FixedTokenCache: Sendable {
    private let values = Mutex<[Int: Int]>([:])

    func value(_ pages: Int, _ compute: () -> Int) -> Int {
        if let known = values.withLock({ $0[pages] }) { return known }
        let computed = compute()
        values.withLock { $0[pages] = computed }
        return computed
    }
}
