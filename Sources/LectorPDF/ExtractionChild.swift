#if canImport(Glibc)
import Glibc
#endif

/// The child side of isolated extraction: what `lector`'s hidden child subcommand runs.
///
/// Reads requests (a header, then the document) from standard input, one after another; before Poppler
/// sees a document it puts that request's limits in place (address space, CPU), then streams one frame
/// per page to standard output. Poppler's complaints go to standard error, which the parent drains.
public enum ExtractionChild {
    /// Runs the child protocol on the given descriptors and returns the process exit status.
    public static func run(input: Int32 = 0, output: Int32 = 1) -> Int32 {
        // One document after another until the parent closes our input (or goes away).
        while let header = readFrame(input) {
            let request: ChildRequest
            do {
                request = try ChildRequest.decode(header)
            } catch {
                return 65
            }
            applyLimits(request.limits)
            guard request.byteCount >= 0, request.byteCount <= request.limits.maxBytes,
                let bytes = readExactly(input, count: request.byteCount)
            else {
                _ = send(.failure(PDFError(.isolationFailed, "the child could not read the document")), to: output)
                return 74
            }
            guard serve(request, bytes: bytes, output: output) else { return 74 }
        }
        return 0
    }

    /// Extracts one document and streams its frames; false when the output is gone.
    private static func serve(_ request: ChildRequest, bytes: [UInt8], output: Int32) -> Bool {
        do {
            let document = try PDFDocument(
                bytes: bytes, password: request.password, bypassOutputIntents: request.options.bypassOutputIntents,
                cutOffPageText: request.options.cutOffPageText ? request.options.pages ?? 1...Int.max : nil,
                limits: request.limits)
            guard send(.document(document.info), to: output) else { return false }
            let all = 1...document.pageCount
            let range = request.options.pages.map { $0.clamped(to: all) } ?? all
            for number in range {
                let page = try document.page(number)
                let extracted = try PageExtractor.extract(page, options: request.options, limits: request.limits)
                guard send(.page(extracted), to: output) else { return false }
            }
            return send(.done, to: output)
        } catch {
            return send(.failure(error), to: output)
        }
    }

    /// Limits for the next document. Soft limits only: a reused child gets its CPU allowance on top of
    /// what it has used so far, and SIGXCPU (default action: terminate) ends it at the soft limit.
    private static func applyLimits(_ limits: ExtractionLimits) {
        var address = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &address)
        address.rlim_cur = min(rlim_t(limits.addressSpaceBytes), address.rlim_max)
        setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &address)

        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let used = Int(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + 1
        var cpu = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &cpu)
        cpu.rlim_cur = min(rlim_t(used + limits.cpuSeconds), cpu.rlim_max)
        setrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &cpu)

        // A crash of Poppler should not write a core file the size of the address space.
        var core = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &core)
    }

    private static func send(_ message: ChildMessage, to fd: Int32) -> Bool {
        writeAll(fd, message.framed())
    }

    static func readFrame(_ fd: Int32) -> [UInt8]? {
        guard let header = readExactly(fd, count: Frame.headerSize) else { return nil }
        let length = Frame.length(header)
        guard length <= 1 << 20 else { return nil }
        return readExactly(fd, count: length)
    }

    static func readExactly(_ fd: Int32, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBytes { raw in
            untilDone(count) { done in read(fd, raw.baseAddress! + done, count - done) }
        }
        return ok ? buffer : nil
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            untilDone(raw.count) { done in write(fd, raw.baseAddress! + done, raw.count - done) }
        }
    }

    /// Repeats `step` (a read or write given the bytes done so far, returning its result) until `count`
    /// bytes are done, again after EINTR; false when a step ends early (end of file, an error).
    private static func untilDone(_ count: Int, _ step: (Int) -> Int) -> Bool {
        var done = 0
        while done < count {
            let n = step(done)
            if n > 0 {
                done += n
            } else if n < 0, errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}
