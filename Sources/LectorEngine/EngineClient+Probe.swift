import Synchronization

extension EngineClient {
    /// One cheap request that says whether the engine can take work now: `GET /v1/models`, the configured
    /// model among those listed (where the dialect routes by model name), nothing sent to a host the
    /// sovereignty guard refuses. No retries: the caller decides when to ask again.
    ///
    /// - Throws: ``EngineError``: `unavailable` or `timeout` (down), `authentication`, `modelNotFound`,
    ///   `refused`, `malformedResponse`.
    public func probe() async throws {
        try await ensureAllowed()
        let models = try await get(url.api("/models"))
        guard models.status == 200 else {
            throw EngineError.classify(status: models.status, retryAfter: models.retryAfter, body: models.body)
        }
        guard let list = try? JSONValue.parse(models.body), let data = list["data"]?.arrayValue else {
            throw EngineError(.malformedResponse, status: 200, detail: "the model list is not OpenAI-shaped JSON", transient: true)
        }
        // llama.cpp answers whatever model is asked for; the others reject a model they do not serve.
        let (dialect, model) = state.withLock { ($0.dialect, $0.model) }
        if let model, dialect != .llamacpp {
            let ids = data.compactMap { $0["id"]?.stringValue }
            if !ids.isEmpty, !ids.contains(model) {
                throw EngineError(
                    .modelNotFound, status: 200, parameter: "model",
                    detail: "the engine does not list the configured model")
            }
        }
    }
}
