/// An error Lector reports to people, logs and metrics.
///
/// `code` is stable and safe for metric labels and exit statuses (for example `database.unavailable`,
/// `pdf.encrypted`). `description` is one line a user can act on; it never contains document text,
/// prompts, parameter values or secrets.
public protocol LectorError: Error, CustomStringConvertible, Sendable {
    /// A stable, dotted, lower-case identifier of the kind of failure.
    var code: String { get }
}
