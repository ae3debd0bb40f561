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
