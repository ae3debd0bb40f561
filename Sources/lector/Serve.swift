import ArgumentParser
import Foundation
import LectorAPI
import LectorEngine
import LectorPDF
import LectorQueue
import LectorWeb
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP API and the review desk: upload, status, findings, health, readiness, metrics.",
        discussion: """
            Every /v1 route needs a bearer token from `lector token create`. The review desk is at /review: \
            people sign in with a reviewer credential (`lector reviewer create`) or their tenant's API token, \
            and see each finding beside its highlighted page. Runs until SIGTERM or SIGINT, then finishes the \
            requests in flight and stops. The OpenAPI description is at /openapi.yaml.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var profileOptions: ProfileOptions

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port, printed on start).") var port = 8080
    @Option(help: "Largest accepted PDF in bytes (413 beyond).") var maxUploadBytes = 50 * 1024 * 1024
    @Option(help: "Longest a request may take, upload included, in seconds.") var requestTimeoutSeconds = 120
    @Option(help: "How often the queue gauges are read from the database, in seconds.") var queueMetricsSeconds = 15
    @Flag(help: "Leave the engine out of /readyz (for an API host that does not reach the engine).")
    var noEngineCheck = false
    @Option(
        help: ArgumentHelp(
            "When review-desk session cookies carry Secure: auto (when a TLS proxy sends X-Forwarded-Proto: https), always, never.",
            valueName: "auto|always|never"))
    var secureCookies: ReviewDeskConfiguration.SecureCookies = .auto
    @Option(help: "How long a review-desk sign-in lasts, in hours.") var sessionHours = 8

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard maxUploadBytes > 0 else { throw ValidationError("--max-upload-bytes must be positive") }
        guard requestTimeoutSeconds > 0 else { throw ValidationError("--request-timeout-seconds must be positive") }
        guard (1...720).contains(sessionHours) else { throw ValidationError("--session-hours must be 1 to 720") }
    }

    func run() async throws {
        let logger = global.makeLogger()
        let registry = ProcessMetrics.registry
        try await reportingErrors { try await serve(logger: logger, registry: registry) }
    }

    private func serve(logger: Logger, registry: PrometheusCollectorRegistry) async throws {
        let profiles = try profileOptions.loadAll()
        let engineConfiguration = try engineOptions.configuration()
        let configuration = APIConfiguration(
            host: host, port: port, maxUploadBytes: maxUploadBytes,
            requestTimeout: .seconds(requestTimeoutSeconds), profiles: Set(profiles.keys))
        let host = self.host
        let noEngineCheck = self.noEngineCheck
        let queueMetricsSeconds = self.queueMetricsSeconds
        let deskConfiguration = ReviewDeskConfiguration(secureCookies: secureCookies, sessionLifetime: .seconds(sessionHours * 3600))
        try await global.withDatabase(logger: logger, maxConnections: 16) { client in
            try await EngineClient.withClient(configuration: engineConfiguration, logger: logger) { engine in
                let engineCheck: (@Sendable () async -> Bool)?
                if noEngineCheck {
                    engineCheck = nil
                } else {
                    let cached = CachedCheck { await Self.engineAnswers(engine) }
                    engineCheck = { await cached() }
                }
                let onServerRunning: @Sendable (Int) async -> Void = { port in
                    // One line on standard output, so that scripts started with port 0 learn the port.
                    FileHandle.standardOutput.write(Data("lector serve: listening on http://\(host):\(port)\n".utf8))
                }
                let router = LectorAPI.makeRouter(
                    database: client, configuration: configuration, registry: registry, engineCheck: engineCheck, logger: logger)
                try ReviewDesk(
                    database: client, extractor: PDFExtractor(logger: logger), configuration: deskConfiguration, logger: logger
                ).add(to: router)
                let app = LectorAPI.makeApplication(
                    router: router, configuration: configuration, logger: logger, onServerRunning: onServerRunning)
                let gauges = QueueMetrics(
                    queue: JobQueue(client: client, logger: logger), interval: .seconds(queueMetricsSeconds), logger: logger)
                let group = ServiceGroup(
                    configuration: ServiceGroupConfiguration(
                        services: [.init(service: gauges), .init(service: app)],
                        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            }
        }
    }

    private static func engineAnswers(_ engine: EngineClient) async -> Bool {
        guard let info = try? await engine.discover() else { return false }
        return info.healthy
    }
}

extension ReviewDeskConfiguration.SecureCookies: ExpressibleByArgument {}
