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
