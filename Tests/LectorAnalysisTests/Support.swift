import Foundation
import LectorAnalysis
import LectorEngine
import LectorFakeEngine
import Logging

/// A logger for tests; warnings still show.
let testLogger: Logger = {
    var logger = Logger(label: "lector.analysis.tests")
    logger.logLevel = .warning
    return logger
}()

/// Retries with tiny backoffs: tests count attempts, they do not wait for them.
let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(4), maxRetryAfter: .seconds(1))

/// A four-page contract; each clause sits on its own page.
let samplePages: [AnalysisPage] = [
    AnalysisPage(
        number: 1,
        text: """
            MASTER SERVICES AGREEMENT
            This Master Services Agreement is made on 1 March 2024 between Acme Corp (the \u{201C}Customer\u{201D}) and
            Borealis Ltd (the \u{201C}Supplier\u{201D}). The Supplier shall provide the services de\u{FB01}ned in Schedule 1.
            """),
    AnalysisPage(
        number: 2,
        text: "12. GOVERNING LAW\nThis Agreement shall be governed by and construed in accordance with the laws of the State of New York."),
    AnalysisPage(
        number: 3,
        text: """
            14. TERM AND RENEWAL
            This Agreement renews automatically for successive one-year terms unless either party gives ninety (90) days\u{2019} written
            notice of non-renewal before the end of the then-current term.
            """),
    AnalysisPage(
        number: 4,
        text: "18. ASSIGNMENT\nNeither party may assign this Agreement without the prior written consent of the other party, such consent not to be unreasonably with-\nheld."),
]

/// The categories the fake-engine tests ask for.
let testCategories = ["governing_law", "renewal_term", "anti_assignment", "non_compete"]

/// A profile for the fake-engine tests: the answer for its four categories fits one request.
func testProfile(
    contextTokens: Int? = nil, categories: [String] = testCategories, maxOutputTokens: Int = 2048,
    reasoningTokens: Int? = nil, maxImagesPerRequest: Int? = nil, imagePolicy: ImagePolicy = .auto
) -> AnalysisProfile {
    AnalysisProfile(
        name: "test", promptVersion: "test/1",
        categories: FindingCategory.all.filter { categories.contains($0.key) }, reasoningEffort: .off,
        imagePolicy: imagePolicy, maxOutputTokens: maxOutputTokens, marginTokens: 128, reasoningTokens: reasoningTokens,
        contextTokens: contextTokens, maxImagesPerRequest: maxImagesPerRequest)
}

/// One answer as the strict schema shapes it: every member present, `null` where unset.
func answerJSON(
    _ answers: [String: ModelAnswer.Answer], categories: [String] = testCategories,
    document: DocumentFacts = DocumentFacts()
) -> String {
    func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
    var findings: [String: JSONValue] = [:]
    for key in categories {
        let category = FindingCategory.byKey[key]!
        let answer = answers[key] ?? ModelAnswer.Answer(presence: .absent, confidence: 0.8)
        let normalized: JSONValue
        switch category.kind {
        case .text: normalized = .null
        case .date: normalized = answer.normalized.map { ["date": text($0.date)] } ?? .null
        case .duration: normalized = answer.normalized.map { ["duration": text($0.duration)] } ?? .null
        case .amount: normalized = answer.normalized.map { ["amount": number($0.amount), "currency": text($0.currency)] } ?? .null
        case .boolean: normalized = answer.normalized.map { ["boolean": $0.boolean.map(JSONValue.bool) ?? .null] } ?? .null
        }
        findings[key] = [
            "presence": .string(answer.presence.rawValue), "value": text(answer.value), "normalized": normalized,
            "pages": .array(answer.pages.map { .number(Double($0)) }),
            "quotes": .array(answer.quotes.map { ["page": .number(Double($0.page)), "text": .string($0.text)] }),
            "confidence": .number(answer.confidence), "risk": .string(answer.risk.rawValue),
            "risk_rationale": text(answer.riskRationale),
        ]
    }
    let documentJSON: JSONValue = [
        "title": text(document.title), "type": text(document.type),
        "parties": .array(document.parties.map { ["name": .string($0.name), "role": text($0.role)] }),
        "governing_law": text(document.governingLaw), "currency": text(document.currency),
        "total_value": number(document.totalValue),
    ]
    return JSONValue.object(["document": documentJSON, "findings": .object(findings)]).jsonText
}

/// The answer a careful model gives for the pages it was shown (page numbers read from the markers).
func honestAnswer(pages shown: Set<Int>) -> String {
    var answers: [String: ModelAnswer.Answer] = [:]
    if shown.contains(2) {
        answers["governing_law"] = .init(
            presence: .present, value: "New York", pages: [2],
            quotes: [.init(page: 2, text: "governed by and construed in accordance with the laws of the State of New York")],
            confidence: 0.95, risk: .low, riskRationale: "A common, neutral choice.")
    }
    if shown.contains(3) {
        answers["renewal_term"] = .init(
            presence: .present, value: "successive one-year terms", normalized: NormalizedValue(duration: "P1Y"), pages: [3],
            // Straight apostrophe and one line: the page has a curly one and a line break.
            quotes: [.init(page: 3, text: "ninety (90) days' written notice of non-renewal")],
            confidence: 0.9, risk: .medium, riskRationale: "Renews unless notice is given in time.")
    }
    if shown.contains(4) {
        answers["anti_assignment"] = .init(
            presence: .present, value: "consent required", normalized: NormalizedValue(boolean: true), pages: [4],
            // Joined across the hyphenated line break of the page.
            quotes: [.init(page: 4, text: "such consent not to be unreasonably withheld")],
            confidence: 0.9, risk: .low, riskRationale: "Mutual consent right.")
    }
    var document = DocumentFacts()
    if shown.contains(1) {
        document = .init(
            title: "Master Services Agreement", type: "services",
            parties: [Party(name: "Acme Corp", role: "Customer"), Party(name: "Borealis Ltd", role: "Supplier")])
    }
    if shown.contains(2) { document.governingLaw = "New York" }
    return answerJSON(answers, document: document)
}

/// The categories a chat request's schema asks for, and whether it asks for the document facts.
func schemaAsks(_ request: FakeRequest) -> (categories: [String], document: Bool) {
    let properties = request.json?["response_format"]?["json_schema"]?["schema"]?["properties"]
    let findings = properties?["findings"]?["properties"]?.objectValue?.keys.sorted() ?? []
    return (findings, properties?["document"] != nil)
}

/// The honest answer limited to what the request's schema asks for (a request of a split answer).
func honestAnswer(for request: FakeRequest) -> String {
    let asked = schemaAsks(request)
    let full = try! JSONValue.parse(honestAnswer(pages: pagesShown(in: request)))
    var findings: [String: JSONValue] = [:]
    for key in asked.categories { findings[key] = full["findings"]?[key] }
    var object: [String: JSONValue] = ["findings": .object(findings)]
    if asked.document { object["document"] = full["document"] }
    return JSONValue.object(object).jsonText
}

/// The page numbers in a chat request's page markers.
func pagesShown(in request: FakeRequest) -> Set<Int> {
    guard let messages = request.json?["messages"]?.arrayValue, messages.count > 1 else { return [] }
    var texts: [String] = []
    if let content = messages[1]["content"] {
        if let text = content.stringValue { texts.append(text) }
        for part in content.arrayValue ?? [] { if let text = part["text"]?.stringValue { texts.append(text) } }
    }
    var pages = Set<Int>()
    for text in texts {
        for line in text.split(separator: "\n") where line.hasPrefix("=== Page ") {
            if let number = Int(line.dropFirst(9).prefix { $0.isNumber }) { pages.insert(number) }
        }
    }
    return pages
}

/// The user message text of a chat request, joined.
func userText(of request: FakeRequest) -> String {
    guard let content = request.json?["messages"]?.arrayValue?.last?["content"] else { return "" }
    if let text = content.stringValue { return text }
    return (content.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
}

/// Runs `body` with a fake vLLM engine answering through `handler`, and an analyzer for `profile`.
func withFakeAnalyzer<T: Sendable>(
    profile: AnalysisProfile = testProfile(), dialect: EngineDialect = .vllm, maxImagesPerRequest: Int? = nil,
    handler: @escaping @Sendable (FakeRequest) async -> FakeReply,
    _ body: (FakeEngine, Analyzer) async throws -> T
) async throws -> T {
    let script = FakeScript(dialect: dialect)
    let maxImages = maxImagesPerRequest
    return try await FakeEngine.withRunning(handler: { request in
        request.path.hasSuffix("/chat/completions") ? await handler(request) : await script.handler(request)
    }) { engine in
        let configuration = EngineConfiguration(
            url: engine.baseURL, dialect: dialect, maxInFlight: 4, retry: fastRetry, maxImagesPerRequest: maxImages)
        return try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
            try await body(engine, Analyzer(client: client, profile: profile, logger: testLogger))
        }
    }
}

/// A handler answering honestly for the pages each request shows.
let honestHandler: @Sendable (FakeRequest) async -> FakeReply = { request in
    FakeResponses.completion(dialect: .vllm, answer: honestAnswer(pages: pagesShown(in: request)))
}
