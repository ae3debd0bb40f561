import Glibc

/// Why an extraction child that did not finish its document ended, as that document's error.
enum ChildExit {
    /// The error for a child reaped with wait `status`, given the tail of what it wrote on standard error.
    ///
    /// A SIGKILL nobody here sent (the OOM killer, acting for the whole machine) is transient: not
    /// evidence against the document. Running out of memory or CPU, and crashes, are the document's.
    static func error(status: Int32, standardError tail: [UInt8], limits: ExtractionLimits) -> PDFError {
        let signal = status & 0x7f
        let exitCode = (status >> 8) & 0xff
        let stderrText = String(decoding: tail, as: UTF8.self)
        let outOfMemory = ["Out of memory", "bad_alloc", "failed to allocate", "Cannot allocate"].contains {
            stderrText.contains($0)
        }
        if outOfMemory {
            return PDFError(.tooLarge, "the extraction reached its memory limit of \(limits.addressSpaceBytes >> 20) MiB")
        }
        switch signal {
        case SIGXCPU:
            return PDFError(.timedOut, "the extraction used up its CPU limit of \(limits.cpuSeconds) s")
        case SIGKILL:
            return PDFError(.crashed, "the extraction child was killed (SIGKILL)", transient: true)
        case 0 where exitCode != 0:
            return PDFError(.crashed, "the extraction child exited with status \(exitCode)")
        case 0:
            return PDFError(.crashed, "the extraction child ended before its last page")
        default:
            return PDFError(.crashed, "Poppler crashed (signal \(signal)\(signalName(signal)))")
        }
    }

    static func signalName(_ signal: Int32) -> String {
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
