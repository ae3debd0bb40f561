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
