import AsyncHTTPClient
import NIOPosix
import Synchronization

/// The HTTP client of an engine, connecting only to an address the sovereignty guard vetted.
///
/// Checking a name and then letting the HTTP client look it up again leaves a gap: a DNS server that
/// answers a private address to the guard and a public one to the connection (DNS rebinding) would get
/// the documents. So each vetted address gets a client whose `dnsOverride` maps the engine's host name to
/// that address: the connection makes no lookup of its own, TLS still sends the host name (SNI) and
/// checks the certificate against it, and the Host header keeps it. A host given as an address literal
/// needs no pin. Until the first verdict, the client is the unpinned one (requests check the guard first).
final class PinnedHTTPClient: Sendable {
    private let host: String
    private let configuration: HTTPClient.Configuration
    private struct State {
        var current: HTTPClient
        var unpinned: HTTPClient
        /// One client per address pinned so far; requests in flight keep theirs when the pin moves.
        var pinned: [String: HTTPClient] = [:]
    }
    private let state: Mutex<State>

    /// - Parameters:
    ///   - host: the engine URL's host (a name or an address literal).
    ///   - configuration: the client settings every pinned client shares.
    init(host: String, configuration: HTTPClient.Configuration) {
        self.host = host
        self.configuration = configuration
        let unpinned = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        self.state = Mutex(State(current: unpinned, unpinned: unpinned))
    }

    /// The client for the next request: the one pinned to the latest vetted address.
    var current: HTTPClient { state.withLock { $0.current } }

    /// The address requests go to now, or nil while unpinned (for tests and logs).
    var pinnedAddress: String? {
        state.withLock { state in state.pinned.first { $0.value === state.current }?.key }
    }

    /// Pins the connection to one of the addresses `verdict` vetted. A refused verdict changes nothing
    /// (requests are refused before they pick a client); an allow-listed name that did not resolve
    /// stays unpinned.
    func pin(_ verdict: SovereigntyVerdict) {
        guard verdict.allowed, IPAddress(host) == nil, !verdict.addresses.isEmpty else { return }
        // IPv4 first: an engine that listens on 0.0.0.0 is not reachable over IPv6.
        let address = (verdict.addresses.first { if case .v4 = $0 { true } else { false } } ?? verdict.addresses[0])
            .description
        state.withLock { state in
            if let client = state.pinned[address] {
                state.current = client
                return
            }
            var configuration = configuration
            configuration.dnsOverride = [host: address]
            let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
            state.pinned[address] = client
            state.current = client
        }
    }

    /// Closes every client's connections.
    func shutdown() async throws {
        let clients = state.withLock { [$0.unpinned] + Array($0.pinned.values) }
        for client in clients { try await client.shutdown() }
    }
}
