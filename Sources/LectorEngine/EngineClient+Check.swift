/// What `lector engine check` found: reachability, identity, capabilities, sovereignty.
public struct EngineCheckReport: Sendable {
    /// One capability probe: a tiny real request.
    public struct Probe: Sendable, Hashable {
        /// `chat`, `json_schema`, `image_input`, `reasoning_effort=none|low|high`.
        public var name: String
        /// Whether the capability works; nil when the probe could not tell (the engine failed otherwise).
        public var works: Bool?
        /// What happened, in a few words.
        public var detail: String
        /// The error's code when the probe failed.
        public var errorCode: String?
    }

    /// The engine URL checked.
    public var url: String
    /// The sovereignty guard's verdict.
    public var sovereignty: SovereigntyVerdict
    /// Discovery's result, when the engine answered.
    public var info: EngineInfo?
    /// Why discovery failed, when it did.
    public var error: EngineError?
    /// The capability probes, in order.
    public var probes: [Probe]

    /// Usable: allowed, healthy, and plain and schema-constrained chat both work.
    public var usable: Bool {
        sovereignty.allowed && info?.healthy == true
            && probes.contains { $0.name == "chat" && $0.works == true }
            && probes.contains { $0.name == "json_schema" && $0.works == true }
    }
}

extension EngineClient {
    /// Checks the engine with tiny real requests (a few tokens each): health, dialect, model, context
    /// length, plain and streamed chat with usage, strict JSON schema output, image input, and each
    /// `reasoning_effort` value, plus the sovereignty verdict.
    ///
    /// Nothing is sent when the sovereignty guard refuses the host. Probes are sent once, without
    /// retries or `reasoning_effort` degradation, so the report says what the engine itself does.
    public func check() async -> EngineCheckReport {
        let verdict = await sovereignty()
        var report = EngineCheckReport(url: configuration.url, sovereignty: verdict, probes: [])
        guard verdict.allowed else {
            do {
                try await ensureAllowed()
            } catch {
                report.error = error as? EngineError
            }
            return report
        }
        let info: EngineInfo
        do {
            info = try await discover()
            report.info = info
        } catch let error as EngineError {
            report.error = error
            return report
        } catch {
            report.error = EngineError(.unavailable, detail: "discovery failed")
            return report
        }
        let model = info.model
        let dialect = info.dialect

        func probe(_ name: String, _ request: ChatRequest, effort: ReasoningEffort?, verify: (ChatResponse) -> String?) async -> EngineCheckReport.Probe {
            do {
                let response: ChatResponse
                do {
                    response = try await send(request, model: model, dialect: dialect, reasoningEffort: effort)
                } catch let error as EngineError where error.isRetryable {
                    // One more try for a transient failure (a dropped keep-alive connection): the report
                    // is about capabilities, not about one unlucky connection.
                    response = try await send(request, model: model, dialect: dialect, reasoningEffort: effort)
                }
                if let problem = verify(response) {
                    return .init(name: name, works: false, detail: problem, errorCode: nil)
                }
                return .init(name: name, works: true, detail: "ok", errorCode: nil)
            } catch let error as EngineError {
                let works: Bool? =
                    switch error.kind {
                    case .badRequest, .unsupported, .malformedResponse: false
                    default: nil
                    }
                return .init(name: name, works: works, detail: error.description, errorCode: error.code)
            } catch {
                return .init(name: name, works: nil, detail: "\(type(of: error))", errorCode: nil)
            }
        }

        let hello = ChatRequest(system: "Be brief.", user: [.text("Say OK.")], maxTokens: 4, temperature: 0, stream: true)
        report.probes.append(
            await probe("chat", hello, effort: nil) { response in
                response.usage == nil ? "no usage in the streamed answer" : nil
            })
        let schema = ResponseSchema(
            name: "check",
            schema: [
                "type": "object", "properties": ["answer": ["type": "string", "enum": ["yes", "no"]]],
                "required": ["answer"], "additionalProperties": false,
            ])
        let question = ChatRequest(
            system: "Answer in JSON.",
            user: [.text(#"Is the sky blue? Reply {"answer": "yes"} or {"answer": "no"}."#)],
            schema: schema, maxTokens: 40, temperature: 0, stream: false)
        report.probes.append(await probe("json_schema", question, effort: nil) { _ in nil })
        let image = ChatRequest(
            system: "Be brief.",
            user: [.text("What colour is this image?"), .image(ImageInput(bytes: TinyImage.whitePNG(side: 56), mimeType: "image/png"))],
            maxTokens: 4, temperature: 0, stream: false)
        report.probes.append(await probe("image_input", image, effort: nil) { _ in nil })
        for effort in ReasoningEffort.allCases {
            let request = ChatRequest(system: "Be brief.", user: [.text("Say OK.")], maxTokens: 4, temperature: 0, stream: false)
            report.probes.append(await probe("reasoning_effort=\(effort.rawValue)", request, effort: effort) { _ in nil })
        }
        return report
    }
}
