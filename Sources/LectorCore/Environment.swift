#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read access to the process environment.
public enum Environment {
    /// The value of the environment variable `name`, or nil when unset.
    public static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }

    /// Whether `name` is set to a true-ish value (`1`, `true`, `yes`, `on`).
    public static func flag(_ name: String) -> Bool {
        guard let value = value(name)?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(value)
    }
}

/// A setting that is present but unusable.
public struct ConfigurationError: LectorError {
    /// The environment variable, flag or file that is wrong.
    public var setting: String
    /// What is wrong with it, without its value.
    public var reason: String

    public init(setting: String, reason: String) {
        self.setting = setting
        self.reason = reason
    }

    public var code: String { "configuration.invalid" }
    public var description: String { "\(setting): \(reason)" }
}
