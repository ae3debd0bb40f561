import AsyncHTTPClient
import Foundation
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorService
import LectorTestSupport
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real binary: `lector token`, `lector serve` and `lector worker --metrics-port`, as operators run them.
@Suite("lector serve, token and worker --metrics-port")
struct CommandLineTests {
    /// Waits until the log of `process` matches `pattern` (first capture group returned), or the process
    /// ends, or a minute passes.
    static func waitForLog(_ process: LectorProcess, _ pattern: Regex<(Substring, Substring)>) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let match = process.log.firstMatch(of: pattern) { return String(match.1) }
            if kill(process.pid, 0) != 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ChildProcessError(message: "no match in the log:\n\(process.log)")
    }

    static func get(_ url: String, token: String? = nil) async throws -> (status: UInt, body: String) {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }

    @Test func tokenServeAndGracefulShutdown() async throws {
        try await TestDatabase.with { database, configuration in
            let url = configuration.databaseURL
            let lector = RepoPaths.lectorBinary.path
            let created = try await ChildProcess.run(lector, ["token", "create", "--tenant", "acme", "--name", "cli", "--database-url", url])
            #expect(created.status == 0, "\(created.standardError)")
            let token = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.hasPrefix("lct_") && token.count == 68)
            let list = try await ChildProcess.run(lector, ["token", "list", "--database-url", url])
            #expect(list.status == 0 && list.standardOutput.contains("cli") && !list.standardOutput.contains(token))

            let server = try LectorProcess.start([
                "serve", "--port", "0", "--no-engine-check", "--database-url", url, "--log-level", "info",
                "--profiles", RepoPaths.root.appendingPathComponent("jobs/profiles").path,
            ])
            defer { server.removeLog() }
            let port = try await Self.waitForLog(server, /listening on http:\/\/127\.0\.0\.1:(\d+)/)
            #expect(try await Self.get("http://127.0.0.1:\(port)/readyz").status == 200)
            #expect(try await Self.get("http://127.0.0.1:\(port)/v1/jobs/1").status == 401)
            #expect(try await Self.get("http://127.0.0.1:\(port)/v1/jobs/1", token: token).status == 404)

            let revoked = try await ChildProcess.run(lector, ["token", "revoke", "--tenant", "acme", "--name", "cli", "--database-url", url])
            #expect(revoked.status == 0)
            #expect(try await Self.get("http://127.0.0.1:\(port)/v1/jobs/1", token: token).status == 401)

            server.signal(SIGTERM)
            #expect(await server.wait() == 0, "\(server.log)")
            // Neither the token nor its hash reaches the log.
            #expect(!server.log.contains(token) && !server.log.contains(APITokenStore.hash(token)))
            _ = database
        }
    }

    @Test func workerServesMetrics() async throws {
        try await TestDatabase.with { _, configuration in
            try await FakeEngine.withRunning(handler: FakeScript(dialect: .vllm).handler) { engine in
                let worker = try LectorProcess.start([
                    "worker", "--metrics-port", "0", "--database-url", configuration.databaseURL, "--log-level", "info",
                    "--engine-url", engine.baseURL, "--engine-dialect", "vllm",
                    "--profiles", RepoPaths.root.appendingPathComponent("jobs/profiles").path,
                ])
                defer { worker.removeLog() }
                let port = try await Self.waitForLog(worker, /listening on 127\.0\.0\.1:(\d+)/)
                // The gauges are refreshed as the service starts; wait for the first refresh.
                var body = ""
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline, !body.contains("lector_queue_oldest_age_seconds") {
                    body = try await Self.get("http://127.0.0.1:\(port)/metrics").body
                    if !body.contains("lector_queue_oldest_age_seconds") { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(body.contains("# TYPE lector_queue_oldest_age_seconds gauge"), "\(body)")
                worker.signal(SIGTERM)
                #expect(await worker.wait() == 0, "\(worker.log)")
            }
        }
    }
}
