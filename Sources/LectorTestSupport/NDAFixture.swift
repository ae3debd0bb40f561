import LectorAnalysis
import LectorEngine

/// What a model answers when it reads the sample NDA (``SampleContracts/nda``): one governing-law
/// finding with a quote from its page 1, under a one-category test profile.
public enum NDAFixture {
    /// The sentence on page 1 of the NDA the finding quotes.
    public static let lawQuote = "This Agreement is governed by the laws of England and Wales"

    /// The answer, as the engine's JSON.
    public static let answer = """
        {"document": {"title": "Mutual Non-Disclosure Agreement", "type": "nda", "parties": [], "governing_law": "England and Wales",
          "currency": null, "total_value": null},
         "findings": {"governing_law": {"presence": "present", "value": "England and Wales", "normalized": null,
          "pages": [1], "quotes": [{"page": 1, "text": "\(lawQuote)"}], "confidence": 0.9, "risk": "low",
          "risk_rationale": "A neutral choice."}}}
        """

    /// A profile named `test` that asks for governing law only.
    public static var profile: AnalysisProfile {
        AnalysisProfile(
            name: "test", promptVersion: "test/1", categories: FindingCategory.all.filter { $0.key == "governing_law" },
            reasoningEffort: .off, imagePolicy: .auto, maxOutputTokens: 1024, marginTokens: 128, contextTokens: 32_768)
    }
}
