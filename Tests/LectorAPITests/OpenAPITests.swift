import Foundation
import LectorAPI
import LectorTestSupport
import Testing
import Yams

/// `Sources/LectorAPI/openapi.yaml` describes exactly the routes the router serves.
@Suite("HTTP API: the OpenAPI description matches the routes")
struct OpenAPITests {
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]

    @Test func everyDescribedOperationIsRoutedAndEveryRouteDescribed() async throws {
        let document = try #require(try Yams.load(yaml: LectorAPI.openAPIDocument) as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
        let paths = try #require(document["paths"] as? [String: Any])
        var described: [String] = []
        for (path, item) in paths {
            let operations = try #require(item as? [String: Any])
            for method in operations.keys where Self.methods.contains(method) {
                described.append("\(method.uppercased()) \(path)")
            }
        }
        try await TestDatabase.with(migrated: false) { client, _ in
            let router = LectorAPI.makeRouter(
                database: client, configuration: APIConfiguration(), registry: TestMetrics.registry, logger: TestDatabase.logger)
            let routed = LectorAPI.routeList(router)
            #expect(described.sorted() == routed, "openapi.yaml and the router disagree")
        }
        // Every path parameter of a described path is declared (directly or by $ref).
        for (path, item) in paths where path.contains("{") {
            let operations = try #require(item as? [String: Any])
            for (method, operation) in operations where Self.methods.contains(method) {
                let parameters = (operation as? [String: Any])?["parameters"] as? [[String: Any]] ?? []
                #expect(!parameters.isEmpty, "\(method) \(path) declares no parameters")
            }
        }
    }
}
