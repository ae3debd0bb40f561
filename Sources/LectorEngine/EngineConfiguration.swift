import Foundation
import LectorCore

/// Where the engine is and how to talk to it.
///
/// Build it from the environment with ``fromEnvironment()``, then override fields from flags.
public struct EngineConfiguration: Sendable {
    /// The OpenAI-compatible base URL, ending in `/v1` (added when the URL has no path).
    public var url: String
    /// The model to ask for; nil takes the first model the engine lists.
    public var model: String?
    /// The API key, sent as `Authorization: Bearer`.
    public var apiKey: Secret?
    /// The dialect; nil detects it.
    public var dialect: EngineDialect?
    /// Hosts allowed whatever they resolve to (`LECTOR_ENGINE_ALLOWED_HOSTS`, comma-separated; `.domain`
    /// allows a whole domain).
    public var allowedHosts: [String]
    /// Whether engines outside loopback and private networks may receive documents.
    public var allowExternal: Bool
    /// The most requests this client ever has in flight at once. Within it the limit adapts to the
    /// engine (``adaptiveInFlight``): it grows while the engine answers as fast and halves when it
    /// pushes back, so one process keeps a continuous-batching engine full.
    public var maxInFlight: Int
    /// The in-flight limit a client starts with (at most ``maxInFlight``).
    public var initialInFlight: Int
    /// Whether the limit adapts (AIMD); when false, ``initialInFlight`` is a fixed bound.
    public var adaptiveInFlight: Bool
    /// The most images one request may carry (vLLM's `--limit-mm-per-prompt`), besides the dialect's own
    /// limit; nil: none known until the engine refuses a request.
    public var maxImagesPerRequest: Int?
    /// What this engine's tokens cost: each analysis stores its cost from it (`analyses.cost_usd`).
    public var price: TokenPrice = .mistralSmall4
    /// The deadline for a whole request, retries excluded.
    public var requestTimeout: Duration
    /// The longest silence between bytes once the answer has started (streaming keeps long reasoning
    /// alive).
    public var idleTimeout: Duration
    /// The longest wait for the first byte of the answer: a saturated engine queues a request before
    /// its first token, and that wait is not a silence of a stalled answer.
    public var firstTokenTimeout: Duration
    /// The connect timeout.
    public var connectTimeout: Duration
    /// Retries for retryable failures.
    public var retry: RetryPolicy

    /// The URL used when `LECTOR_ENGINE_URL` is unset: the local engine of `deploy/local/engine`.
    public static let defaultURL = "http://127.0.0.1:8088/v1"

    /// The default ceiling of requests in flight: above what one vLLM server batches (`--max-num-seqs`
    /// 128 to 256).
    public static let defaultMaxInFlight = 512

    /// A configuration; defaults suit the local engine and long reasoning requests (30 min total, 5 min
    /// idle once the answer has started, 15 min for its first byte), and an adaptive in-flight limit
    /// starting at 8.
    public init(
        url: String = EngineConfiguration.defaultURL, model: String? = nil, apiKey: Secret? = nil,
        dialect: EngineDialect? = nil, allowedHosts: [String] = [], allowExternal: Bool = false,
        maxInFlight: Int = EngineConfiguration.defaultMaxInFlight, initialInFlight: Int = 8, adaptiveInFlight: Bool = true,
        requestTimeout: Duration = .seconds(1800), idleTimeout: Duration = .seconds(300),
        firstTokenTimeout: Duration = .seconds(900), connectTimeout: Duration = .seconds(10),
        retry: RetryPolicy = RetryPolicy(), maxImagesPerRequest: Int? = nil
    ) {
        self.initialInFlight = max(1, min(initialInFlight, max(1, maxInFlight)))
        self.adaptiveInFlight = adaptiveInFlight
        self.firstTokenTimeout = firstTokenTimeout
        self.maxImagesPerRequest = maxImagesPerRequest.map { max(1, $0) }
        self.url = url
        self.model = model
        self.apiKey = apiKey
        self.dialect = dialect
        self.allowedHosts = allowedHosts
        self.allowExternal = allowExternal
        self.maxInFlight = max(1, maxInFlight)
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.connectTimeout = connectTimeout
        self.retry = retry
    }

    /// Reads `LECTOR_ENGINE_URL`, `LECTOR_ENGINE_MODEL`, `LECTOR_ENGINE_API_KEY` (or `_FILE`),
    /// `LECTOR_ENGINE_DIALECT`, `LECTOR_ENGINE_ALLOWED_HOSTS`, `LECTOR_ALLOW_EXTERNAL_ENGINE`,
    /// `LECTOR_ENGINE_MAX_IN_FLIGHT`, `LECTOR_ENGINE_MAX_IMAGES`, `LECTOR_ENGINE_TIMEOUT` and `LECTOR_ENGINE_IDLE_TIMEOUT` (seconds),
    /// and the price per million tokens (``TokenPrice/fromEnvironment()``).
    ///
    /// - Throws: ``ConfigurationError`` naming the variable that is set but unusable.
    public static func fromEnvironment() throws(ConfigurationError) -> EngineConfiguration {
        var configuration = EngineConfiguration()
        if let url = Environment.value("LECTOR_ENGINE_URL"), !url.isEmpty { configuration.url = url }
        configuration.model = Environment.value("LECTOR_ENGINE_MODEL").flatMap { $0.isEmpty ? nil : $0 }
        configuration.apiKey = try Secret.fromEnvironment("LECTOR_ENGINE_API_KEY")
        if let raw = Environment.value("LECTOR_ENGINE_DIALECT"), !raw.isEmpty, raw != "auto" {
            guard let dialect = EngineDialect(rawValue: raw.lowercased()) else {
                throw ConfigurationError(
                    setting: "LECTOR_ENGINE_DIALECT",
                    reason: "must be auto, \(EngineDialect.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            configuration.dialect = dialect
        }
        configuration.allowedHosts = (Environment.value("LECTOR_ENGINE_ALLOWED_HOSTS") ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        configuration.allowExternal = Environment.flag("LECTOR_ALLOW_EXTERNAL_ENGINE")
        configuration.price = try TokenPrice.fromEnvironment()
        if let raw = Environment.value("LECTOR_ENGINE_MAX_IN_FLIGHT"), !raw.isEmpty {
            guard let n = Int(raw), n > 0 else {
                throw ConfigurationError(setting: "LECTOR_ENGINE_MAX_IN_FLIGHT", reason: "must be a positive integer")
            }
            configuration.maxInFlight = n
            configuration.initialInFlight = min(configuration.initialInFlight, n)
        }
        if let raw = Environment.value("LECTOR_ENGINE_MAX_IMAGES"), !raw.isEmpty {
            guard let n = Int(raw), n > 0 else {
                throw ConfigurationError(setting: "LECTOR_ENGINE_MAX_IMAGES", reason: "must be a positive integer (vLLM's --limit-mm-per-prompt image count)")
            }
            configuration.maxImagesPerRequest = n
        }
        for (name, keyPath) in [
            ("LECTOR_ENGINE_TIMEOUT", \EngineConfiguration.requestTimeout),
            ("LECTOR_ENGINE_IDLE_TIMEOUT", \EngineConfiguration.idleTimeout),
            ("LECTOR_ENGINE_FIRST_TOKEN_TIMEOUT", \EngineConfiguration.firstTokenTimeout),
        ] {
            if let raw = Environment.value(name), !raw.isEmpty {
                // `inf` and `1e999` parse as Double; a week is more than any request needs.
                guard let seconds = Double(raw), seconds > 0, seconds <= 604_800,
                    let duration = Duration.seconds(clamping: seconds, to: 0.001...604_800)
                else {
                    throw ConfigurationError(setting: name, reason: "must be a positive number of seconds, at most 604800")
                }
                configuration[keyPath: keyPath] = duration
            }
        }
        try configuration.validate()
        return configuration
    }

    /// Checks the URL's shape.
    public func validate() throws(ConfigurationError) {
        guard let parts = EngineURL(url) else {
            throw ConfigurationError(setting: "LECTOR_ENGINE_URL", reason: "must be an http:// or https:// URL")
        }
        _ = parts
    }
}
