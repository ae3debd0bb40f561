/// The flavour of OpenAI-compatible server an engine is; each differs in small, important ways.
public enum EngineDialect: String, Sendable, CaseIterable, Codable {
    /// vLLM (`vllm serve`): the recommended self-hosted path.
    case vllm
    /// NVIDIA NIM (vLLM or TensorRT-LLM inside; health at `/v1/health/ready`).
    case nim
    /// Mistral's hosted API: `random_seed`, rejects unknown fields (422), at most 8 images per request,
    /// reasoning as `thinking` content chunks.
    case mistral
    /// llama.cpp's `llama-server` (and servers that copy it): `/props`, `/tokenize`, `reasoning_content`.
    case llamacpp
    /// Any other OpenAI-compatible server, sent only standard fields.
    case openai

    /// The most images one request may carry, or nil for no known limit.
    public var maxImagesPerRequest: Int? { self == .mistral ? 8 : nil }

    /// The name of the sampling-seed field.
    var seedField: String { self == .mistral ? "random_seed" : "seed" }

    /// Whether `stream_options: {include_usage: true}` is understood (the Mistral API rejects unknown
    /// fields and reports usage in the last chunk anyway).
    var sendsStreamOptions: Bool { self != .mistral }

    /// Health endpoints to try, relative to the server root (without `/v1`).
    var healthPaths: [String] {
        switch self {
        case .nim: ["/v1/health/ready", "/health"]
        case .vllm, .llamacpp: ["/health"]
        case .mistral, .openai: []
        }
    }

    /// Whether the server may cut a prompt longer than its context without an error (Ollama and other
    /// generic servers do; vLLM, NIM, llama.cpp and the Mistral API refuse with a 400): the only dialect
    /// whose usage is checked against the bytes-a-token floor when no exact count is known.
    var mayTruncatePrompts: Bool { self == .openai }

    /// Whether the server has a `/tokenize` endpoint at its root.
    var hasTokenize: Bool { self == .vllm || self == .llamacpp }
}
