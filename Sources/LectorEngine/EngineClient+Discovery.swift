import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// What discovery learned about an engine.
public struct EngineInfo: Sendable, Hashable {
    /// Whether the health endpoint said ready (or, without one, the model list answered).
    public var healthy: Bool
    /// `ok`, `loading` (503 while the model loads), or `unreachable`.
    public var health: String
    /// The dialect in use.
    public var dialect: EngineDialect
    /// Whether the dialect was detected (false: configured).
    public var dialectDetected: Bool
    /// The model ids the engine lists.
    public var models: [String]
    /// The model requests use.
    public var model: String?
    /// The context length in tokens (per slot for llama.cpp), when the engine says.
    public var contextLength: Int?
    /// Parallel slots, when the engine says (llama.cpp `/props` `total_slots`).
    public var slots: Int?
    /// Whether the engine advertises image input, when it says.
    public var imageInputAdvertised: Bool?
}

extension EngineClient {
    /// Asks the engine for its health, models, context length and dialect.
    ///
    /// Sends no documents, but checks the sovereignty guard first all the same.
    ///
    /// - Throws: ``EngineError`` (`refused`, `unavailable`, `authentication`, ...).
    public func discover() async throws -> EngineInfo {
        try await ensureAllowed()
        let configuredDialect = configuration.dialect
        let models = try await get(url.api("/models"))
        guard models.status == 200 else {
            throw EngineError.classify(status: models.status, retryAfter: models.retryAfter, body: models.body)
        }
        guard let list = try? JSONValue.parse(models.body), let data = list["data"]?.arrayValue else {
            throw EngineError(.malformedResponse, status: 200, detail: "the model list is not OpenAI-shaped JSON", transient: true)
        }
        let ids = data.compactMap { $0["id"]?.stringValue }
        let owners = Set(data.compactMap { $0["owned_by"]?.stringValue?.lowercased() })
        var dialect = configuredDialect
        if dialect == nil {
            if url.host.lowercased() == "api.mistral.ai" {
                dialect = .mistral
            } else if owners.contains("llamacpp") || models.server?.lowercased().contains("llama.cpp") == true {
                dialect = .llamacpp
            } else if owners.contains("vllm") || data.contains(where: { $0["max_model_len"] != nil }) {
                // NIM is vLLM inside and lists max_model_len too; its readiness endpoint tells them apart.
                let ready = try? await get(url.root("/v1/health/ready"))
                dialect = ready?.status == 200 ? .nim : .vllm
            } else if let ready = try? await get(url.root("/v1/health/ready")), ready.status == 200 {
                dialect = .nim
            } else {
                dialect = .openai
            }
        }
        let resolved = dialect ?? .openai
        let model = configuration.model ?? ids.first
        var info = EngineInfo(
            healthy: true, health: "ok", dialect: resolved, dialectDetected: configuredDialect == nil, models: ids,
            model: model)
        let entry = data.first { $0["id"]?.stringValue == model } ?? data.first
        info.contextLength = entry?["max_model_len"]?.countValue ?? entry?["meta"]?["n_ctx"]?.countValue
            ?? entry?["context_length"]?.countValue ?? entry?["max_context_length"]?.countValue
        if let modalities = entry?["architecture"]?["input_modalities"]?.arrayValue {
            info.imageInputAdvertised = modalities.contains("image")
        } else if let capabilities = entry?["capabilities"]?["vision"]?.boolValue {
            info.imageInputAdvertised = capabilities
        }
        for path in resolved.healthPaths {
            guard let health = try? await get(url.root(path)) else {
                info.healthy = false
                info.health = "unreachable"
                continue
            }
            if health.status == 200 {
                info.healthy = true
                info.health = "ok"
                break
            }
            info.healthy = false
            info.health = health.status == 503 ? "loading" : "status \(health.status)"
        }
        if resolved == .llamacpp, let props = try? await get(url.root("/props")), props.status == 200,
            let json = try? JSONValue.parse(props.body)
        {
            info.contextLength = json["default_generation_settings"]?["n_ctx"]?.countValue ?? info.contextLength
            info.slots = json["total_slots"]?.countValue
            if let vision = json["modalities"]?["vision"]?.boolValue { info.imageInputAdvertised = vision }
        }
        state.withLock { state in
            state.dialect = resolved
            state.model = model
        }
        return info
    }

    /// The model requests use (configured, or discovered on first use); nil when the engine names none
    /// or cannot be asked.
    public func resolvedModel() async -> String? {
        (try? await resolvedDialectAndModel())?.1 ?? configuration.model
    }

    /// The dialect and model to use, discovering them on first use when not configured.
    func resolvedDialectAndModel() async throws -> (EngineDialect, String?) {
        let known = state.withLock { state in (state.dialect, state.model) }
        if let dialect = known.0, let model = known.1 { return (dialect, model) }
        let info = try await discover()
        return (info.dialect, info.model)
    }

    struct Fetched {
        var status: Int
        var body: [UInt8]
        var retryAfter: String?
        var server: String?
    }

    /// A small GET, limited to 10 seconds and 4 MB.
    func get(_ target: String) async throws -> Fetched {
        var request = HTTPClientRequest(url: target)
        request.headers = headers(json: false)
        do {
            let response = try await http.execute(request, timeout: .seconds(10), logger: logger)
            let body = try await response.body.collect(upTo: 4 << 20)
            return Fetched(
                status: Int(response.status.code), body: Array(buffer: body),
                retryAfter: response.headers.first(name: "Retry-After"), server: response.headers.first(name: "Server"))
        } catch {
            throw Self.transportError(error, beforeResponse: true)
        }
    }

    /// A small JSON POST to the server root (`/tokenize`).
    func post(root path: String, json: JSONValue) async throws -> Fetched {
        var request = HTTPClientRequest(url: url.root(path))
        request.method = .POST
        request.headers = headers(json: true)
        request.body = .bytes(ByteBuffer(bytes: json.serialized()))
        do {
            let response = try await http.execute(request, timeout: .seconds(30), logger: logger)
            let body = try await response.body.collect(upTo: 16 << 20)
            return Fetched(status: Int(response.status.code), body: Array(buffer: body))
        } catch {
            throw Self.transportError(error)
        }
    }
}
