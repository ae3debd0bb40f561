import Foundation
import LectorCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Paths and child processes for the tests that need the real binary or a PostgreSQL of their own.
enum ProcessHelpers {
    /// The repository root: LECTOR_REPO_ROOT, else three levels above this file.
    static var repoRoot: URL {
        if let root = Environment.value("LECTOR_REPO_ROOT") { return URL(fileURLWithPath: root) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The `lector` binary that `swift build` made (debug, else release).
    static func lectorBinary() throws -> URL {
        for configuration in ["debug", "release"] {
            let url = repoRoot.appendingPathComponent(".build/\(configuration)/lector")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw TestFailure("no .build/debug/lector under \(repoRoot.path): run `swift build` first")
    }

    /// Starts a command with standard input from /dev/null and standard output and error into
    /// `outputPath` (a file, never a pipe: a daemon it forks, such as the postmaster, must not hold a
    /// pipe open). Foundation's `Process` is not used: it lost the exit of `pg_ctl` here and hung.
    static func spawn(_ arguments: [String], outputPath: String = "/dev/null") throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw TestFailure("cannot start \(arguments[0]): error \(rc)") }
        return pid
    }

    /// Waits for `pid`; returns its exit status, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Runs a command to its end; returns its exit status and combined output.
    @discardableResult
    static func run(_ arguments: [String], asPostgresUser: Bool = false) throws -> (status: Int32, output: String) {
        var arguments = arguments
        if asPostgresUser, getuid() == 0 { arguments = ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments }
        let outputPath = NSTemporaryDirectory() + "lector-queue-out-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(outputPath) }
        let status = wait(try spawn(arguments, outputPath: outputPath))
        return (status, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A PostgreSQL cluster of the test's own, on its own port, so restarting it disturbs nobody else.
final class ScratchCluster: Sendable {
    let directory: URL
    let port: Int
    let bin: String

    var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

    init() throws {
        let candidates = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]
        guard let bin = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }) else {
            throw TestFailure("PostgreSQL server binaries not found under /usr/lib/postgresql")
        }
        self.bin = bin
        directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("lector-queue-pg-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 {
            try ProcessHelpers.run(["/bin/chown", "postgres:", directory.path])
            try ProcessHelpers.run(["/bin/chmod", "o+x", NSTemporaryDirectory()])
        }
        port = ScratchCluster.freePort()
        let initdb = try ProcessHelpers.run(
            [bin + "/initdb", "-D", directory.path + "/data", "-U", "postgres", "--auth=trust", "--encoding=UTF8",
             "--locale=C.UTF-8"], asPostgresUser: true)
        guard initdb.status == 0 else { throw TestFailure("initdb failed: \(initdb.output)") }
        try start()
    }

    private var options: String { "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1" }

    func start() throws {
        let result = try ProcessHelpers.run(
            [bin + "/pg_ctl", "-D", directory.path + "/data", "-l", directory.path + "/log", "-o", options, "-w", "-t",
             "60", "start"], asPostgresUser: true)
        guard result.status == 0 else { throw TestFailure("pg_ctl start failed: \(result.output)") }
    }

    /// Stops the server (fast: open sessions are terminated) and starts it again.
    func restart() throws {
        let result = try ProcessHelpers.run(
            [bin + "/pg_ctl", "-D", directory.path + "/data", "-l", directory.path + "/log", "-o", options, "-m", "fast",
             "-w", "-t", "60", "restart"], asPostgresUser: true)
        guard result.status == 0 else { throw TestFailure("pg_ctl restart failed: \(result.output)") }
    }

    func destroy() {
        _ = try? ProcessHelpers.run(
            [bin + "/pg_ctl", "-D", directory.path + "/data", "-m", "immediate", "-w", "stop"], asPostgresUser: true)
        try? FileManager.default.removeItem(at: directory)
    }

    /// A port nobody listens on now, as the kernel picks it.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
