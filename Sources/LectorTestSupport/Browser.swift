import Foundation
import LectorEngine

/// Headless Chromium driven over the DevTools protocol, for tests of the web pages.
///
/// The browser is started with `--remote-debugging-pipe` (commands on its fd 3, answers and events on its
/// fd 4; no port, no WebSocket) under `timeout 600`, in a process group of its own, with a fresh profile
/// folder. ``close()`` kills the group and removes the profile; a test that never calls it still loses
/// its browser to the `timeout`.
///
/// Every wait has a generous bound (``defaultSeconds``) that only ends a hang and names what was awaited;
/// there is no timing threshold. Blocking reads and writes run on threads of their own, never on Swift's
/// cooperative pool.
public final class Browser: Sendable {
    /// How long any one wait may take before it fails: these machines are loaded, so this is long.
    public static let defaultSeconds: Double = 180

    /// The Chromium binary on `PATH` (`chromium`, as `deploy/local/setup` installs it, or
    /// `chromium-browser`), or nil when none is installed.
    public static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    let pipe: DevToolsPipe
    let width: Int
    let height: Int
    private let pid: pid_t
    private let profile: URL

    private init(pipe: DevToolsPipe, pid: pid_t, profile: URL, width: Int, height: Int) {
        self.pipe = pipe
        self.pid = pid
        self.profile = profile
        self.width = width
        self.height = height
    }

    /// Starts headless Chromium with a viewport of `width` x `height` CSS pixels (device scale 1) and
    /// waits until it answers.
    /// - Throws: ``BrowserError`` when Chromium is not installed, cannot start, or does not answer.
    public static func launch(width: Int = 1280, height: Int = 800) async throws -> Browser {
        guard let chromium = executable else {
            throw BrowserError("chromium is not installed (deploy/local/setup installs it)")
        }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("lector-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let log = profile.appendingPathComponent("chromium.log").path
        let arguments = [
            "600", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--hide-scrollbars",
            "--mute-audio", "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)",
            "--remote-debugging-pipe", "about:blank",
        ]
        let (pid, input, output) = try spawn("/usr/bin/timeout", arguments, log: log)
        let pipe = DevToolsPipe(input: input, output: output) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return String(text.suffix(2000))
        }
        let browser = Browser(pipe: pipe, pid: pid, profile: profile, width: width, height: height)
        do {
            _ = try await pipe.send("Browser.getVersion", seconds: defaultSeconds)
        } catch {
            await browser.close()
            throw error
        }
        return browser
    }

    /// Opens a new tab of the browser's size, attached and with page and network events on.
    public func newPage() async throws -> BrowserPage {
        let target = try await pipe.send(
            "Target.createTarget", ["url": .string("about:blank")], seconds: Self.defaultSeconds)
        guard let targetID = target["targetId"]?.stringValue else {
            throw BrowserError("Target.createTarget answered without a targetId")
        }
        let attached = try await pipe.send(
            "Target.attachToTarget", ["targetId": .string(targetID), "flatten": .bool(true)], seconds: Self.defaultSeconds)
        guard let session = attached["sessionId"]?.stringValue else {
            throw BrowserError("Target.attachToTarget answered without a sessionId")
        }
        return try await BrowserPage.attach(browser: self, session: session, width: width, height: height)
    }

    /// Sends a DevTools command to the browser target (not a page) and returns its result.
    public func send(_ method: String, _ params: [String: JSONValue] = [:]) async throws -> JSONValue {
        try await pipe.send(method, params, seconds: Self.defaultSeconds)
    }

    /// Kills the browser and everything it started (its process group), waits for it, and removes the
    /// profile folder. Safe to call twice.
    public func close() async {
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        let pid = self.pid
        _ = try? await onOwnThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        pipe.close()
        try? FileManager.default.removeItem(at: profile)
    }

    /// Starts `path` with the DevTools pipe on fds 3 (read by the child) and 4 (written by it), output to
    /// `log`, in a new process group (`timeout` makes one for itself and its child). Returns the pid and
    /// this side's ends: the one to write commands to and the one to read answers from.
    private static func spawn(_ path: String, _ arguments: [String], log: String) throws -> (pid_t, Int32, Int32) {
        var commands: [Int32] = [-1, -1], answers: [Int32] = [-1, -1]
        // Commands travel over a socket pair rather than a pipe: a write after the browser died fails with
        // EPIPE (MSG_NOSIGNAL) instead of raising SIGPIPE, which would end the whole test process.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &commands) == 0 else {
            throw BrowserError("socketpair: \(String(cString: strerror(errno)))")
        }
        guard Glibc.pipe(&answers) == 0 else {
            commands.forEach { Glibc.close($0) }
            throw BrowserError("pipe: \(String(cString: strerror(errno)))")
        }
        // Glibc's pipe2 and SOCK_CLOEXEC are not visible to Swift; another thread's spawn between pipe and this could only
        // hold an extra copy of an end until it execs.
        for fd in commands + answers { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // dup2 onto the same number would keep close-on-exec: move the child's ends above 4 first.
        let childRead = fcntl(commands[0], F_DUPFD_CLOEXEC, 10), childWrite = fcntl(answers[1], F_DUPFD_CLOEXEC, 10)
        Glibc.close(commands[0])
        Glibc.close(answers[1])
        defer {
            Glibc.close(childRead)
            Glibc.close(childWrite)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, childRead, 3)
        posix_spawn_file_actions_adddup2(&actions, childWrite, 4)
        do {
            let pid = try Spawn.start(path, arguments, environment: ProcessInfo.processInfo.environment, actions: &actions, closingFrom: 5)
            return (pid, commands[1], answers[0])
        } catch {
            Glibc.close(commands[1])
            Glibc.close(answers[0])
            throw BrowserError("cannot run \(path): \(error.reason)")
        }
    }
}
