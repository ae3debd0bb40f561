import LectorEngine
import LectorQueue

/// The engine as a dependency of analyze jobs: its outage is the worker's state, not a job's failure.
///
/// ``circuit(engine:backoff:)`` makes the ``DependencyCircuit`` a ``Worker`` gates its claims on (gauge
/// `lector_engine_up`); ``AnalyzeJob`` throws ``unavailable(_:)`` for engine failures that say the
/// engine as a whole is down or misconfigured.
public enum EngineHealth {
    /// The dependency's name in circuits, job errors and `lector.dependency_health`.
    public static let dependency = "engine"

    /// A circuit that probes `engine` with ``EngineClient/probe()`` while it is open.
    public static func circuit(
        engine: EngineClient, backoff: DependencyCircuit.Backoff = DependencyCircuit.Backoff()
    ) -> DependencyCircuit {
        DependencyCircuit(name: dependency, backoff: backoff) {
            do {
                try await engine.probe()
            } catch let error as EngineError {
                throw unavailable(error)
            }
        }
    }

    /// The queue's form of an engine failure that is the engine's, not the document's.
    public static func unavailable(_ error: EngineError) -> DependencyUnavailable {
        DependencyUnavailable(
            dependency: dependency, reason: "\(error.code): \(error.description)",
            misconfigured: error.isMisconfiguration || error.kind == .refused,
            retryAfter: error.retryAfter)
    }
}
