/// A small seeded random number generator (SplitMix64) with its own bounded draw, so that a sample or a
/// bootstrap with the same seed picks the same contracts on every machine and Swift version (the
/// standard library's seedless generator and its `random(in:using:)` promise neither).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// SplitMix64's next value.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject, no modulo bias).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "an empty range")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// `count` elements of `elements` drawn without replacement (a partial Fisher-Yates shuffle), in the
    /// order drawn.
    public mutating func sample<T>(_ elements: [T], count: Int) -> [T] {
        var pool = elements
        let taken = min(max(0, count), pool.count)
        for i in 0..<taken {
            let j = i + below(pool.count - i)
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(taken))
    }
}
