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
/// Unix socket), may read only system files (not the worker's secrets), may write no file, and may not
/// trace or signal its parent.
///
/// Layers the kernel refuses are left out (the child still runs) and logged once per process.
enum ChildIsolation {
    /// The isolation layers of a child.
    struct Layers: OptionSet, Sendable, CustomStringConvertible {
        let rawValue: Int32
        /// A network namespace of its own.
        static let network = Layers(rawValue: Int32(LECTOR_ISOLATE_NETWORK))
        /// Landlock: reads only of system files, no writes, no TCP, no signals or ptrace outside the sandbox.
        static let files = Layers(rawValue: Int32(LECTOR_ISOLATE_FILES))
        /// seccomp: no new sockets, no io_uring, no ptrace.
        static let syscalls = Layers(rawValue: Int32(LECTOR_ISOLATE_SYSCALLS))
        static let all: Layers = [.network, .files, .syscalls]

        var description: String {
            var names: [String] = []
            if contains(.network) { names.append("network namespace") }
            if contains(.files) { names.append("Landlock (system files only, no writes)") }
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

    /// System places a child reads: the loader's cache and library directories, shared data (fonts,
    /// Poppler's data, locales, time zones), fontconfig's configuration and cache, a few devices, /proc
    /// (libdispatch reads its threads' entries; other processes' environment and memory stay behind the
    /// ptrace check, which Landlock denies) and what the runtime asks about CPUs.
    static let systemReadablePaths = [
        "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64",
        "/usr/lib32", "/usr/local/lib", "/usr/share", "/usr/local/share", "/etc/fonts", "/var/cache/fontconfig",
        "/etc/localtime", "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/proc", "/sys/devices/system/cpu",
        "/sys/fs/cgroup",
    ]

    /// What a child of `executable` may read and execute: the executable, the directories its loader
    /// searches (its RUNPATH) and of the libraries this process has mapped, the system places, and the
    /// font directories and caches the environment names. Not the worker's home, configuration or
    /// secret files (`.pgpass`, the target of `LECTOR_DATABASE_URL_FILE`, the engine key file).
    static func readablePaths(executable: String, environment: [String: String]) -> [String] {
        var paths = [executable] + systemReadablePaths + mappedLibraryDirectories + runpath(of: executable)
        if let home = environment["HOME"], home.hasPrefix("/") {
            paths += ["/.cache/fontconfig", "/.fontconfig", "/.fonts", "/.local/share/fonts", "/.config/fontconfig"].map { home + $0 }
        }
        if let cache = environment["XDG_CACHE_HOME"] { paths.append(cache + "/fontconfig") }
        if let config = environment["XDG_CONFIG_HOME"] { paths.append(config + "/fontconfig") }
        for name in ["XDG_DATA_DIRS", "XDG_CONFIG_DIRS", "FONTCONFIG_PATH"] {
            paths += (environment[name] ?? "").split(separator: ":").map(String.init)
        }
        if let file = environment["FONTCONFIG_FILE"] { paths.append(file) }
        return paths.filter { $0.hasPrefix("/") }
    }

    /// The directories the executable's loader searches first (its RUNPATH: where a toolchain's Swift
    /// runtime is when it is not in the system's library directories), `$ORIGIN` expanded.
    static func runpath(of executable: String) -> [String] {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard lector_elf_runpath(executable, &buffer, buffer.count) == 0 else { return [] }
        let origin = String(executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)])
        let value = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return value.split(separator: ":").map {
            $0.replacingOccurrences(of: "${ORIGIN}", with: origin).replacingOccurrences(of: "$ORIGIN", with: origin)
        }
    }

    /// The directories of the files this process has mapped (its libraries), from /proc/self/maps.
    private static let mappedLibraryDirectories: [String] = {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return [] }
        var directories: Set<String> = []
        for line in maps.split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = line[slash...]
            guard !path.hasSuffix(" (deleted)"), let last = path.lastIndex(of: "/") else { continue }
            directories.insert(String(path[..<last]))
        }
        return directories.filter { !$0.isEmpty }.sorted()
    }()

    /// ``readablePaths(executable:environment:)`` per executable, worked out once.
    private static let readable = Mutex<[String: [String]]>([:])

    /// The layers the kernel refused, once known, and whether that was logged.
    private static let report = Mutex<(missing: Layers?, logged: Bool)>((nil, false))

    /// Starts `executable` isolated, with `stdin`, `stdout` and `stderr` as its standard descriptors.
    /// Blocking (until the child execs); call it on a dedicated thread.
    ///
    /// - Returns: the child's pid and the layers it runs without.
    /// - Throws: ``PDFError`` `isolationFailed` when it cannot be started.
    /// - Parameter alsoReadable: more paths the child may read and execute (tests' probes run tools).
    static func spawn(
        executable: String, arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32, layers: Layers = .all,
        alsoReadable: [String] = []
    ) throws(PDFError) -> (pid: pid_t, missing: Layers) {
        let paths = readable.withLock { cache in
            if let known = cache[executable] { return known }
            let paths = readablePaths(executable: executable, environment: ProcessInfo.processInfo.environment)
            cache[executable] = paths
            return paths
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        let readablePointers = (paths + alsoReadable).map { UnsafePointer(strdup($0)) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
            for pointer in readablePointers { free(UnsafeMutablePointer(mutating: pointer)) }
        }
        var pid: pid_t = 0
        var missing: Int32 = 0
        let status = lector_spawn_isolated(
            executable, argv, envp, stdin, stdout, stderr, layers.rawValue, nil, readablePointers, &pid, &missing)
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
