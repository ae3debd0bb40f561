import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LectorCore
import NIOCore

/// An error the API answers with: an HTTP status and `{"error": {"code": ..., "message": ...}}`.
///
/// Codes are stable (clients and metrics may rely on them); messages are for people and never contain
/// document text, tokens or SQL.
public struct APIError: LectorError, HTTPResponseError {
    /// The stable code, for example `auth.unauthorized` or `upload.not_pdf`.
    public var code: String
    /// One line a client can act on.
    public var message: String
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// Extra response headers (`WWW-Authenticate`).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        // Sorted keys: the same error is the same bytes, whatever the request (a 404 for another
        // tenant's id must not differ from one for a missing id, even in key order).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(Body(error: .init(code: code, message: message)))
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    struct Body: Codable {
        struct Detail: Codable {
            var code: String
            var message: String
        }
        var error: Detail
    }

    // MARK: - The errors the API gives

    static let unauthorized = APIError(
        .unauthorized, code: "auth.unauthorized", message: "a valid bearer token is required (Authorization: Bearer lct_…)",
        headers: [.wwwAuthenticate: "Bearer realm=\"lector\""])
    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "\(what).not_found", message: "no such \(what)")
    }
    static let routeNotFound = APIError(.notFound, code: "route.not_found", message: "no such route")
    static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "upload.too_large", message: "the upload is larger than \(limit) bytes")
    }
    static let notPDF = APIError(
        .unsupportedMediaType, code: "upload.not_pdf", message: "the file is not a PDF (no %PDF- header)")
    static func malformedMultipart(_ reason: String) -> APIError {
        APIError(.badRequest, code: "upload.malformed_multipart", message: "malformed multipart/form-data body: \(reason)")
    }
    static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "request.invalid", message: message)
    }
    static let timeout = APIError(
        .serviceUnavailable, code: "request.timeout", message: "the request took longer than the server allows")
    static let internalError = APIError(
        .internalServerError, code: "internal", message: "the server failed; the request id is in its log")
    static let unavailable = APIError(
        .serviceUnavailable, code: "service.unavailable", message: "a dependency (the database) is unavailable; retry later")
}
