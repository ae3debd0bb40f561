/// Prices per million tokens in US dollars, for estimates and for analyses that carry no price.
public struct TokenPrice: Sendable, Equatable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double

    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    /// Mistral's list price for Mistral Small 4 on its API (DESIGN §7).
    public static let mistralSmall4 = TokenPrice(inputPerMillion: 0.15, outputPerMillion: 0.60)

    /// The price of `input` and `output` tokens.
    public func cost(input: Int, output: Int) -> Double {
        (Double(input) * inputPerMillion + Double(output) * outputPerMillion) / 1_000_000
    }
}
