/// One reviewed (document, category): the truth after its latest decision beside what the model says
/// in the document's latest analysis.
public struct ReviewedPair: Sendable, Equatable, Codable {
    public var documentID: Int64
    public var category: String
    /// The truth after the decision (`new`): `present`, `absent` or `unclear`, and the value.
    public var truthPresence: String
    public var truthValue: String?
    /// The model's finding of the category in the document's latest analysis (of the profile asked
    /// for); nil when that analysis has no finding of the category or there is no such analysis.
    public var modelPresence: String?
    public var modelValue: String?

    /// A pair.
    public init(
        documentID: Int64, category: String, truthPresence: String, truthValue: String?, modelPresence: String?,
        modelValue: String?
    ) {
        self.documentID = documentID
        self.category = category
        self.truthPresence = truthPresence
        self.truthValue = truthValue
        self.modelPresence = modelPresence
        self.modelValue = modelValue
    }

    enum CodingKeys: String, CodingKey {
        case documentID = "document_id", category, truthPresence = "truth_presence", truthValue = "truth_value"
        case modelPresence = "model_presence", modelValue = "model_value"
    }
}
