import LectorCore

/// Prices per million tokens in US dollars: the one price table of the service. Analyses store their
/// cost from it (`analyses.cost_usd`, priced by the engine configuration's ``EngineConfiguration/price``),
/// and batches estimate with it (a batch definition's `price:` overrides it for its estimate).
public struct TokenPrice: Sendable, Equatable, Hashable {
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
        (Double(max(0, input)) * inputPerMillion + Double(max(0, output)) * outputPerMillion) / 1_000_000
    }

    /// `LECTOR_PRICE_INPUT_PER_MILLION` and `LECTOR_PRICE_OUTPUT_PER_MILLION` (US dollars per million
    /// tokens; 0 for an engine whose tokens cost nothing per use), each defaulting to ``mistralSmall4``'s.
    ///
    /// - Throws: ``ConfigurationError`` naming a variable that is set but not a finite number ≥ 0.
    public static func fromEnvironment() throws(ConfigurationError) -> TokenPrice {
        func read(_ name: String, default value: Double) throws(ConfigurationError) -> Double {
            guard let raw = Environment.value(name), !raw.isEmpty else { return value }
            guard let number = Double(raw), number.isFinite, number >= 0, number < 1_000_000 else {
                throw ConfigurationError(setting: name, reason: "must be a number of US dollars per million tokens, 0 or more")
            }
            return number
        }
        return TokenPrice(
            inputPerMillion: try read("LECTOR_PRICE_INPUT_PER_MILLION", default: mistralSmall4.inputPerMillion),
            outputPerMillion: try read("LECTOR_PRICE_OUTPUT_PER_MILLION", default: mistralSmall4.outputPerMillion))
    }
}
