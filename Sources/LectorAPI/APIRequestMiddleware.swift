import Foundation
import HTTPTypes
import Hummingbird
import LectorCore
import LectorDB
import Logging
import Metrics
import NIOCore

/// The outermost middleware of the API: a deadline per request, every error as JSON with a stable code,
/// one access log line and the HTTP metrics.
///
/// Metrics: `lector_http_requests_total{method,route,status}` and
/// `lector_http_request_duration_seconds{method,route}`; `route` is the route template (`/v1/jobs/{id}`)
/// or `unmatched`, so label values stay bounded. The log line has the method, the route template, the
/// status and the error code, never the query string, headers or body (the tenant is on the handlers'
/// own log lines, whose logger the token middleware extends).
struct APIRequestMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    /// How long a request (body upload included) may take.
    let timeout: Duration
    /// The upload limit, for the 413 message.
    let maxUploadBytes: Int

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        var failure: APIError?
        do {
            response = try await Self.withDeadline(timeout, request: request, context: context, next)
        } catch {
            let apiError = translate(error, context: context)
            failure = apiError
            response = try apiError.response(from: request, context: context)
        }
        let route = context.endpointPath.map(Self.template) ?? "unmatched"
        // Clients may send any method name; the label keeps to the standard ones.
        let method = Self.standardMethods.contains(request.method.rawValue) ? request.method.rawValue : "other"
        let elapsed = ContinuousClock.now - started
        Counter(
            label: MetricName.httpRequests,
            dimensions: [("method", method), ("route", route), ("status", String(response.status.code))]
        ).increment()
        Metrics.Timer(
            label: MetricName.httpRequestDuration, dimensions: [("method", method), ("route", route)]
        ).recordNanoseconds(elapsed.wholeNanoseconds)
        var metadata: Logger.Metadata = [
            "http.method": .string(method), "http.route": .string(route),
            "http.status": .stringConvertible(response.status.code),
            "http.duration_ms": .stringConvertible(elapsed.wholeMilliseconds),
        ]
        if let failure { metadata["error.code"] = .string(failure.code) }
        context.logger.info("request", metadata: metadata)
        return response
    }

    static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// `/v1/jobs/:id` as `/v1/jobs/{id}` (OpenAPI's spelling, also the metric label).
    static func template(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
    }

    /// The API's answer to an error thrown below: API errors as they are, Hummingbird's and NIO's
    /// mapped to codes, anything else a 500 (logged with the request id, without the request).
    func translate(_ error: any Error, context: APIRequestContext) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case is NIOTooManyBytesError:
            return .tooLarge(limit: maxUploadBytes)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .routeNotFound
            case .methodNotAllowed:
                return APIError(.methodNotAllowed, code: "route.method_not_allowed", message: "method not allowed on this route")
            case .contentTooLarge: return .tooLarge(limit: maxUploadBytes)
            default:
                return APIError(error.status, code: "http.\(error.status.code)", message: error.status.reasonPhrase)
            }
        case let error as DatabaseError where error.isConnectionLevel:
            context.logger.warning("database unavailable", metadata: ["error": "\(error.code)"])
            return .unavailable
        default:
            context.logger.error("request failed", metadata: ["error.type": "\(type(of: error))", "error": "\(Self.safeDescription(error))"])
            return .internalError
        }
    }

    /// Lector's errors promise a description without document text or secrets; others show only their type.
    static func safeDescription(_ error: any Error) -> String {
        if let error = error as? any LectorError { return "\(error.code): \(error.description)" }
        return String(describing: type(of: error))
    }

    /// Runs `next` with a deadline; past it the handler is cancelled (which cancels its database
    /// statement) and the request fails with ``APIError/timeout``.
    static func withDeadline(
        _ limit: Duration, request: Request, context: APIRequestContext,
        _ next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        try await withoutActuallyEscaping(next) { next in
            // The task group below is awaited before this closure returns, so `next` does not outlive it.
            let box = UncheckedBox(value: next)
            return try await withThrowingTaskGroup(of: Response.self) { group in
                group.addTask { try await box.value(request, context) }
                group.addTask {
                    try await Task.sleep(for: limit)
                    throw APIError.timeout
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        }
    }
}

/// Carries a non-Sendable closure into a child task that provably ends before the closure's scope does.
private struct UncheckedBox<T>: @unchecked Sendable {
    // @unchecked Sendable: only used by `withDeadline`, whose task group is awaited inside the
    // `withoutActuallyEscaping` scope; the closure is called by one task at a time.
    let value: T
}
