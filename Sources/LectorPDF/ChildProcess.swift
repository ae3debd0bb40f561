import CLectorPDFShims
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One run of the extraction child: spawns it, feeds it, reads its frames, enforces the wall clock and
/// always reaps it.
///
/// ``run(executable:arguments:input:wallClockSeconds:limits:onMessage:)`` blocks; call it on a
/// dedicated thread. ``cancel()`` may be called from any thread.
final class ChildProcess: Sendable {
    private struct State {
        var pid: pid_t = 0
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Kills the child (if it runs) and makes ``run`` end with `CancellationError`.
    func cancel() {
        state.withLock { state in
            state.cancelled = true
            // The pid is cleared under this lock before it is reaped, so it is never a recycled one.
            if state.pid > 0 { kill(state.pid, SIGKILL) }
        }
    }

    /// Runs the child to its end.
    ///
    /// - Throws: ``PDFError`` (the child's own, or timed out, crashed, isolation failed), or
    ///   `CancellationError` after ``cancel()``.
    func run(
        executable: String, arguments: [String], input: [UInt8], wallClockSeconds: Double, limits: ExtractionLimits,
        onMessage: (ChildMessage) -> Void
    ) throws {
        // stdin is a socket so that writing to a child that already died fails with EPIPE
        // (MSG_NOSIGNAL) instead of raising SIGPIPE in the worker.
        var inputPair: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        defer { for fd in inputPair + outputPipe + errorPipe where fd >= 0 { close(fd) } }
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &inputPair) == 0,
            lector_pipe_cloexec(&outputPipe) == 0, lector_pipe_cloexec(&errorPipe) == 0
        else { throw PDFError(.isolationFailed, "cannot create pipes for the extraction child: errno \(errno)") }

        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawnStatus = lector_spawn(executable, argv, inputPair[1], outputPipe[1], errorPipe[1], &pid)
        guard spawnStatus == 0 else {
            throw PDFError(.isolationFailed, "cannot start the extraction child \(executable): errno \(spawnStatus)")
        }
        let cancelledEarly = state.withLock { state in
            state.pid = pid
            return state.cancelled
        }
        if cancelledEarly { kill(pid, SIGKILL) }
        for index in [1] {
            close(inputPair[index]); inputPair[index] = -1
            close(outputPipe[index]); outputPipe[index] = -1
            close(errorPipe[index]); errorPipe[index] = -1
        }
        _ = fcntl(inputPair[0], F_SETFL, fcntl(inputPair[0], F_GETFL) | O_NONBLOCK)

        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int(wallClockSeconds * 1000))
        var written = 0
        var output: [UInt8] = []
        var consumed = 0
        var errorTail: [UInt8] = []
        var outputOpen = true
        var errorOpen = true
        var timedOut = false
        var failure: PDFError?
        var finished = false
        var protocolBroken = false
        var chunk = [UInt8](repeating: 0, count: 1 << 16)

        while outputOpen || errorOpen {
            let now = ContinuousClock.now
            if now >= deadline {
                timedOut = true
                kill(pid, SIGKILL)
                break
            }
            let remaining = deadline - now
            let timeout = Int32(min(1000, max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)))
            var fds: [pollfd] = []
            if outputOpen { fds.append(pollfd(fd: outputPipe[0], events: Int16(POLLIN), revents: 0)) }
            if errorOpen { fds.append(pollfd(fd: errorPipe[0], events: Int16(POLLIN), revents: 0)) }
            let writing = inputPair[0] >= 0 && written < input.count
            if writing { fds.append(pollfd(fd: inputPair[0], events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0, errno != EINTR { break }
            if ready <= 0 { continue }
            for entry in fds where entry.revents != 0 {
                if entry.fd == inputPair[0] {
                    let n = input.withUnsafeBytes { raw in
                        send(entry.fd, raw.baseAddress! + written, raw.count - written, Int32(MSG_NOSIGNAL))
                    }
                    if n > 0 { written += n }
                    if n < 0, errno != EAGAIN, errno != EINTR { written = input.count }
                    if written >= input.count {
                        // Done (or the child stopped reading): end of file for the child.
                        close(inputPair[0])
                        inputPair[0] = -1
                    }
                    continue
                }
                let n = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress!, $0.count) }
                if n < 0, errno == EINTR || errno == EAGAIN { continue }
                if n <= 0 {
                    if entry.fd == outputPipe[0] { outputOpen = false } else { errorOpen = false }
                    continue
                }
                if entry.fd == errorPipe[0] {
                    // Only the tail: Poppler can print megabytes of syntax errors on a broken file.
                    errorTail.append(contentsOf: chunk[0..<n])
                    if errorTail.count > 8192 { errorTail.removeFirst(errorTail.count - 4096) }
                    continue
                }
                output.append(contentsOf: chunk[0..<n])
                // Hand over every complete frame.
                while output.count - consumed >= 4 {
                    let length = Int(output[consumed]) | Int(output[consumed + 1]) << 8
                        | Int(output[consumed + 2]) << 16 | Int(output[consumed + 3]) << 24
                    guard output.count - consumed - 4 >= length else { break }
                    let payload = Array(output[(consumed + 4)..<(consumed + 4 + length)])
                    consumed += 4 + length
                    do {
                        let message = try ChildMessage.decode(payload)
                        switch message {
                        case .failure(let error): failure = error
                        case .done: finished = true
                        default: onMessage(message)
                        }
                    } catch {
                        protocolBroken = true
                    }
                }
                if consumed > 1 << 20 {
                    output.removeFirst(consumed)
                    consumed = 0
                }
            }
        }

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let cancelled = state.withLock { state in
            state.pid = 0
            return state.cancelled
        }
        if cancelled { throw CancellationError() }
        if timedOut {
            throw PDFError(.timedOut, "no result within the wall-clock limit of \(Self.seconds(wallClockSeconds))")
        }
        if let failure { throw failure }
        let signal = status & 0x7f
        let exitCode = (status >> 8) & 0xff
        let stderrText = String(decoding: errorTail, as: UTF8.self)
        let outOfMemory = stderrText.contains("Out of memory") || stderrText.contains("bad_alloc")
            || stderrText.contains("failed to allocate") || stderrText.contains("Cannot allocate")
        if signal == SIGXCPU || (signal == SIGKILL && !outOfMemory) {
            throw PDFError(.timedOut, "the extraction used up its CPU limit of \(limits.cpuSeconds) s")
        }
        if outOfMemory && (signal != 0 || exitCode != 0) {
            throw PDFError(.tooLarge, "the extraction reached its memory limit of \(limits.addressSpaceBytes >> 20) MiB")
        }
        if signal != 0 {
            throw PDFError(.crashed, "Poppler crashed (signal \(signal)\(Self.signalName(signal)))")
        }
        if protocolBroken {
            throw PDFError(.isolationFailed, "the extraction child sent a malformed frame")
        }
        if exitCode != 0 {
            throw PDFError(.crashed, "the extraction child exited with status \(exitCode)")
        }
        if !finished {
            throw PDFError(.crashed, "the extraction child ended before its last page")
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    private static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: ", SIGSEGV"
        case SIGABRT: ", SIGABRT"
        case SIGBUS: ", SIGBUS"
        case SIGFPE: ", SIGFPE"
        case SIGILL: ", SIGILL"
        case SIGTRAP: ", SIGTRAP"
        default: ""
        }
    }
}
