import CLectorPDFShims
import LectorCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One extraction child process: the `lector` binary in its hidden child mode, serving one document
/// request after another on its standard input and output.
///
/// A child is reused only after a clean document (its frames complete, nothing on its standard error):
/// after any failure, timeout, crash or complaint from Poppler it is killed and reaped, so a malformed
/// file never leaves state behind for the next one. ``request(_:wallClockSeconds:limits:onMessage:)``
/// blocks; call it on a dedicated thread. ``cancel()`` may be called from any thread.
///
/// Children end with the parent without a signal: an idle child reads end of file on its standard
/// input and exits, a busy one is killed by SIGPIPE on its next page. (PR_SET_PDEATHSIG would follow the
/// short-lived thread that spawned the child, not the process.)
final class ChildProcess: Sendable {
    private struct State {
        var pid: pid_t = 0
        var input: Int32 = -1
        var output: Int32 = -1
        var error: Int32 = -1
        var cancelled = false
        var documents = 0
    }

    private let state: Mutex<State>

    private init(pid: pid_t, input: Int32, output: Int32, error: Int32) {
        state = Mutex(State(pid: pid, input: input, output: output, error: error))
    }

    deinit {
        terminate()
    }

    /// Number of documents this child has served.
    var documents: Int { state.withLock { $0.documents } }

    /// Starts a child.
    static func spawn(executable: String, arguments: [String]) throws(PDFError) -> ChildProcess {
        // stdin is a socket so that writing to a child that already died fails with EPIPE
        // (MSG_NOSIGNAL) instead of raising SIGPIPE in the worker.
        var inputPair: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &inputPair) == 0,
            lector_pipe_cloexec(&outputPipe) == 0, lector_pipe_cloexec(&errorPipe) == 0
        else {
            for fd in inputPair + outputPipe + errorPipe where fd >= 0 { close(fd) }
            throw PDFError(.isolationFailed, "cannot create pipes for the extraction child: errno \(errno)")
        }
        let pid: pid_t
        do {
            pid = try ChildIsolation.spawn(
                executable: executable, arguments: arguments, stdin: inputPair[1], stdout: outputPipe[1], stderr: errorPipe[1]
            ).pid
        } catch {
            for fd in inputPair + outputPipe + errorPipe { close(fd) }
            throw error
        }
        close(inputPair[1])
        close(outputPipe[1])
        close(errorPipe[1])
        _ = fcntl(inputPair[0], F_SETFL, fcntl(inputPair[0], F_GETFL) | O_NONBLOCK)
        return ChildProcess(pid: pid, input: inputPair[0], output: outputPipe[0], error: errorPipe[0])
    }

    /// Kills the child (if it runs) and makes a running request end with `CancellationError`.
    func cancel() {
        state.withLock { state in
            state.cancelled = true
            // The pid is cleared under this lock before it is reaped, so it is never a recycled one.
            if state.pid > 0 { kill(state.pid, SIGKILL) }
        }
    }

    /// Kills and reaps the child and closes its descriptors; idempotent.
    func terminate() {
        let (pid, fds) = state.withLock { state -> (pid_t, [Int32]) in
            defer {
                state.pid = 0
                state.input = -1
                state.output = -1
                state.error = -1
            }
            return (state.pid, [state.input, state.output, state.error])
        }
        if pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }
        for fd in fds where fd >= 0 { close(fd) }
    }

    /// Sends one document request and reads its frames until the child says it is done.
    ///
    /// - Returns: whether the child may serve another document.
    /// - Throws: ``PDFError`` (the child's own, or timed out, crashed, isolation failed), or
    ///   `CancellationError` after ``cancel()``. The child is terminated whenever this throws.
    func request(
        _ input: [UInt8], wallClockSeconds: Double, limits: ExtractionLimits, onMessage: (ChildMessage) -> Void
    ) throws -> Bool {
        let (pid, inputFD, outputFD, errorFD) = state.withLock { ($0.pid, $0.input, $0.output, $0.error) }
        guard pid > 0 else { throw PDFError(.isolationFailed, "the extraction child is gone") }
        let deadline = ContinuousClock.now + (Duration.seconds(clamping: wallClockSeconds, to: 0...1e9) ?? .zero)
        var written = 0
        var output = FrameBuffer()
        var complained = false
        var errorTail: [UInt8] = []
        var outputOpen = true
        var errorOpen = true
        var timedOut = false
        var failure: PDFError?
        var finished = false
        var protocolBroken = false
        var chunk = [UInt8](repeating: 0, count: 1 << 16)

        while !finished, failure == nil, !protocolBroken, outputOpen {
            let now = ContinuousClock.now
            if now >= deadline {
                timedOut = true
                break
            }
            let remaining = deadline - now
            let milliseconds = remaining.wholeMilliseconds
            var fds = [pollfd(fd: outputFD, events: Int16(POLLIN), revents: 0)]
            if errorOpen { fds.append(pollfd(fd: errorFD, events: Int16(POLLIN), revents: 0)) }
            if written < input.count { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(1000, max(1, milliseconds))))
            if ready < 0, errno != EINTR { break }
            if ready <= 0 { continue }
            for entry in fds where entry.revents != 0 {
                if entry.fd == inputFD {
                    let n = input.withUnsafeBytes { raw in
                        send(entry.fd, raw.baseAddress! + written, raw.count - written, Int32(MSG_NOSIGNAL))
                    }
                    if n > 0 { written += n }
                    // The child stopped reading (it died or refused the document): its frames tell.
                    if n < 0, errno != EAGAIN, errno != EINTR { written = input.count }
                    continue
                }
                let n = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress!, $0.count) }
                if n < 0, errno == EINTR || errno == EAGAIN { continue }
                if n <= 0 {
                    if entry.fd == outputFD { outputOpen = false } else { errorOpen = false }
                    continue
                }
                if entry.fd == errorFD {
                    complained = true
                    // Only the tail: Poppler can print megabytes of syntax errors on a broken file.
                    errorTail.append(contentsOf: chunk[0..<n])
                    if errorTail.count > 8192 { errorTail.removeFirst(errorTail.count - 4096) }
                    continue
                }
                output.append(chunk[0..<n])
                while let payload = output.next() {
                    do {
                        switch try ChildMessage.decode(payload) {
                        case .failure(let error): failure = error
                        case .done: finished = true
                        case let message: onMessage(message)
                        }
                    } catch {
                        protocolBroken = true
                    }
                }
            }
        }

        if finished || failure != nil, !protocolBroken, !timedOut, output.isDrained {
            let cancelled = state.withLock { state in
                state.documents += 1
                return state.cancelled
            }
            if cancelled {
                terminate()
                throw CancellationError()
            }
            if let failure {
                // A refused document (encrypted, damaged, ...) leaves the child sound, but Poppler
                // complained about it: start afresh.
                terminate()
                throw failure
            }
            if complained { terminate() }
            return !complained
        }

        // Something went wrong: the child goes. One that ended on its own (end of file on its output)
        // is reaped as it is, so that its exit status says what happened.
        if timedOut || protocolBroken || outputOpen { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let cancelled = state.withLock { state in
            state.pid = 0
            return state.cancelled
        }
        terminate()
        if cancelled { throw CancellationError() }
        if timedOut {
            // Wall-clock time depends on the machine's load as much as on the document: worth one more try.
            throw PDFError(
                .timedOut, "no result within the wall-clock limit of \(Self.seconds(wallClockSeconds))", transient: true)
        }
        if protocolBroken { throw PDFError(.isolationFailed, "the extraction child sent a malformed frame") }
        throw ChildExit.error(status: status, standardError: errorTail, limits: limits)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value)) s" : "\(value) s"
    }
}
