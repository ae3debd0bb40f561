import CLectorPDFShims
import Foundation

/// posix_spawn with its argument and environment strings copied to C for the call only: the one way
/// ``ChildProcess``, ``LectorProcess`` and ``Browser`` start programs.
///
/// The child gets only the descriptors its actions set up. SwiftNIO opens its sockets without
/// O_CLOEXEC, so a child of the test process inherited whatever was open at that moment: a fake
/// engine's listening socket, taken into a `pg_ctl`'s server or a Chromium, kept its port bound after
/// the engine stopped, and the engine outage test could not start the engine again on it ("address
/// already in use").
enum Spawn {
    /// posix_spawn's failure: the error number and its text.
    struct Failure: Error {
        var code: Int32
        var reason: String { String(cString: strerror(code)) }
    }

    /// Starts `path` with `arguments` and exactly `environment`, its descriptors as `actions` set them;
    /// every descriptor from `closingFrom` up is closed in the child.
    ///
    /// - Returns: the child's process id.
    static func start(
        _ path: String, _ arguments: [String], environment: [String: String], actions: inout posix_spawn_file_actions_t,
        closingFrom lowest: Int32 = 3
    ) throws(Failure) -> pid_t {
        let closing = lector_spawn_close_from(&actions, lowest)
        guard closing == 0 else { throw Failure(code: closing) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw Failure(code: spawned) }
        return pid
    }
}
