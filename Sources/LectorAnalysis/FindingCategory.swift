/// One thing the model is asked about a contract: a CUAD clause category or a data-protection term.
///
/// ``all`` is the single source of truth: the findings schema, the prompt, profiles (which select keys)
/// and the SQL views all use these keys. `cuadName` is the column name in the CUAD labels, so CUAD
/// answers can be mapped onto Lector's findings.
public struct FindingCategory: Sendable, Hashable, Codable {
    /// How a category's value is normalised.
    public enum ValueKind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Free text only (names, a law, a description).
        case text
        /// An ISO 8601 calendar date (`YYYY-MM-DD`).
        case date
        /// An ISO 8601 duration (`P1Y`, `P90D`, `P6M`).
        case duration
        /// An amount and an ISO 4217 currency.
        case amount
        /// Whether the clause grants, restricts or applies (true/false).
        case boolean
    }

    /// The stable key (`snake_case`), used in the schema, in `findings.category` and in profiles.
    public var key: String
    /// The CUAD label column this category corresponds to, or nil for Lector's own categories.
    public var cuadName: String?
    /// What the model is asked to find.
    public var question: String
    /// How the value is normalised.
    public var kind: ValueKind

    /// A category.
    public init(key: String, cuadName: String?, kind: ValueKind, question: String) {
        self.key = key
        self.cuadName = cuadName
        self.kind = kind
        self.question = question
    }

    /// The 41 CUAD categories, then the data-protection terms, in a fixed order.
    public static let all: [FindingCategory] = [
        .init(key: "document_name", cuadName: "Document Name", kind: .text, question: "The name of the contract."),
        .init(key: "parties", cuadName: "Parties", kind: .text, question: "The parties who signed the contract."),
        .init(key: "agreement_date", cuadName: "Agreement Date", kind: .date, question: "The date the contract was signed."),
        .init(key: "effective_date", cuadName: "Effective Date", kind: .date, question: "The date the contract becomes effective."),
        .init(key: "expiration_date", cuadName: "Expiration Date", kind: .date, question: "The date the initial term expires."),
        .init(key: "renewal_term", cuadName: "Renewal Term", kind: .duration, question: "The length of an automatic renewal term."),
        .init(
            key: "notice_period", cuadName: "Notice Period To Terminate Renewal", kind: .duration,
            question: "The notice needed to stop a renewal or terminate."),
        .init(key: "governing_law", cuadName: "Governing Law", kind: .text, question: "The law that governs the contract."),
        .init(
            key: "most_favored_nation", cuadName: "Most Favored Nation", kind: .boolean,
            question: "Whether a party gets terms at least as good as any third party's."),
        .init(
            key: "competitive_restriction_exception", cuadName: "Competitive Restriction Exception", kind: .boolean,
            question: "Exceptions or carve-outs to non-compete, exclusivity or no-solicit clauses."),
        .init(key: "non_compete", cuadName: "Non-Compete", kind: .boolean, question: "Restrictions on competing with the counterparty."),
        .init(key: "exclusivity", cuadName: "Exclusivity", kind: .boolean, question: "Exclusive dealing commitments."),
        .init(
            key: "no_solicit_of_customers", cuadName: "No-Solicit Of Customers", kind: .boolean,
            question: "Restrictions on soliciting the counterparty's customers."),
        .init(
            key: "no_solicit_of_employees", cuadName: "No-Solicit Of Employees", kind: .boolean,
            question: "Restrictions on soliciting or hiring the counterparty's employees."),
        .init(key: "non_disparagement", cuadName: "Non-Disparagement", kind: .boolean, question: "A duty not to disparage the counterparty."),
        .init(
            key: "termination_for_convenience", cuadName: "Termination For Convenience", kind: .boolean,
            question: "A right to terminate without cause."),
        .init(
            key: "rofr_rofo_rofn", cuadName: "Rofr/Rofo/Rofn", kind: .boolean,
            question: "Rights of first refusal, first offer or first negotiation."),
        .init(
            key: "change_of_control", cuadName: "Change Of Control", kind: .boolean,
            question: "Rights triggered by a change of control, merger or sale of a party."),
        .init(
            key: "anti_assignment", cuadName: "Anti-Assignment", kind: .boolean,
            question: "Consent or notice required to assign the contract."),
        .init(
            key: "revenue_profit_sharing", cuadName: "Revenue/Profit Sharing", kind: .boolean,
            question: "Sharing of revenue or profit between the parties."),
        .init(
            key: "price_restrictions", cuadName: "Price Restrictions", kind: .boolean,
            question: "Restrictions on raising or lowering prices."),
        .init(
            key: "minimum_commitment", cuadName: "Minimum Commitment", kind: .amount,
            question: "A minimum order, purchase or payment commitment."),
        .init(
            key: "volume_restriction", cuadName: "Volume Restriction", kind: .boolean,
            question: "A cap on use, volume or quantity, or fees above a threshold."),
        .init(
            key: "ip_ownership_assignment", cuadName: "Ip Ownership Assignment", kind: .boolean,
            question: "Intellectual property assigned to or owned by a party."),
        .init(
            key: "joint_ip_ownership", cuadName: "Joint Ip Ownership", kind: .boolean,
            question: "Intellectual property owned jointly."),
        .init(key: "license_grant", cuadName: "License Grant", kind: .boolean, question: "A licence granted by one party to another."),
        .init(
            key: "non_transferable_license", cuadName: "Non-Transferable License", kind: .boolean,
            question: "A licence that cannot be transferred."),
        .init(
            key: "affiliate_license_licensor", cuadName: "Affiliate License-Licensor", kind: .boolean,
            question: "A licence of the licensor's affiliates' IP."),
        .init(
            key: "affiliate_license_licensee", cuadName: "Affiliate License-Licensee", kind: .boolean,
            question: "A licence extending to the licensee's affiliates."),
        .init(
            key: "unlimited_license", cuadName: "Unlimited/All-You-Can-Eat-License", kind: .boolean,
            question: "An unlimited-use or all-you-can-eat licence."),
        .init(
            key: "irrevocable_or_perpetual_license", cuadName: "Irrevocable Or Perpetual License", kind: .boolean,
            question: "An irrevocable or perpetual licence."),
        .init(key: "source_code_escrow", cuadName: "Source Code Escrow", kind: .boolean, question: "Source code deposited in escrow."),
        .init(
            key: "post_termination_services", cuadName: "Post-Termination Services", kind: .boolean,
            question: "Obligations that continue after termination (transition, wind-down)."),
        .init(key: "audit_rights", cuadName: "Audit Rights", kind: .boolean, question: "A right to audit books, records or premises."),
        .init(key: "uncapped_liability", cuadName: "Uncapped Liability", kind: .boolean, question: "Liability that is not capped."),
        .init(key: "cap_on_liability", cuadName: "Cap On Liability", kind: .amount, question: "A cap on a party's liability."),
        .init(key: "liquidated_damages", cuadName: "Liquidated Damages", kind: .amount, question: "Liquidated damages or termination fees."),
        .init(key: "warranty_duration", cuadName: "Warranty Duration", kind: .duration, question: "How long a warranty lasts."),
        .init(key: "insurance", cuadName: "Insurance", kind: .amount, question: "Insurance a party must maintain."),
        .init(key: "covenant_not_to_sue", cuadName: "Covenant Not To Sue", kind: .boolean, question: "A promise not to sue or contest."),
        .init(
            key: "third_party_beneficiary", cuadName: "Third Party Beneficiary", kind: .boolean,
            question: "A non-party who may enforce the contract."),
        .init(
            key: "gdpr_processing", cuadName: nil, kind: .boolean,
            question: "Processing of personal data on a party's behalf (GDPR Art. 28 terms)."),
        .init(
            key: "international_transfers", cuadName: nil, kind: .boolean,
            question: "Transfers of personal data outside the EEA (SCCs, adequacy)."),
    ]

    /// The categories by key.
    public static let byKey: [String: FindingCategory] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
}
