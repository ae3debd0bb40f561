import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LectorAPI
import LectorDB
import LectorService
import LectorTestSupport
import Metrics
import NIOCore
import Prometheus

/// The test process's metrics: bootstrapped once, shared by every suite (swift-metrics allows one
/// bootstrap per process).
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// A fresh database, the API router over it, and a client that calls it in process.
enum APITest {
    static func with<T: Sendable>(
        configuration: APIConfiguration = APIConfiguration(maxUploadBytes: 1 << 20),
        engineCheck: (@Sendable () async -> Bool)? = nil,
        _ body: @escaping @Sendable (PostgresClient, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await TestDatabase.with { client, _ in
            let router = LectorAPI.makeRouter(
                database: client, configuration: configuration, registry: TestMetrics.registry, engineCheck: engineCheck,
                logger: TestDatabase.logger)
            let app = Application(router: router, logger: TestDatabase.logger)
            return try await app.test(.router) { testClient in try await body(client, testClient) }
        }
    }

    /// A bearer header for a new token of `tenant`.
    static func token(_ tenant: String, database: PostgresClient, name: String = "test") async throws -> HTTPFields {
        let (token, _) = try await APITokenStore(database: database).create(tenant: tenant, name: name)
        return [.authorization: "Bearer \(token)"]
    }

    /// A minimal valid-looking PDF: enough for the upload checks (the analysis tests use real samples).
    static func tinyPDF(_ marker: String = UUID().uuidString) -> [UInt8] {
        Array("%PDF-1.4\n% \(marker)\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    }

    static func multipart(boundary: String, parts: [(name: String, filename: String?, body: [UInt8])], close: Bool = true)
        -> [UInt8]
    {
        var out: [UInt8] = []
        for part in parts {
            var disposition = "form-data; name=\"\(part.name)\""
            if let filename = part.filename { disposition += "; filename=\"\(filename)\"" }
            out += Array("--\(boundary)\r\nContent-Disposition: \(disposition)\r\n".utf8)
            if part.filename != nil { out += Array("Content-Type: application/pdf\r\n".utf8) }
            out += Array("\r\n".utf8) + part.body + Array("\r\n".utf8)
        }
        if close { out += Array("--\(boundary)--\r\n".utf8) }
        return out
    }
}

/// The JSON of a response.
struct JSONBody {
    let object: [String: Any]
    init(_ response: TestResponse) throws {
        object = (try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
    }
    subscript(key: String) -> Any? { object[key] }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
    func int(_ key: String) -> Int64? { (object[key] as? NSNumber)?.int64Value }
}
