import Foundation

/// posix_spawn with its argument and environment strings copied to C for the call only: the one way
/// ``ChildProcess`` and ``Browser`` start programs.
enum Spawn {
    /// posix_spawn's failure: the error number and its text.
    struct Failure: Error {
        var code: Int32
        var reason: String { String(cString: strerror(code)) }
    }

    /// Starts `path` with `arguments` and exactly `environment`, its descriptors as `actions` set them.
    ///
    /// - Returns: the child's process id.
    static func start(
        _ path: String, _ arguments: [String], environment: [String: String], actions: inout posix_spawn_file_actions_t
    ) throws(Failure) -> pid_t {
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
