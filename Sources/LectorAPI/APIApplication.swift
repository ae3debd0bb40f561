import Foundation
import HTTPTypes
import Hummingbird
import LectorDB
import LectorQueue
import LectorSchema
import LectorService
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// What the API needs to know beyond its dependencies.
public struct APIConfiguration: Sendable {
    /// Address to listen on.
    public var host: String
    /// Port to listen on; 0 picks a free one.
    public var port: Int
    /// The largest PDF accepted, in bytes (413 beyond).
    public var maxUploadBytes: Int
    /// How long one request may take, upload included (503 `request.timeout` beyond).
    public var requestTimeout: Duration
    /// How long a keep-alive connection may sit idle, and a client may stall mid-request.
    public var idleTimeout: Duration
    /// Profiles an upload may name; nil accepts any.
    public var profiles: Set<String>?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxUploadBytes: Int = 50 * 1024 * 1024,
        requestTimeout: Duration = .seconds(120), idleTimeout: Duration = .seconds(30), profiles: Set<String>? = nil
    ) {
        self.host = host
        self.port = port
        self.maxUploadBytes = maxUploadBytes
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.profiles = profiles
    }
}

/// Builds Lector's HTTP API (Hummingbird 2).
public enum LectorAPI {
    /// The router with every route: public health, readiness and metrics; `/v1/...` behind bearer tokens.
    ///
    /// - Parameters:
    ///   - registry: the Prometheus registry the process bootstrapped swift-metrics with.
    ///   - engineCheck: whether the engine answers, for `/readyz`; nil to leave the engine out.
    public static func makeRouter(
        database: PostgresClient, configuration: APIConfiguration, registry: PrometheusCollectorRegistry,
        engineCheck: (@Sendable () async -> Bool)? = nil, logger: Logger
    ) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        // Middlewares wrap the routes added after them: this one first, so it sees every request.
        router.add(
            middleware: APIRequestMiddleware(timeout: configuration.requestTimeout, maxUploadBytes: configuration.maxUploadBytes))
        HealthRoutes(
            database: database, migrator: Migrator(migrations: LectorSchema.migrations, logger: logger),
            engineCheck: engineCheck
        ).add(to: router)
        MetricsRoute(registry: registry).add(to: router)
        router.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: .init(bytes: PackageResources.openapi_yaml)))
        }
        let v1 = router.group("v1").add(middleware: BearerTokenMiddleware(tokens: APITokenStore(database: database)))
        let queue = JobQueue(client: database, logger: logger)
        DocumentRoutes(
            database: database, queue: queue, submitter: Submitter(database: database, queue: queue),
            maxUploadBytes: configuration.maxUploadBytes, profiles: configuration.profiles
        ).add(to: v1)
        return router
    }

    /// The application: a swift-service-lifecycle `Service` that serves until graceful shutdown.
    public static func makeApplication(
        database: PostgresClient, configuration: APIConfiguration, registry: PrometheusCollectorRegistry,
        engineCheck: (@Sendable () async -> Bool)? = nil, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol & Service {
        let router = makeRouter(
            database: database, configuration: configuration, registry: registry, engineCheck: engineCheck, logger: logger)
        return makeApplication(router: router, configuration: configuration, logger: logger, onServerRunning: onServerRunning)
    }

    /// The application serving `router` (``makeRouter(database:configuration:registry:engineCheck:logger:)``
    /// with routes added, such as the review desk's).
    public static func makeApplication(
        router: Router<APIRequestContext>, configuration: APIConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol & Service {
        Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.components.seconds) * 1_000_000_000))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "lector"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// A server with `GET /metrics` only, for processes without the API (`lector worker --metrics-port`).
    public static func makeMetricsServer(
        registry: PrometheusCollectorRegistry, host: String, port: Int, logger: Logger
    ) -> some ApplicationProtocol & Service {
        let router = Router()
        MetricsRoute(registry: registry).add(to: router)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "lector-metrics"),
            logger: logger)
    }

    /// The routes the API serves, as `METHOD /path/{param}`, for the OpenAPI check.
    public static func routeList(_ router: Router<APIRequestContext>) -> [String] {
        router.routes.map { "\($0.method.rawValue) \(APIRequestMiddleware.template($0.path.description))" }.sorted()
    }

    /// The OpenAPI description of the API (`Sources/LectorAPI/openapi.yaml`, compiled in), also served
    /// at `GET /openapi.yaml`.
    public static var openAPIDocument: String { String(decoding: PackageResources.openapi_yaml, as: UTF8.self) }
}
