extension EngineClient {
    /// The number of tokens `text` is for this engine: its `/tokenize` when it has one (vLLM,
    /// llama.cpp), else ``TokenEstimate/textTokens(_:)``.
    public func countTokens(_ text: String) async -> Int {
        // /tokenize receives document text: the sovereignty guard applies as for completions.
        guard (try? await ensureAllowed()) != nil, let (dialect, model) = try? await resolvedDialectAndModel(),
            dialect.hasTokenize
        else {
            return TokenEstimate.textTokens(text)
        }
        let body: JSONValue =
            dialect == .llamacpp
            ? ["content": .string(text)]
            : ["model": model.map(JSONValue.string) ?? .null, "prompt": .string(text)]
        guard let fetched = try? await post(root: "/tokenize", json: body), fetched.status == 200,
            let json = try? JSONValue.parse(fetched.body)
        else { return TokenEstimate.textTokens(text) }
        if let count = json["count"]?.countValue { return count }
        if let tokens = json["tokens"]?.arrayValue { return tokens.count }
        return TokenEstimate.textTokens(text)
    }
}
