import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LectorAPI
import LectorDB
import LectorCore
import LectorService
import NIOCore

/// Sign-in, sign-out, the session of a request, and the CSRF check of forms.
enum SignIn {
    /// The session cookie: random, HttpOnly, SameSite=Strict, scoped to /review; only its hash is stored.
    static let sessionCookie = "lector_session"
    /// Ties the sign-in form to the browser that loaded it (double submit), so that another site cannot
    /// sign a browser in to an account of its choosing.
    static let signInCookie = "lector_sign_in"

    /// A place to return to after sign-in: a desk page, never another site.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/review"), !next.hasPrefix("/review/sign-"), !next.contains("//"),
            !next.contains("\\"), next.utf8.count < 2000
        else { return "/review" }
        return next
    }
}

/// A form posted to the desk: its fields, read from a bounded body.
struct WebForm: Sendable {
    var fields: [String: String]

    static func read(_ request: Request, context: APIRequestContext, maxBytes: Int = 64 * 1024) async throws -> WebForm {
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("application/x-www-form-urlencoded") else {
            throw WebError.badRequest("A form is sent as application/x-www-form-urlencoded.")
        }
        var body = try await request.body.collect(upTo: maxBytes)
        let text = body.readString(length: body.readableBytes) ?? ""
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            let value = parts.count > 1 ? Self.decode(parts[1]) ?? "" : ""
            if fields[name] == nil { fields[name] = value }
        }
        return WebForm(fields: fields)
    }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// The field, trimmed; nil when absent or empty.
    func text(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// Refuses the form unless it carries `expected` (the session's CSRF token) in its `csrf` field.
    func requireCSRF(_ expected: String) throws {
        guard let presented = fields["csrf"], SecretToken.equal(expected, presented) else { throw WebError.csrf }
    }
}

extension ReviewDesk {
    /// The request's live session.
    ///
    /// - Throws: ``WebError/signInRequired`` without one.
    func session(_ request: Request) async throws -> WebSessionStore.Session {
        guard let cookie = request.cookies[SignIn.sessionCookie]?.value, !cookie.isEmpty, cookie.utf8.count < 200,
            let session = try await sessions.session(cookie: cookie)
        else { throw WebError.signInRequired }
        return session
    }

    /// What every page's header shows: who is signed in, and the token its sign-out form carries.
    func chrome(_ session: WebSessionStore.Session) -> [String: String] {
        ["who": session.who, "tenant": session.tenant, "csrf": session.csrfToken]
    }

    func secure(_ request: Request) -> Bool {
        switch configuration.secureCookies {
        case .always: true
        case .never: false
        case .auto: request.headers[.xForwardedProto]?.lowercased() == "https"
        }
    }

    func cookie(_ name: String, _ value: String, maxAge: Int, request: Request) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/review", secure: secure(request), httpOnly: true,
            sameSite: .strict)
    }

    @Sendable func signInForm(_ request: Request, context: APIRequestContext) async throws -> Response {
        let token = SecretToken.randomHex()
        let next = SignIn.safeNext(request.uri.queryParameters.get("next"))
        var response = templates.page(
            "signin", ["csrf": token, "next": next, "failed": request.uri.queryParameters.get("failed") != nil] as [String: Any])
        response.setCookie(cookie(SignIn.signInCookie, token, maxAge: 3600, request: request))
        return response
    }

    @Sendable func signIn(_ request: Request, context: APIRequestContext) async throws -> Response {
        let form = try await WebForm.read(request, context: context)
        guard let expected = request.cookies[SignIn.signInCookie]?.value else { throw WebError.csrf }
        try form.requireCSRF(expected)
        let next = SignIn.safeNext(form["next"])
        guard let credential = form.text("credential"), credential.utf8.count < 300,
            let (value, session) = try await sessions.signIn(credential: credential)
        else {
            context.logger.notice("review sign-in refused")
            return Response.redirect(to: "/review/sign-in?failed=1&next=" + next.formEncoded)
        }
        context.logger.info("review sign-in", metadata: ["tenant": "\(session.tenant)", "web.session_id": "\(session.id)"])
        var response = Response.redirect(to: next)
        response.setCookie(
            cookie(SignIn.sessionCookie, value, maxAge: Int(configuration.sessionLifetime.components.seconds), request: request))
        response.setCookie(cookie(SignIn.signInCookie, "", maxAge: 0, request: request))
        return response
    }

    @Sendable func signOut(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try await session(request)
        let form = try await WebForm.read(request, context: context)
        try form.requireCSRF(session.csrfToken)
        if let value = request.cookies[SignIn.sessionCookie]?.value { try await sessions.signOut(cookie: value) }
        var response = Response.redirect(to: "/review/sign-in")
        response.setCookie(cookie(SignIn.sessionCookie, "", maxAge: 0, request: request))
        return response
    }
}
