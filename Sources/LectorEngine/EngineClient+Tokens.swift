import LectorCore
import Synchronization

extension EngineClient {
    /// The number of tokens `text` is for this engine: its `/tokenize` when it has one (vLLM,
    /// llama.cpp), else ``TokenEstimate/textTokens(_:)``.
    public func countTokens(_ text: String) async -> Int {
        await exactTokens(text) ?? TokenEstimate.textTokens(text)
    }

    /// Texts whose counts the client keeps; past it the cache starts again (a count is cheap to ask
    /// again, and the cache must not grow with every document a worker ever saw).
    static let tokenCacheLimit = 200_000

    /// The engine's own count of `text` from its `/tokenize`, cached by the text's SHA-256 for the
    /// life of the client (a retried job, a re-planned chunk and the other category groups of a page
    /// ask again); nil when the dialect has no `/tokenize`, the host is not allowed, or the engine did
    /// not answer with a count.
    public func exactTokens(_ text: String) async -> Int? {
        let key = SHA256.hex(Array(text.utf8))
        if let known = state.withLock({ $0.tokenCounts[key] }) { return known }
        // /tokenize receives document text: the sovereignty guard applies as for completions.
        guard (try? await ensureAllowed()) != nil, let (dialect, model) = try? await resolvedDialectAndModel(),
            dialect.hasTokenize
        else { return nil }
        let body: JSONValue =
            dialect == .llamacpp
            ? ["content": .string(text)]
            : ["model": model.map(JSONValue.string) ?? .null, "prompt": .string(text)]
        guard let fetched = try? await post(root: "/tokenize", json: body), fetched.status == 200,
            let json = try? JSONValue.parse(fetched.body)
        else { return nil }
        // Clamped: a count is at most one token per byte, and never negative.
        let limit = text.utf8.count + 16
        let count: Int
        if let value = json["count"]?.countValue {
            count = min(value, limit)
        } else if let tokens = json["tokens"]?.arrayValue {
            count = min(tokens.count, limit)
        } else {
            return nil
        }
        state.withLock { state in
            if state.tokenCounts.count >= Self.tokenCacheLimit { state.tokenCounts.removeAll(keepingCapacity: true) }
            state.tokenCounts[key] = count
        }
        return count
    }

    /// The engine's counts of `texts`, in order, asked `parallel` at a time; nil as soon as one cannot
    /// be had (no `/tokenize`, or it failed): the caller then estimates all of them alike.
    public func exactTokens(_ texts: [String], parallel: Int = 8) async -> [Int]? {
        guard let first = texts.first else { return [] }
        guard await exactTokens(first) != nil else { return nil }
        return await withTaskGroup(of: (Int, Int?).self) { group in
            var counts = [Int?](repeating: nil, count: texts.count)
            var next = 0
            func start() {
                guard next < texts.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await self.exactTokens(texts[index])) }
            }
            for _ in 0..<max(1, parallel) { start() }
            while let (index, count) = await group.next() {
                guard let count else {
                    group.cancelAll()
                    return nil
                }
                counts[index] = count
                start()
            }
            return counts.map { $0 ?? 0 }
        }
    }
}
