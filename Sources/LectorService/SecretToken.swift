import LectorCore

/// The one home of Lector's random credentials (API tokens, reviewer credentials, session cookies, CSRF
/// tokens): how they are made and how they are stored.
///
/// A credential is 32 random bytes from the system's generator, in lower-case hex, behind a short prefix
/// that names its kind (`lct_`, `lrv_`, ...) so that a leaked one is easy to grep for. Only its
/// SHA-256 (``hash(_:)``) is stored; the credential is shown once.
public enum SecretToken {
    /// How many random bytes a credential carries.
    public static let randomBytes = 32

    /// A new credential: `prefix` followed by 64 random hex digits.
    public static func make(prefix: String) -> String {
        prefix + randomHex()
    }

    /// `count` random bytes from the system's generator, as lower-case hex (2 digits a byte).
    public static func randomHex(bytes count: Int = randomBytes) -> String {
        var random = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for _ in 0..<count {
            let byte = UInt8.random(in: .min ... .max, using: &random)
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The stored form of a credential: the lower-case hex SHA-256 of its UTF-8 bytes.
    public static func hash(_ token: String) -> String { SHA256.hex(Array(token.utf8)) }

    /// The first characters of a credential, kept beside its hash so that operators can tell
    /// credentials apart in listings (the prefix and 8 of the 64 random digits).
    public static func displayPrefix(_ token: String) -> String { String(token.prefix(12)) }

    /// Whether `text` looks like a credential of `prefix`: the prefix, then exactly 64 lower-case hex
    /// digits. Lookups skip anything else without asking the database.
    public static func isWellFormed(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let rest = text.utf8.dropFirst(prefix.utf8.count)
        return rest.count == randomBytes * 2 && rest.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Whether two secrets are equal, compared in time that does not depend on where they differ
    /// (CSRF tokens, double-submitted form tokens). Empty never matches.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }
}
