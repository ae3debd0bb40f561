/// What a handler (or a ``DependencyCircuit``'s probe) throws when something every job needs is down or
/// unusable: the engine refuses connections, answers 503, rejects the API key.
///
/// Not the job's fault: the worker reschedules the job without using an attempt, opens the dependency's
/// circuit (it stops claiming until a probe succeeds) and records the state for `lector status`.
public struct DependencyUnavailable: Error, Sendable, CustomStringConvertible {
    /// The dependency's name, as its ``DependencyCircuit`` is named (`engine`).
    public var dependency: String
    /// A short reason (an error code and description); no document text or secrets.
    public var reason: String
    /// The operator's mistake (a wrong API key, an unknown model) rather than an outage: logged as an
    /// error. Jobs still wait rather than fail: fixing the setting lets them run.
    public var misconfigured: Bool
    /// How long the dependency asked to be left alone, in seconds, when it said (`Retry-After`).
    public var retryAfter: Double?

    public init(dependency: String, reason: String, misconfigured: Bool = false, retryAfter: Double? = nil) {
        self.dependency = dependency
        self.reason = reason
        self.misconfigured = misconfigured
        self.retryAfter = retryAfter
    }

    public var description: String { "\(dependency) unavailable: \(reason)" }
}
