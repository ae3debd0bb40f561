/// The parts of an engine URL Lector needs: scheme, host, port, and the API base path.
struct EngineURL: Sendable, Hashable {
    var scheme: String
    var host: String
    var port: Int?
    /// The path up to and including `/v1` (or the configured path).
    var basePath: String

    init?(_ text: String) {
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        scheme = lower.hasPrefix("https://") ? "https" : "http"
        let rest = text.dropFirst(scheme.count + 3)
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var path = String(rest[authorityEnd...])
        while path.hasSuffix("/") { path.removeLast() }
        if path.isEmpty { path = "/v1" }
        basePath = path
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? Int(after.dropFirst()) : nil
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = p
        } else {
            host = String(authority)
            port = nil
        }
        guard !host.isEmpty else { return nil }
    }

    private var authority: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(h):\($0)" } ?? h
    }

    /// `scheme://host:port` + `path` (for `/health`, `/props`, `/tokenize` at the server root).
    func root(_ path: String) -> String { "\(scheme)://\(authority)\(rootPath)\(path)" }

    /// The base URL + `path` (for `/chat/completions`, `/models`).
    func api(_ path: String) -> String { "\(scheme)://\(authority)\(basePath)\(path)" }

    /// The server root's path: the base path without its trailing `/v1`.
    private var rootPath: String { basePath.hasSuffix("/v1") ? String(basePath.dropLast(3)) : basePath }
}
