import Foundation
import LectorDB

#if canImport(Glibc)
import Glibc
#endif

/// A `lector` process the test starts, signals and waits for (the real binary, as an operator runs it).
///
/// Output goes to a file, never a pipe, so a child it leaves behind cannot hold the test up.
public struct LectorProcess: Sendable {
    public let pid: pid_t
    public let logPath: String

    /// Starts `lector ARGUMENTS` with standard input from /dev/null, output into a temporary file.
    public static func start(_ arguments: [String]) throws -> LectorProcess {
        let logPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("lector-test-\(UUID().uuidString).log").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let path = RepoPaths.lectorBinary.path
        let pid: pid_t
        do {
            pid = try Spawn.start(path, arguments, environment: ProcessInfo.processInfo.environment, actions: &actions)
        } catch {
            throw ChildProcessError(message: "cannot start \(path): \(error.reason)")
        }
        return LectorProcess(pid: pid, logPath: logPath)
    }

    /// Sends `signal`.
    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the process on a thread of its own; returns its exit status, or 128 + the signal.
    public func wait() async -> Int32 {
        let pid = pid
        return await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                var rc: pid_t
                repeat { rc = waitpid(pid, &status, 0) } while rc == -1 && errno == EINTR
                let signal = status & 0x7f
                continuation.resume(returning: rc == -1 ? -1 : (signal == 0 ? (status >> 8) & 0xff : 128 + signal))
            }.start()
        }
    }

    /// What the process wrote (for failure messages).
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func removeLog() { unlink(logPath) }
}

extension PostgresConfiguration {
    /// A libpq URL for this configuration's database, for a child process's `--database-url`.
    public var databaseURL: String {
        guard var components = URLComponents(string: connectionString) else { return connectionString }
        if let databaseName { components.path = "/" + databaseName }
        return components.string ?? connectionString
    }
}
