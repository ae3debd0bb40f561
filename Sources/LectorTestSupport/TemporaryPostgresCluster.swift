import Foundation
import LectorDB

/// A PostgreSQL server of its own for tests that stop or restart the server, so the shared test server
/// stays up for every other test.
///
/// initdb into a temporary folder, on a free port, run as the `postgres` user when the tests run as root.
public final class TemporaryPostgresCluster: Sendable {
    public let port: Int
    public let directory: URL
    private let binDirectory: String

    /// The URL of the cluster's `postgres` database as superuser `postgres`.
    public var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

    /// Creates and starts a cluster on a thread of its own (initdb takes seconds; the cooperative pool
    /// must not wait for it).
    public static func start() async throws -> TemporaryPostgresCluster {
        try await onOwnThread { try TemporaryPostgresCluster() }
    }

    /// Restarts the server off the cooperative pool.
    public func restartAsync() async throws { try await onOwnThread { try self.restart() } }

    /// Creates and starts the cluster (blocking for seconds).
    public init() throws {
        let binDirectory = try Self.findBinDirectory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lector-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 {
            try Self.run("/bin/chown", ["postgres:", directory.path])
        }
        let dataPath = directory.appendingPathComponent("data").path
        try Self.ownerRun(binDirectory, "initdb", ["-D", dataPath, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
        // A free port can be taken again before the server binds it (by the outgoing connections of the
        // tests running beside this one, which use the same ephemeral range): try another.
        var attempt = 0
        while true {
            attempt += 1
            let port = try Self.freePort()
            do {
                try Self.ownerRun(binDirectory, "pg_ctl", Self.startArguments(dataPath, directory: directory, port: port) + ["start"])
                self.port = port
                break
            } catch where attempt < 4 {
                continue
            }
        }
        self.binDirectory = binDirectory
        self.directory = directory
    }

    private static func startArguments(_ dataPath: String, directory: URL, port: Int) -> [String] {
        ["-D", dataPath, "-l", directory.appendingPathComponent("log").path, "-w", "-t", "60", "-o",
         "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory.path)"]
    }

    private var dataPath: String { directory.appendingPathComponent("data").path }

    public func start() throws {
        try ownerRun("pg_ctl", Self.startArguments(dataPath, directory: directory, port: port) + ["start"])
    }

    public func stop() throws { try ownerRun("pg_ctl", ["-D", dataPath, "-m", "fast", "-w", "-t", "60", "stop"]) }

    /// `pg_ctl restart`: the server goes down (dropping every connection) and comes back.
    public func restart() throws {
        try ownerRun(
            "pg_ctl",
            ["-D", dataPath, "-l", directory.appendingPathComponent("log").path, "-m", "fast", "-w", "-t", "60", "-o",
             "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory.path)", "restart"])
    }

    /// Stops the server and removes its files.
    public func destroy() {
        try? stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func ownerRun(_ tool: String, _ arguments: [String]) throws {
        try Self.ownerRun(binDirectory, tool, arguments)
    }

    private static func ownerRun(_ binDirectory: String, _ tool: String, _ arguments: [String]) throws {
        let path = binDirectory + "/" + tool
        if getuid() == 0 {
            try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments)
        } else {
            try Self.run(path, arguments)
        }
    }

    private static func run(_ path: String, _ arguments: [String]) throws {
        let result = try ChildProcess.runBlocking(path, arguments)
        guard result.status == 0 else {
            throw DatabaseError(
                kind: .other, message: "\(URL(fileURLWithPath: path).lastPathComponent) failed: \(result.standardError)")
        }
    }

    private static func findBinDirectory() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { $0.compare($1, options: .numeric) == .orderedDescending }) {
            let bin = "/usr/lib/postgresql/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb") { return bin }
        }
        throw DatabaseError(kind: .other, message: "PostgreSQL server binaries not found (deploy/local/setup installs them)")
    }

    /// A port nothing listens on now (bound to 0, read back, released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw DatabaseError(kind: .other, message: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
