#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, as the sovereignty guard classifies it.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Parses a dotted IPv4 or an IPv6 literal (brackets allowed); nil when `text` is not one.
    public init?(_ text: String) {
        var literal = text
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        if let zone = literal.firstIndex(of: "%") { literal = String(literal[..<zone]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 {
            self = .v6(withUnsafeBytes(of: &v6) { Array($0) })
            return
        }
        return nil
    }

    /// The kind of network this address belongs to.
    public var scope: Scope {
        switch self {
        case .v4(let a):
            if a >> 24 == 127 { return .loopback }
            if a >> 24 == 10 || a >> 20 == 0xAC1 || a >> 16 == 0xC0A8 { return .privateNetwork }
            if a >> 16 == 0xA9FE { return .linkLocal }
            if a == 0 { return .unspecified }
            return .global
        case .v6(let b):
            if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
            if b.allSatisfy({ $0 == 0 }) { return .unspecified }
            // IPv4-mapped (::ffff:a.b.c.d): judge the IPv4 address inside.
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
                let v4 = UInt32(b[12]) << 24 | UInt32(b[13]) << 16 | UInt32(b[14]) << 8 | UInt32(b[15])
                return IPAddress.v4(v4).scope
            }
            if b[0] & 0xFE == 0xFC { return .privateNetwork }  // fc00::/7, unique local
            if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return .linkLocal }
            return .global
        }
    }

    /// Where an address lives, for the sovereignty guard.
    public enum Scope: String, Sendable {
        /// 127.0.0.0/8, ::1.
        case loopback
        /// RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 unique local (fc00::/7).
        case privateNetwork = "private"
        /// 169.254/16, fe80::/10: on-link, but not a documented engine location; treated as external.
        case linkLocal = "link-local"
        /// 0.0.0.0, ::.
        case unspecified
        /// Anything else: the public internet.
        case global
    }

    public var description: String {
        switch self {
        case .v4(let a): return "\(a >> 24).\(a >> 16 & 255).\(a >> 8 & 255).\(a & 255)"
        case .v6(var bytes):
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            _ = bytes.withUnsafeMutableBytes { inet_ntop(AF_INET6, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
