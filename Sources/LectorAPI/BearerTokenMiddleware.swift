import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import LectorService

/// Authenticates `Authorization: Bearer <token>` against `lector.api_tokens` and stores the tenant in
/// the context; anything else is a 401. The token is hashed before it leaves the process and is never
/// logged.
public struct BearerTokenMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext
    let tokens: APITokenStore

    public init(tokens: APITokenStore) { self.tokens = tokens }

    public func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.unauthorized }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard let principal = try await tokens.authenticate(token) else { throw APIError.unauthorized }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "tenant"] = .string(principal.tenant)
        context.logger[metadataKey: "api.token_id"] = .stringConvertible(principal.tokenID)
        return try await next(request, context)
    }
}
