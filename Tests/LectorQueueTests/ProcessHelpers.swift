import Foundation
import LectorCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Child processes of the real binary that a test signals while they run (LectorTestSupport's
/// ChildProcess runs a program to its end; these start one and hand back its pid).
enum ProcessHelpers {
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
