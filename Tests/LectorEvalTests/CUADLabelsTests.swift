import Foundation
import LectorAnalysis
import LectorEval
import LectorTestSupport
import Testing

@Suite("CUAD labels")
struct CUADLabelsTests {
    static var labelsFile: URL { RepoPaths.corpus.appendingPathComponent("contracts/cuad_labels.csv") }

    /// CUAD's 41 category names, as in its master_clauses.csv.
    static let cuadNames = [
        "Document Name", "Parties", "Agreement Date", "Effective Date", "Expiration Date", "Renewal Term",
        "Notice Period To Terminate Renewal", "Governing Law", "Most Favored Nation", "Competitive Restriction Exception",
        "Non-Compete", "Exclusivity", "No-Solicit Of Customers", "No-Solicit Of Employees", "Non-Disparagement",
        "Termination For Convenience", "Rofr/Rofo/Rofn", "Change Of Control", "Anti-Assignment", "Revenue/Profit Sharing",
        "Price Restrictions", "Minimum Commitment", "Volume Restriction", "Ip Ownership Assignment", "Joint Ip Ownership",
        "License Grant", "Non-Transferable License", "Affiliate License-Licensor", "Affiliate License-Licensee",
        "Unlimited/All-You-Can-Eat-License", "Irrevocable Or Perpetual License", "Source Code Escrow",
        "Post-Termination Services", "Audit Rights", "Uncapped Liability", "Cap On Liability", "Liquidated Damages",
        "Warranty Duration", "Insurance", "Covenant Not To Sue", "Third Party Beneficiary",
    ]

    @Test("every CUAD category maps to exactly one Lector category", arguments: cuadNames)
    func mapping(name: String) {
        #expect(FindingCategory.forCUAD(name).count == 1)
    }

    @Test func theMappingIsOneToOne() {
        let mapped = FindingCategory.cuadCategories
        #expect(mapped.count == 41)
        #expect(Set(mapped.compactMap(\.cuadName)) == Set(Self.cuadNames))
        #expect(Set(mapped.map(\.key)).count == 41)
    }

    @Test func theSharedLabelsFileUsesExactlyCUADsCategories() throws {
        let labels = try CUADLabels.load(from: Self.labelsFile)
        #expect(labels.categoryNames == Self.cuadNames)
        #expect(labels.contracts.count == 26)
        for contract in labels.contracts {
            #expect(contract.labels.count == 41)
            #expect(FileManager.default.fileExists(atPath: RepoPaths.corpus.appendingPathComponent("contracts/\(contract.file)").path))
        }
        let stamps = try #require(labels.contracts.first { $0.file.hasPrefix("cuad__STAMPSCOMINC") })
        #expect(stamps.labels["parties"]?.answer == "Intuit Inc. (\"Intuit\"); Stamps.com Inc. (\"Client\")")
        #expect(stamps.labels["governing_law"]?.answer == "California")
        #expect(stamps.labels["governing_law"]?.spans.count == 1)
        #expect(stamps.labels["most_favored_nation"]?.spans == [])
    }

    @Test(
        "RFC 4180 records",
        arguments: [
            ("a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
            ("a,b\r\n1,2", [["a", "b"], ["1", "2"]]),
            ("\"x, y\",\"say \"\"hi\"\"\"\n", [["x, y", "say \"hi\""]]),
            ("\"two\nlines\",z\n", [["two\nlines", "z"]]),
            ("a,,\n", [["a", "", ""]]),
            ("\"\",b", [["", "b"]]),
        ])
    func csv(text: String, records: [[String]]) throws {
        #expect(try CSVReader.records(text) == records)
    }

    @Test(arguments: ["a\"b,c\n", "\"open", "\"x\"y,z"])
    func malformedCSV(text: String) {
        #expect(throws: CSVReader.Malformed.self) { try CSVReader.records(text) }
    }

    @Test(
        "Python string lists",
        arguments: [
            ("[]", []), ("", []), ("['a']", ["a"]), ("['a', 'b, c']", ["a", "b, c"]),
            (#"["it's", 'x']"#, ["it's", "x"]), (#"['it\'s']"#, ["it's"]), (#"['a\\b', 'c\nd']"#, ["a\\b", "c\nd"]),
            (#"['caf\xe9', '\u2019']"#, ["café", "\u{2019}"]),
        ] as [(String, [String])])
    func pythonLists(text: String, strings: [String]) throws {
        #expect(try PythonStringList.parse(text) == strings)
    }

    @Test(arguments: ["['a'", "[a]", "['a'] x", "['a"])
    func malformedPythonLists(text: String) {
        #expect(throws: PythonStringList.Malformed.self) { try PythonStringList.parse(text) }
    }

    @Test func aColumnLectorDoesNotMapIsRefused() throws {
        let text = "corpus_file,Filename,Parties,Parties-Answer,Made Up,Made Up-Answer\nx.pdf,x,['A'],A,[],\n"
        #expect(throws: EvalError.self) { try CUADLabels.parse(text) }
        let good = "corpus_file,Filename,Parties,Parties-Answer\nx.pdf,x,['A'],A\n"
        #expect(try CUADLabels.parse(good).contracts.first?.labels["parties"]?.spans == ["A"])
    }
}
