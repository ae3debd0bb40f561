import Foundation
import HTTPTypes
import Hummingbird
import LectorDB
import LectorSchema
import Logging
import NIOCore
import Prometheus

/// `GET /healthz` (the process answers), `GET /readyz` (database reachable, migrations current, engine
/// reachable) and `GET /metrics` (Prometheus text). Public: they say nothing about any tenant.
struct HealthRoutes: Sendable {
    let database: PostgresClient
    let migrator: Migrator
    /// Whether the engine answers; nil when this process has no engine to check.
    let engineCheck: (@Sendable () async -> Bool)?

    struct Health: ResponseEncodable {
        var status: String
    }

    struct Readiness: ResponseEncodable {
        var status: String
        /// `ok`, or a short reason per check: `database`, `migrations`, `engine`.
        var checks: [String: String]
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("healthz") { _, _ in Health(status: "ok") }
        router.get("readyz") { _, context in try await readiness(context) }
    }

    func readiness(_ context: APIRequestContext) async throws -> EditedResponse<Readiness> {
        var checks: [String: String] = [:]
        do {
            _ = try await database.query("SELECT 1 AS one")
            checks["database"] = "ok"
            let pending = try await migrator.status(database).filter { $0.state != .applied }
            checks["migrations"] = pending.isEmpty
                ? "ok" : "not current: " + pending.map { "\($0.fileName) \($0.state.rawValue)" }.joined(separator: ", ")
        } catch {
            context.logger.warning("readiness: database check failed", metadata: ["error": "\(APIRequestMiddleware.safeDescription(error))"])
            checks["database"] = "unreachable"
            checks["migrations"] = "unknown"
        }
        if let engineCheck {
            checks["engine"] = await engineCheck() ? "ok" : "unreachable"
        }
        let ready = checks.values.allSatisfy { $0 == "ok" }
        return EditedResponse(
            status: ready ? .ok : .serviceUnavailable, response: Readiness(status: ready ? "ready" : "unavailable", checks: checks))
    }
}

/// The Prometheus text exposition of a registry: the `/metrics` route of the API and of workers.
public struct MetricsRoute: Sendable {
    let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// Adds `GET /metrics` to `router`.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: .init(bytes: buffer)))
        }
    }
}
