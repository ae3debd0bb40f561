import Metrics
import Prometheus

/// The process's metrics: swift-metrics bootstrapped once with a Prometheus registry, which `/metrics`
/// (the API's, or a worker's `--metrics-port`) exposes.
enum ProcessMetrics {
    /// Bootstraps swift-metrics on first use; later uses get the same registry.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
