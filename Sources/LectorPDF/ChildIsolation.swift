import CLectorPDFShims
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What an extraction child is shut in by, so that a PDF that takes over Poppler finds nothing to steal
/// and no way out: it starts with an almost empty environment (no database URL, no engine key), holds no
/// descriptor but its standard input, output and error, has no capabilities, and, where the kernel
/// allows, runs in a network namespace of its own, may create no socket (not even to the database's
/// Unix socket), may write no file, and may not trace or signal its parent.
///
/// Layers the kernel refuses are left out (the child still runs) and logged once per process.
enum ChildIsolation {
    /// The isolation layers of a child.
    struct Layers: OptionSet, Sendable, CustomStringConvertible {
        let rawValue: Int32
        /// A network namespace of its own.
        static let network = Layers(rawValue: Int32(LECTOR_ISOLATE_NETWORK))
        /// Landlock: no file writes, no TCP, no signals or ptrace outside the sandbox.
        static let files = Layers(rawValue: Int32(LECTOR_ISOLATE_FILES))
        /// seccomp: no new sockets, no io_uring, no ptrace.
        static let syscalls = Layers(rawValue: Int32(LECTOR_ISOLATE_SYSCALLS))
        static let all: Layers = [.network, .files, .syscalls]

        var description: String {
            var names: [String] = []
            if contains(.network) { names.append("network namespace") }
            if contains(.files) { names.append("Landlock (no file writes)") }
            if contains(.syscalls) { names.append("seccomp (no sockets)") }
            return names.joined(separator: ", ")
        }
    }

    /// The variables a child keeps: locale and what fontconfig reads to find fonts and its cache.
    /// Nothing else of the worker's environment (database URL, engine key, tokens) reaches it.
    static let inheritedVariables: Set<String> = [
        "LANG", "LC_ALL", "LC_CTYPE", "TZ", "HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS",
        "XDG_DATA_DIRS", "FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT",
    ]

    /// The child's environment (`NAME=value` strings), from `environment`.
    static func childEnvironment(from environment: [String: String]) -> [String] {
        // A crash must end the child with its signal, not start a backtracer that wants ptrace.
        environment.filter { inheritedVariables.contains($0.key) }.map { "\($0.key)=\($0.value)" }.sorted()
            + ["SWIFT_BACKTRACE=enable=no"]
    }

    private static let environment = childEnvironment(from: ProcessInfo.processInfo.environment)

    /// The layers the kernel refused, once known, and whether that was logged.
    private static let report = Mutex<(missing: Layers?, logged: Bool)>((nil, false))

    /// Starts `executable` isolated, with `stdin`, `stdout` and `stderr` as its standard descriptors.
    /// Blocking (until the child execs); call it on a dedicated thread.
    ///
    /// - Returns: the child's pid and the layers it runs without.
    /// - Throws: ``PDFError`` `isolationFailed` when it cannot be started.
    static func spawn(
        executable: String, arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32, layers: Layers = .all
    ) throws(PDFError) -> (pid: pid_t, missing: Layers) {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        var missing: Int32 = 0
        let status = lector_spawn_isolated(executable, argv, envp, stdin, stdout, stderr, layers.rawValue, nil, &pid, &missing)
        guard status == 0 else {
            throw PDFError(.isolationFailed, "cannot start the extraction child \(executable): errno \(status)")
        }
        let refused = Layers(rawValue: missing)
        report.withLock { if $0.missing == nil { $0.missing = refused } }
        return (pid, refused)
    }

    /// Logs, once per process, the layers the kernel refused to the first children (nothing when it
    /// refused none).
    static func logMissingLayersOnce(_ logger: Logger) {
        let missing = report.withLock { state -> Layers? in
            guard let missing = state.missing, !state.logged else { return nil }
            state.logged = true
            return missing
        }
        guard let missing, !missing.isEmpty else { return }
        // A warning, not info: the operator should know that a hostile PDF would run with more than
        // it needs, and can usually fix it (unprivileged user namespaces, a kernel with Landlock).
        logger.warning(
            "PDF extraction children run without some isolation the kernel refused",
            metadata: ["pdf.isolation.missing": "\(missing)"])
    }
}
