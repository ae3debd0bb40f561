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

    @Test func aProgramThatCannotStartIsNamedWithTheReason() async throws {
        let error = await #expect(throws: ChildProcessError.self) {
            try await ChildProcess.run("/nonexistent/lector-missing", [])
        }
        #expect(error?.message == "cannot run /nonexistent/lector-missing: No such file or directory")
    }
}
