import Foundation
import LectorTestSupport
import Testing

@testable import LectorPDF

#if canImport(Glibc)
import Glibc
#endif

extension SecurityTests {
    /// What a probe started exactly as an extraction child is started reports, and what it tried.
    struct ChildProbe {
        var output: String
        var status: Int32
        var missing: ChildIsolation.Layers

        /// The descriptors the shell held (what `ls /proc/$$/fd` printed between the markers).
        var descriptors: [String] {
            let lines = output.split(separator: "\n").map(String.init)
            guard let begin = lines.firstIndex(of: "fds-begin"), let end = lines.firstIndex(of: "fds-end"), begin < end else { return [] }
            return Array(lines[(begin + 1)..<end])
        }

        func values(_ prefix: String) -> [String] {
            output.split(separator: "\n").filter { $0.hasPrefix(prefix + " ") }.map { String($0.dropFirst(prefix.count + 1)) }
        }
    }

    /// Runs `script` with bash, spawned by the extraction children's own spawn code (same environment,
    /// descriptors and isolation layers), and collects its standard output and error.
    static func probeChild(_ script: String) async throws -> ChildProbe {
        try await onOwnThread {
            var output: [Int32] = [-1, -1]
            var input: [Int32] = [-1, -1]
            guard pipe(&output) == 0, pipe(&input) == 0 else { throw PDFError(.isolationFailed, "pipe: errno \(errno)") }
            // A descriptor the test holds open without close-on-exec, as the worker's database sockets
            // would be were they opened carelessly: the child must not inherit it.
            let stray = open("/dev/null", O_RDONLY)
            defer { close(stray) }
            let spawned: (pid: pid_t, missing: ChildIsolation.Layers)
            do {
                // The probe's tools (ls, psql) are allowed on top of what an extraction child may run.
                spawned = try ChildIsolation.spawn(
                    executable: "/bin/bash", arguments: ["-c", script], stdin: input[0], stdout: output[1], stderr: output[1],
                    alsoReadable: ["/bin", "/usr/bin"])
            } catch {
                for fd in output + input { close(fd) }
                throw error
            }
            close(output[1])
            close(input[0])
            close(input[1])
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(output[0], $0.baseAddress!, $0.count) }
                if n > 0 { bytes.append(contentsOf: chunk[0..<n]) } else if n < 0, errno == EINTR { continue } else { break }
            }
            close(output[0])
            var status: Int32 = 0
            while waitpid(spawned.pid, &status, 0) < 0, errno == EINTR {}
            return ChildProbe(output: String(decoding: bytes, as: UTF8.self), status: status, missing: spawned.missing)
        }
    }

    /// A listening socket, to see afterwards whether anyone connected (a pending connection in the
    /// backlog) without waiting for anything.
    final class Listener: Sendable {
        let fd: Int32
        let port: Int
        let path: String?

        /// TCP on 127.0.0.1, any port.
        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard fd >= 0, bound == 0, listen(fd, 8) == 0 else { throw PDFError(.isolationFailed, "listen: errno \(errno)") }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
            path = nil
        }

        /// A Unix socket named as PostgreSQL names its own: `directory/.s.PGSQL.port`.
        init(unixDirectory directory: String, port: Int) throws {
            let path = directory + "/.s.PGSQL.\(port)"
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard fd >= 0, bound == 0, listen(fd, 8) == 0 else { throw PDFError(.isolationFailed, "listen: errno \(errno)") }
            self.fd = fd
            self.port = port
            self.path = path
        }

        /// Whether a connection is waiting to be accepted.
        var hasPendingConnection: Bool {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, 0) > 0
        }

        deinit {
            close(fd)
            if let path { unlink(path) }
        }
    }

    /// The attack: a PDF that takes over Poppler in the extraction child reads its environment,
    /// descriptors, a secret file and its parent's environment for credentials, connects to PostgreSQL (TCP and the Unix socket, where peer or trust
    /// authentication would let it in), to a listener on loopback, signals its parent and writes a file.
    /// It finds no secret and no stray descriptor, and every connection, read and write is refused
    /// (layers the kernel refuses are reported by the spawn and skipped here).
    @Test func compromisedPDFChildFindsNoSecretsAndCannotReachDatabaseNetworkOrDisk() async throws {
        let database = try #require(URLComponents(string: TestDatabase.serverURL))
        let dbHost = database.host ?? "127.0.0.1"
        let dbPort = database.port ?? 5432
        let tcp = try Listener()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lector-sec-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let unix = try Listener(unixDirectory: directory.path, port: 5999)
        let written = directory.appendingPathComponent("stolen.txt").path
        // A secret file of the worker's user (a .pgpass, the target of LECTOR_DATABASE_URL_FILE).
        let secret = directory.appendingPathComponent("pgpass").path
        try "127.0.0.1:5432:*:lector:hunter2\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let psql = ["/usr/bin/psql", "/usr/lib/postgresql/15/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) }

        var script = """
            while IFS= read -r -d '' v; do echo "env ${v%%=*}"; done < /proc/$$/environ
            echo "fds-begin"; ls -1 /proc/$$/fd; echo "fds-end"
            while read -r line; do case "$line" in *:*) echo "interface ${line%%:*}";; esac; done < /proc/self/net/dev
            (exec 3<>/dev/tcp/127.0.0.1/\(tcp.port)) 2>/dev/null && echo "tcp connected" || echo "tcp refused"
            (exec 3<>/dev/tcp/\(dbHost)/\(dbPort)) 2>/dev/null && echo "database-tcp connected" || echo "database-tcp refused"
            (echo stolen > \(written)) 2>/dev/null && echo "write done" || echo "write refused"
            (read -r line < \(secret) && echo "secret $line") 2>/dev/null || echo "secret refused"
            (read -r line < /proc/$PPID/environ && echo "parent-environ read") 2>/dev/null || echo "parent-environ refused"
            kill -0 $PPID 2>/dev/null && echo "signal sent" || echo "signal refused"
            """
        if let psql {
            script += """

                \(psql) "host=\(dbHost) port=\(dbPort) user=lector dbname=postgres connect_timeout=5" -Atc "SELECT 'psql ' || 'connected'" 2>/dev/null || echo "psql refused"
                \(psql) "host=\(directory.path) port=5999 user=lector dbname=postgres connect_timeout=2" -Atc "SELECT 1" >/dev/null 2>&1; echo "unix-psql exit $?"
                """
        }
        let probe = try await Self.probeChild(script)
        #expect(probe.status == 0, "\(probe.output)")

        // Nothing to steal: no variable beyond locale and fontconfig (the test's own database URL and
        // PATH are not there), no descriptor beyond standard input, output and error.
        let variables = Set(probe.values("env"))
        #expect(variables.isSubset(of: ChildIsolation.inheritedVariables.union(["SWIFT_BACKTRACE"])), "\(variables)")
        #expect(!variables.contains("LECTOR_TEST_DATABASE_URL") && !variables.contains("PATH"))
        #expect(probe.descriptors == ["0", "1", "2"], "\(probe.output)")

        // Nothing reachable: PostgreSQL over TCP and its Unix socket, any loopback listener.
        #expect(probe.values("database-tcp") == ["refused"])
        #expect(probe.values("tcp") == ["refused"])
        #expect(!tcp.hasPendingConnection)
        if psql != nil {
            #expect(probe.values("psql") == ["refused"], "\(probe.output)")
            #expect(probe.values("unix-psql") != ["exit 0"])
            #expect(!unix.hasPendingConnection, "the child connected to a Unix socket")
        }
        if !probe.missing.contains(.network) {
            #expect(probe.values("interface") == ["lo"], "\(probe.output)")
        }
        if !probe.missing.contains(.files) {
            #expect(probe.values("write") == ["refused"])
            #expect(probe.values("secret") == ["refused"], "\(probe.output)")
            #expect(probe.values("parent-environ") == ["refused"], "\(probe.output)")
            #expect(!FileManager.default.fileExists(atPath: written))
            #expect(probe.values("signal") == ["refused"])
        }
    }

    /// Only locale and fontconfig variables pass; a database URL, an engine key, PG variables do not.
    @Test func childEnvironmentDropsDatabaseURLEngineKeyAndPGVariables() {
        let environment = ChildIsolation.childEnvironment(from: [
            "LECTOR_DATABASE_URL": "postgresql://lector:secret@db/lector", "LECTOR_ENGINE_API_KEY": "sk-secret",
            "PGPASSWORD": "secret", "PATH": "/usr/bin", "LD_PRELOAD": "/tmp/evil.so", "LANG": "C.UTF-8",
            "FONTCONFIG_PATH": "/etc/fonts",
        ])
        #expect(environment == ["FONTCONFIG_PATH=/etc/fonts", "LANG=C.UTF-8", "SWIFT_BACKTRACE=enable=no"])
    }
}
