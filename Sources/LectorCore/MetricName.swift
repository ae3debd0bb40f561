/// Every metric Lector exports, named once. The README's Operations section describes each; a new
/// metric gets its name here first.
public enum MetricName {
    // The queue (LectorQueue).
    /// Counter, `queue`, `kind`, `outcome` (`JobOutcome`).
    public static let jobsTotal = "lector_jobs_total"
    /// Timer, `queue`, `kind`.
    public static let jobDuration = "lector_job_duration_seconds"
    /// Gauge, `queue`, `state`.
    public static let queueDepth = "lector_queue_depth"
    /// Gauge, `queue`.
    public static let queueOldestAge = "lector_queue_oldest_age_seconds"
    /// Gauge, 1 while the dependency (`engine`, `database`) answers: `lector_engine_up`.
    public static func dependencyUp(_ dependency: String) -> String { "lector_\(dependency)_up" }

    // Extraction (LectorService).
    public static let extractionDuration = "lector_extraction_duration_seconds"
    public static let extractionPages = "lector_extraction_pages_total"
    public static let extractionVisionPages = "lector_extraction_vision_pages_total"

    // The engine client (LectorEngine).
    /// Counter, `error_class`.
    public static let engineRetries = "lector_engine_retries_total"
    /// Timer, `outcome`.
    public static let engineRequestDuration = "lector_engine_request_duration_seconds"
    /// Counter, `direction` (`in`, `out`).
    public static let engineTokens = "lector_engine_tokens_total"
    /// Counter: answers taken from the reasoning channel because the content was empty.
    public static let engineAnswerFromReasoning = "lector_engine_answer_from_reasoning_total"

    // The HTTP API (LectorAPI).
    /// Counter, `method`, `route`, `status`.
    public static let httpRequests = "lector_http_requests_total"
    /// Timer, `method`, `route`.
    public static let httpRequestDuration = "lector_http_request_duration_seconds"
}
