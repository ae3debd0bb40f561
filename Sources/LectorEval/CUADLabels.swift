import Foundation
import LectorAnalysis

/// The CUAD labels of a set of contracts, read from a `master_clauses.csv`-shaped file whose first
/// column, `corpus_file`, names each contract's PDF.
public struct CUADLabels: Sendable {
    /// The contracts, in file order.
    public var contracts: [CUADContract]
    /// The CUAD category columns of the file (41 in CUAD v1).
    public var categoryNames: [String]

    /// Labels already read.
    public init(contracts: [CUADContract], categoryNames: [String]) {
        self.contracts = contracts
        self.categoryNames = categoryNames
    }

    /// Reads and parses `url`.
    ///
    /// - Throws: ``EvalError`` (`eval.labels`) when the file cannot be read, is not CSV, lacks
    ///   `corpus_file`, or a category column has no Lector category.
    public static func load(from url: URL) throws(EvalError) -> CUADLabels {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw EvalError(.labels, "\(url.path): cannot be read")
        }
        return try parse(text, source: url.lastPathComponent)
    }

    /// Parses the text of a labels file; `source` names it in errors.
    public static func parse(_ text: String, source: String = "labels") throws(EvalError) -> CUADLabels {
        let records: [[String]]
        do {
            records = try CSVReader.records(text)
        } catch {
            throw EvalError(.labels, "\(source): not CSV (record \(error.record): \(error.reason))")
        }
        guard let header = records.first, let fileColumn = header.firstIndex(of: "corpus_file") else {
            throw EvalError(.labels, "\(source): no corpus_file column (expected CUAD's master_clauses.csv with corpus_file first)")
        }
        // A category column is one whose neighbour is its `-Answer` column (CUAD spells one of them
        // `Notice Period To Terminate Renewal- Answer`).
        var columns: [(name: String, spans: Int, answer: Int?)] = []
        for (index, name) in header.enumerated() {
            let isAnswer = name.replacingOccurrences(of: " ", with: "").hasSuffix("-Answer")
            guard !isAnswer, index != fileColumn, name != "Filename" else { continue }
            let answer = header.firstIndex { $0.replacingOccurrences(of: " ", with: "") == name.replacingOccurrences(of: " ", with: "") + "-Answer" }
            columns.append((name, index, answer))
        }
        var keys: [String] = []
        for column in columns {
            let mapped = FindingCategory.forCUAD(column.name)
            guard mapped.count == 1, let category = mapped.first else {
                throw EvalError(.labels, "\(source): column '\(column.name)' is not a CUAD category Lector maps")
            }
            keys.append(category.key)
        }
        var contracts: [CUADContract] = []
        for (number, record) in records.dropFirst().enumerated() {
            guard record.count == header.count else {
                if record.allSatisfy(\.isEmpty) { continue }
                throw EvalError(.labels, "\(source): row \(number + 2) has \(record.count) fields, the header \(header.count)")
            }
            var labels: [String: CUADContract.Label] = [:]
            for (column, key) in zip(columns, keys) {
                let spans: [String]
                do {
                    spans = try PythonStringList.parse(record[column.spans])
                } catch {
                    throw EvalError(.labels, "\(source): row \(number + 2), column '\(column.name)': \(error.reason)")
                }
                let answer = column.answer.map { record[$0].trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
                labels[key] = CUADContract.Label(spans: spans, answer: answer)
            }
            contracts.append(CUADContract(file: record[fileColumn], labels: labels))
        }
        return CUADLabels(contracts: contracts, categoryNames: columns.map(\.name))
    }
}
