import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import LectorAPI
import NIOCore
import Testing

/// A handler that outlives the request deadline is cancelled and the client gets a JSON 503.
@Suite("HTTP API: request deadline")
struct RequestDeadlineTests {
    @Test func aRequestPastItsDeadlineIsCancelledWithA503() async throws {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: APIRequestMiddleware(timeout: .milliseconds(20), maxUploadBytes: 1024))
        router.get("slow") { _, _ -> String in
            // Sleeps until cancelled: only the deadline can end this request.
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(uri: "/slow", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(String(buffer: response.body).contains("\"request.timeout\""))
        }
    }
}
