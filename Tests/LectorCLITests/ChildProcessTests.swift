import Foundation
import LectorTestSupport
import Testing

/// The helper every CLI test runs `lector` with: what it passes to the child and what it says when the
/// child cannot start (its posix_spawn is shared with the browser driver).
@Suite("ChildProcess, the tests' way of running programs")
struct ChildProcessTests {
    @Test func argumentsEnvironmentStatusAndOutputReachTheTest() async throws {
        let env = try await ChildProcess.run("/usr/bin/env", [], environment: ["LECTOR_SPAWN_CHECK": "yes, with spaces"])
        #expect(env.status == 0)
        #expect(env.standardOutput.split(separator: "\n").contains("LECTOR_SPAWN_CHECK=yes, with spaces"))
        #expect(env.standardOutput.split(separator: "\n").contains { $0.hasPrefix("PATH=") })

        let shell = try await ChildProcess.run("/bin/sh", ["-c", "printf '%s|' \"$@\"; echo oops >&2; exit 3", "sh", "a b", "c"])
        #expect(shell.status == 3 && shell.standardOutput == "a b|c|" && shell.standardError == "oops\n")
    }

    /// SwiftNIO opens its sockets without O_CLOEXEC; a child that inherited a fake engine's listening
    /// socket kept its port bound after the engine stopped.
    @Test func aChildInheritsNoDescriptorBeyondItsStandardOnes() async throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listening >= 3)
        defer { close(listening) }
        #expect(fcntl(listening, F_GETFD) & FD_CLOEXEC == 0)
        let shell = try await ChildProcess.run("/bin/sh", ["-c", "ls /proc/$$/fd"])
        #expect(shell.status == 0)
        #expect(shell.standardOutput.split(separator: "\n") == ["0", "1", "2"])
    }

    @Test func aProgramThatCannotStartIsNamedWithTheReason() async throws {
        let error = await #expect(throws: ChildProcessError.self) {
            try await ChildProcess.run("/nonexistent/lector-missing", [])
        }
        #expect(error?.message == "cannot run /nonexistent/lector-missing: No such file or directory")
    }
}
