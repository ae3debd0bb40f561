#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A secret value (a password or API key) that never prints itself.
///
/// Read from the environment variable `NAME` or from the file named by `NAME_FILE` (trailing newlines
/// trimmed), the usual convention for container secrets.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself. Use it only where it is sent; never log it.
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }

    /// Reads `name` or, when that is unset, the file named by `name_FILE`.
    ///
    /// - Returns: nil when neither is set.
    /// - Throws: ``ConfigurationError`` when `name_FILE` names a file that cannot be read.
    public static func fromEnvironment(_ name: String) throws(ConfigurationError) -> Secret? {
        if let value = Environment.value(name), !value.isEmpty { return Secret(value) }
        guard let path = Environment.value(name + "_FILE"), !path.isEmpty else { return nil }
        guard let contents = readSmallFile(path) else {
            throw ConfigurationError(setting: name + "_FILE", reason: "cannot read the file it names")
        }
        var text = contents
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return Secret(text)
    }

    private static func readSmallFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
            if bytes.count > 1 << 20 { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
