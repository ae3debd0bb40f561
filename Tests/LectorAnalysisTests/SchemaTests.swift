import Foundation
import LectorAnalysis
import LectorEngine
import LectorTestSupport
import Testing

@Suite("Findings schema, validation and merge")
struct SchemaTests {
    @Test("the table: 41 CUAD categories matching the CUAD labels' columns, plus data protection")
    func table() throws {
        #expect(FindingCategory.all.count == 43)
        #expect(Set(FindingCategory.all.map(\.key)).count == 43)
        let cuad = FindingCategory.all.compactMap(\.cuadName)
        #expect(cuad.count == 41)
        let labels = RepoPaths.corpus.appendingPathComponent("contracts/cuad_labels.csv")
        if let header = try? String(contentsOf: labels, encoding: .utf8).split(whereSeparator: \.isNewline).first {
            let columns = header.split(separator: ",").map(String.init).filter { !$0.contains("-Answer") && !$0.hasSuffix("- Answer") }
            #expect(Array(columns.dropFirst(2)) == cuad)
        }
        #expect(FindingCategory.byKey["gdpr_processing"]?.cuadName == nil)
        #expect(FindingCategory.byKey["international_transfers"] != nil)
    }

    @Test("the strict schema requires every selected category and every member")
    func strictSchema() throws {
        let schema = FindingsSchema().json(pages: 1...10)
        let findings = try #require(schema["properties"]?["findings"])
        #expect(findings["required"]?.arrayValue?.count == 43)
        #expect(findings["additionalProperties"] == .bool(false))
        let cap = try #require(findings["properties"]?["cap_on_liability"])
        #expect(Set(cap["required"]?.arrayValue?.compactMap(\.stringValue) ?? []) == [
            "presence", "value", "normalized", "pages", "quotes", "confidence", "risk", "risk_rationale",
        ])
        #expect(cap["properties"]?["quotes"]?["items"]?["properties"]?["page"]?["maximum"]?.intValue == 10)
        let subset = FindingsSchema(categories: [FindingCategory.byKey["governing_law"]!]).json()
        #expect(subset["properties"]?["findings"]?["required"] == ["governing_law"])
    }

    @Test("a generated honest answer validates; problems name paths, never values")
    func validation() throws {
        let schema = FindingsSchema(categories: FindingCategory.all.filter { testCategories.contains($0.key) })
        let validator = AnswerValidator(schema: schema)
        let good = try JSONValue.parse(honestAnswer(pages: [1, 2, 3, 4]))
        guard case .valid(let answer) = validator.validate(good, pages: 1...4) else {
            Issue.record("the honest answer is invalid")
            return
        }
        #expect(answer.findings["governing_law"]?.quotes.first?.page == 2)
        // Pages 3 and 4 are outside the pages 1-2 this request showed: dropped from the findings' pages
        // (the claimed quote pages are left to grounding), not a reason to ask again.
        guard case .valid(let partial) = validator.validate(good, pages: 1...2) else {
            Issue.record("out-of-range pages made the answer invalid")
            return
        }
        #expect(partial.findings["renewal_term"]?.pages == [])
        #expect(partial.findings["governing_law"]?.pages == [2])
        #expect(partial.findings["renewal_term"]?.quotes.first?.page == 3)
        // A real problem names its path, never the value.
        var bad = good
        if case .object(var root) = bad, case .object(var findings)? = root["findings"],
            case .object(var law)? = findings["governing_law"]
        {
            law["confidence"] = 7
            findings["governing_law"] = .object(law)
            root["findings"] = .object(findings)
            bad = .object(root)
        }
        guard case .invalid(let problems) = validator.validate(bad, pages: 1...4) else {
            Issue.record("a confidence of 7 was accepted")
            return
        }
        #expect(problems.contains { $0.contains("/findings/governing_law") })
        #expect(!problems.joined().contains("New York"))
    }

    @Test("dates must exist, durations and currencies must be ISO")
    func values() {
        #expect(AnswerValidator.isRealDate("2024-02-29"))
        #expect(!AnswerValidator.isRealDate("2023-02-29"))
        #expect(!AnswerValidator.isRealDate("2023-13-01"))
        #expect(!AnswerValidator.isRealDate("2023-1-01"))
        #expect(AnswerValidator.isDuration("P1Y"))
        #expect(AnswerValidator.isDuration("P2Y6M"))
        #expect(AnswerValidator.isDuration("PT36H"))
        #expect(!AnswerValidator.isDuration("P"))
        #expect(!AnswerValidator.isDuration("1 year"))
        #expect(AnswerValidator.isCurrency("EUR"))
        #expect(!AnswerValidator.isCurrency("eur"))
    }

    @Test("merge: present with verified quotes wins, quotes deduplicated, facts reconciled")
    func merge() {
        let category = FindingCategory.byKey["cap_on_liability"]!
        func finding(_ presence: Presence, quotes: [VerifiedQuote], confidence: Double) -> Finding {
            Finding(
                category: category.key, presence: presence, value: nil, normalized: NormalizedValue(),
                pages: quotes.filter(\.verified).compactMap(\.page), quotes: quotes, confidence: confidence, risk: .medium, riskRationale: nil)
        }
        let quote = VerifiedQuote(text: "liability shall not exceed the fees paid", page: 5, match: .exact)
        let chunks = [
            FindingsMerger.ChunkFindings(
                pages: 1...4, document: .init(title: "MSA", parties: [Party(name: "Acme Corp", role: nil)]),
                findings: [finding(.absent, quotes: [], confidence: 0.9)]),
            FindingsMerger.ChunkFindings(
                pages: 5...8, document: .init(title: "Master Services Agreement", parties: [Party(name: "ACME Corp", role: "Customer")]),
                findings: [finding(.present, quotes: [quote], confidence: 0.6)]),
            FindingsMerger.ChunkFindings(
                pages: 9...9, document: .init(),
                findings: [finding(.present, quotes: [VerifiedQuote(text: "Liability shall not exceed the fees  paid", page: 5, match: .normalized),
                                                      VerifiedQuote(text: "invented", page: 9, match: .notFound)], confidence: 0.9)]),
        ]
        let merged = FindingsMerger.merge(chunks, categories: [category])
        let cap = merged.findings[0]
        #expect(cap.presence == .present)
        #expect(cap.quotes.count == 2)
        #expect(cap.quotes.map(\.verified) == [true, false])
        #expect(cap.pages == [5])
        #expect(merged.facts.title == "MSA")
        #expect(merged.facts.conflicts == ["title"])
        #expect(merged.facts.parties == [Party(name: "Acme Corp", role: "Customer")])
    }
}
