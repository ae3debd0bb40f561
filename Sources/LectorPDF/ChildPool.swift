import Logging
import Synchronization

/// Idle extraction children kept for the next document: starting `lector` costs about 20 ms of CPU
/// (dynamic linking of a large executable), as much as extracting ten pages.
final class ChildPool: Sendable {
    /// A child serves at most this many documents, so that whatever Poppler caches stays bounded.
    static let maxDocumentsPerChild = 64

    private let idle = Mutex<[ChildProcess]>([])
    let executable: String
    let logger: Logger

    init(executable: String, logger: Logger) {
        self.executable = executable
        self.logger = logger
    }

    deinit {
        for child in idle.withLock({ $0 }) { child.terminate() }
    }

    /// An idle child, or a new one. Blocking (posix_spawn): call it on the dedicated thread.
    func take() throws(PDFError) -> ChildProcess {
        if let child = idle.withLock({ $0.popLast() }) { return child }
        let child = try ChildProcess.spawn(executable: executable, arguments: [PDFExtractor.childCommandName])
        ChildIsolation.logMissingLayersOnce(logger)
        return child
    }

    /// Keeps a child that served a document cleanly; retires it when it has served enough.
    func giveBack(_ child: ChildProcess) {
        guard child.documents < Self.maxDocumentsPerChild else {
            child.terminate()
            return
        }
        idle.withLock { $0.append(child) }
    }
}

/// The child a request runs on, for cancellation from another task: set once the child is known.
final class ChildHandle: Sendable {
    private let state = Mutex<(child: ChildProcess?, cancelled: Bool)>((nil, false))

    func set(_ child: ChildProcess) {
        let cancelled = state.withLock { state in
            state.child = child
            return state.cancelled
        }
        if cancelled { child.cancel() }
    }

    func cancel() {
        let child = state.withLock { state in
            state.cancelled = true
            return state.child
        }
        child?.cancel()
    }
}
