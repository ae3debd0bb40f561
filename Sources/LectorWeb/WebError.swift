import Foundation
import HTTPTypes
import Hummingbird
import LectorAPI
import LectorCore
import LectorDB
import Logging

/// What a desk page answers instead of its content: a page that says what happened, never a stack trace
/// or document text.
struct WebError: Error, Sendable {
    enum Kind: Sendable {
        /// No live session: a page redirects to sign-in; a form post is refused.
        case signInRequired
        /// A form without the session's CSRF token (or with another one).
        case csrf
        /// No such row for this tenant (another tenant's id too).
        case notFound(String)
        case badRequest(String)
        case unavailable
    }
    var kind: Kind

    static let signInRequired = WebError(kind: .signInRequired)
    static let csrf = WebError(kind: .csrf)
    static func notFound(_ what: String) -> WebError { WebError(kind: .notFound(what)) }
    static func badRequest(_ message: String) -> WebError { WebError(kind: .badRequest(message)) }
}

/// Turns errors of the desk's routes into HTML pages (the API's middleware, outside, still logs and counts
/// every request).
struct WebPageMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let templates: Templates

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as WebError {
            return response(error.kind, request: request)
        } catch let error as HTTPError where error.status == .notFound {
            return response(.notFound("page"), request: request)
        } catch let error as DatabaseError where error.isConnectionLevel {
            context.logger.warning("database unavailable", metadata: ["error": "\(error.code)"])
            return response(.unavailable, request: request)
        } catch {
            let described = (error as? any LectorError).map { "\($0.code): \($0.description)" } ?? "\(type(of: error))"
            context.logger.error("review page failed", metadata: ["error": "\(described)"])
            return page(.internalServerError, "Something went wrong", "The page could not be built. The error is in the server's log.")
        }
    }

    func response(_ kind: WebError.Kind, request: Request) -> Response {
        switch kind {
        case .signInRequired:
            if request.method == .get || request.method == .head {
                return Response.redirect(to: "/review/sign-in?next=" + SignIn.safeNext(request.uri.description).formEncoded)
            }
            return page(.forbidden, "Signed out", "Your session has ended. Sign in again, then repeat what you did.")
        case .csrf:
            return page(
                .forbidden, "Form refused",
                "The form did not carry this session's security token. Reload the page and try again.")
        case .notFound(let what):
            return page(.notFound, "Not found", "There is no such \(what) here.")
        case .badRequest(let message):
            return page(.badRequest, "Not understood", message)
        case .unavailable:
            return page(.serviceUnavailable, "Unavailable", "The database cannot be reached just now. Try again shortly.")
        }
    }

    func page(_ status: HTTPResponse.Status, _ heading: String, _ message: String) -> Response {
        templates.page("error", ["heading": heading, "message": message], status: status)
    }
}

extension String {
    /// Percent-encoded for a query parameter's value.
    var formEncoded: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
