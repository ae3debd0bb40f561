import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import LectorService

/// The request context of the API: Hummingbird's core storage plus the caller's tenant, set by
/// ``BearerTokenMiddleware``.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who the bearer token speaks for; nil before authentication and on public routes.
    public var principal: APITokenStore.Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Responses are JSON with snake_case keys and ISO 8601 dates.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The tenant of an authenticated request.
    ///
    /// - Throws: ``APIError`` 401 when the route was reached without authentication (a wiring mistake).
    func tenant() throws -> String {
        guard let principal else { throw APIError.unauthorized }
        return principal.tenant
    }
}
