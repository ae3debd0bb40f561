import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore

/// The desk's Mustache templates, compiled into the binary, and the responses built from them.
struct Templates: Sendable {
    let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in [
            ("layout", PackageResources.layout_mustache), ("signin", PackageResources.signin_mustache),
            ("documents", PackageResources.documents_mustache), ("document", PackageResources.document_mustache),
            ("batch", PackageResources.batch_mustache), ("error", PackageResources.error_mustache),
        ] {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    /// The page `name` rendered with `object`, as an HTML response with the desk's security headers.
    func page(_ name: String, _ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(Self.withoutNils(object) ?? [:], withTemplate: name) ?? "<!doctype html><title>Lector</title><p>template \(name) missing"
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `value` with every nil taken out: Mustache renders a section for any value present, and a view's
    /// `Optional.none` stored as `Any` is present; a dictionary entry or array element that is nil goes.
    static func withoutNils(_ value: Any) -> Any? {
        if let optional = value as? any OptionalValue { return optional.wrapped.flatMap(withoutNils) }
        if let dictionary = value as? [String: Any] { return dictionary.compactMapValues(withoutNils) }
        if let array = value as? [Any] { return array.compactMap(withoutNils) }
        return value
    }

    /// A compiled-in asset (script or style sheet).
    static func asset(_ bytes: [UInt8], type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "private, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Sent with every page: scripts and styles from the desk only (style attributes allowed, for the
    /// highlight boxes' positions), no framing, no referrer beyond the origin, no content sniffing.
    static let securityHeaders: HTTPFields = {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "same-origin"
        headers[.xFrameOptions] = "DENY"
        return headers
    }()
}

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
}

/// Any `Optional`, seen through `Any`.
private protocol OptionalValue {
    var wrapped: Any? { get }
}

extension Optional: OptionalValue {
    fileprivate var wrapped: Any? { self.map { $0 as Any } }
}
