import Foundation

/// Runs a program to completion and collects its exit status and output, for tests that drive the
/// `lector` binary or server tools.
///
/// Uses posix_spawn and waitpid: Foundation's Process has been seen to miss the exit of a child whose
/// own child (a database server) lives on. Output goes through files, never pipes, for the same reason.
public struct ChildProcess: Sendable {
    /// The exit status, or 128 + signal number when a signal ended it.
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    /// Runs `path` with `arguments`; `environment` entries are added to (or replace) this process's.
    ///
    /// Blocks the calling thread; call ``run(_:_:environment:)-async`` from async code.
    public static func runBlocking(
        _ path: String, _ arguments: [String], environment: [String: String] = [:]
    ) throws -> ChildProcess {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lector-child-\(UUID().uuidString)").path
        let outPath = base + ".out", errPath = base + ".err"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let pid: pid_t
        do {
            pid = try Spawn.start(path, arguments, environment: merged, actions: &actions)
        } catch {
            throw ChildProcessError(message: "cannot run \(path): \(error.reason)")
        }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        let signal = raw & 0x7f
        let status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        return ChildProcess(
            status: status,
            standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Runs the program on a thread of its own, so the cooperative pool never waits for it.
    public static func run(
        _ path: String, _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> ChildProcess {
        try await onOwnThread { try runBlocking(path, arguments, environment: environment) }
    }
}

/// A program could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
