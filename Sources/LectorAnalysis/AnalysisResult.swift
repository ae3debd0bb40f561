/// Everything an analysis produced: what the service stores in `analyses`, `findings` and
/// `finding_quotes`.
public struct AnalysisResult: Sendable, Codable {
    /// Token counts over all requests, retries included.
    public struct Usage: Sendable, Hashable, Codable {
        public var promptTokens: Int
        public var completionTokens: Int
        /// Prompt tokens served from the engine's prefix cache, when the engine reports them.
        public var cachedPromptTokens: Int?
        /// Chat requests sent (retries with feedback and re-planned chunks included).
        public var requests: Int
        /// Requests retried because the answer was invalid.
        public var feedbackRetries: Int

        public init(promptTokens: Int = 0, completionTokens: Int = 0, cachedPromptTokens: Int? = nil, requests: Int = 0, feedbackRetries: Int = 0) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.cachedPromptTokens = cachedPromptTokens
            self.requests = requests
            self.feedbackRetries = feedbackRetries
        }

        mutating func add(_ other: Usage) {
            promptTokens += other.promptTokens
            completionTokens += other.completionTokens
            if let cached = other.cachedPromptTokens { cachedPromptTokens = (cachedPromptTokens ?? 0) + cached }
            requests += other.requests
            feedbackRetries += other.feedbackRetries
        }
    }

    /// The profile's name.
    public var profile: String
    /// The profile's prompt version.
    public var promptVersion: String
    /// Facts about the whole document.
    public var facts: DocumentFacts
    /// One finding per category of the profile, in table order.
    public var findings: [Finding]
    /// The plan as executed (after any re-planning).
    public var plan: AnalysisPlan
    /// Token usage.
    public var usage: Usage
    /// Wall time of the engine requests, in milliseconds.
    public var engineMilliseconds: Int
    /// Wall time of the whole analysis (planning, requests, validation, grounding, merge).
    public var totalMilliseconds: Int
    /// The model that answered.
    public var model: String
    /// The engine host that answered.
    public var engineHost: String
    /// Whether that host is outside the organisation's networks.
    public var externalEngine: Bool
    /// The `reasoning_effort` actually sent (after any degradation), or nil when none was sent.
    public var reasoningEffort: String?

    /// A result; the analyzer makes these, tests and tools may too.
    public init(
        profile: String, promptVersion: String, facts: DocumentFacts, findings: [Finding], plan: AnalysisPlan,
        usage: Usage, engineMilliseconds: Int, totalMilliseconds: Int, model: String, engineHost: String,
        externalEngine: Bool, reasoningEffort: String?
    ) {
        self.profile = profile
        self.promptVersion = promptVersion
        self.facts = facts
        self.findings = findings
        self.plan = plan
        self.usage = usage
        self.engineMilliseconds = engineMilliseconds
        self.totalMilliseconds = totalMilliseconds
        self.model = model
        self.engineHost = engineHost
        self.externalEngine = externalEngine
        self.reasoningEffort = reasoningEffort
    }

    /// Quotes not found in the text, over all findings.
    public var unverifiedQuoteCount: Int { findings.reduce(0) { $0 + $1.quotes.count(where: { !$0.verified }) } }
}
