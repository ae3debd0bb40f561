import Logging
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name into the addresses a connection would use.
public protocol HostResolver: Sendable {
    /// The addresses of `host`; throws when it does not resolve.
    func resolve(_ host: String) async throws -> [IPAddress]
}

/// The system resolver (`getaddrinfo`), run on NIO's blocking-I/O thread pool, never on the
/// cooperative pool.
public struct SystemResolver: HostResolver {
    /// The system resolver.
    public init() {}

    /// The addresses of `host` (an address literal resolves to itself).
    public func resolve(_ host: String) async throws -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            #else
            hints.ai_socktype = SOCK_STREAM
            #endif
            var result: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &result)
            guard status == 0, let first = result else {
                throw EngineError(.refused, detail: "the engine host does not resolve")
            }
            defer { freeaddrinfo(first) }
            var addresses: [IPAddress] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let info = cursor {
                if let sa = info.pointee.ai_addr {
                    if info.pointee.ai_family == AF_INET {
                        let v4 = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                        addresses.append(.v4(UInt32(bigEndian: v4)))
                    } else if info.pointee.ai_family == AF_INET6 {
                        var v6 = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                        addresses.append(.v6(withUnsafeBytes(of: &v6) { Array($0) }))
                    }
                }
                cursor = info.pointee.ai_next
            }
            return Array(Set(addresses)).sorted { $0.description < $1.description }
        }
    }
}

/// The sovereignty guard's decision about one engine host.
public struct SovereigntyVerdict: Sendable, Hashable {
    /// Why documents may, or may not, go to this host.
    public enum Reason: String, Sendable {
        /// Every address is loopback.
        case loopback
        /// Every address is loopback or in a private range (RFC 1918, unique-local IPv6).
        case privateNetwork = "private-network"
        /// A cluster-internal name (`*.svc`, `*.cluster.local`, ...) that resolves to private addresses.
        case clusterInternal = "cluster-internal"
        /// The operator listed the host in `LECTOR_ENGINE_ALLOWED_HOSTS`.
        case allowListed = "allow-listed"
        /// A public host, allowed only because the operator opted in (`--allow-external-engine`).
        case externalOptIn = "external-opt-in"
        /// A public host (or a name resolving to one) without the opt-in: refused.
        case external
        /// The name does not resolve: refused.
        case unresolvable
    }

    /// The host name or literal checked.
    public var host: String
    /// The addresses it resolved to (empty when it did not).
    public var addresses: [IPAddress]
    /// The decision's reason.
    public var reason: Reason

    /// Whether documents may be sent.
    public var allowed: Bool { reason != .external && reason != .unresolvable }
    /// Whether the engine is outside the organisation's networks (allowed by opt-in or refused).
    public var isExternal: Bool { reason == .externalOptIn || reason == .external }
}

/// Decides whether documents may go to an engine host: only loopback, private ranges, cluster-internal
/// names or allow-listed hosts, unless the operator opts in to external engines.
///
/// The resolved addresses are checked, not just the name: `internal.example.com` resolving to a public
/// address is external. (A name that changes its answer between this check and the connection is not
/// caught; the client re-checks every ``SovereigntyGuard/recheckInterval``.)
public struct SovereigntyGuard: Sendable {
    /// Hosts the operator allows whatever they resolve to: exact names, or `.suffix` for a domain.
    public var allowedHosts: [String]
    /// Whether public hosts are allowed (and logged).
    public var allowExternal: Bool
    /// How the guard resolves names.
    public var resolver: any HostResolver

    /// How long a verdict is trusted before the client checks again.
    public static let recheckInterval: Duration = .seconds(60)

    /// Name suffixes that only resolve inside a cluster or an organisation's own DNS.
    public static let clusterSuffixes = [".svc", ".svc.cluster.local", ".cluster.local", ".internal", ".local", ".lan"]

    /// A guard with an allow-list and the external opt-in.
    public init(allowedHosts: [String] = [], allowExternal: Bool = false, resolver: any HostResolver = SystemResolver()) {
        self.allowedHosts = allowedHosts.map { $0.lowercased() }.filter { !$0.isEmpty }
        self.allowExternal = allowExternal
        self.resolver = resolver
    }

    /// The verdict for `host` (a name or an address literal).
    public func evaluate(host rawHost: String) async -> SovereigntyVerdict {
        let host = rawHost.lowercased()
        let allowListed = allowedHosts.contains { entry in
            entry.hasPrefix(".") ? host.hasSuffix(entry) || host == String(entry.dropFirst()) : host == entry
        }
        let addresses: [IPAddress]
        do {
            addresses = try await resolver.resolve(host)
        } catch {
            return SovereigntyVerdict(host: host, addresses: [], reason: allowListed ? .allowListed : .unresolvable)
        }
        if allowListed { return SovereigntyVerdict(host: host, addresses: addresses, reason: .allowListed) }
        return Self.decide(host: host, addresses: addresses, allowExternal: allowExternal)
    }

    /// The decision for a host and its resolved addresses (no allow-list): the rule itself, kept pure.
    public static func decide(host: String, addresses: [IPAddress], allowExternal: Bool) -> SovereigntyVerdict {
        guard !addresses.isEmpty else { return SovereigntyVerdict(host: host, addresses: [], reason: .unresolvable) }
        let scopes = addresses.map(\.scope)
        let reason: SovereigntyVerdict.Reason
        if scopes.allSatisfy({ $0 == .loopback }) {
            reason = .loopback
        } else if scopes.allSatisfy({ $0 == .loopback || $0 == .privateNetwork }) {
            let isClusterName = IPAddress(host) == nil && (!host.contains(".") || clusterSuffixes.contains { host.hasSuffix($0) })
            reason = isClusterName ? .clusterInternal : .privateNetwork
        } else {
            reason = allowExternal ? .externalOptIn : .external
        }
        return SovereigntyVerdict(host: host, addresses: addresses, reason: reason)
    }
}
