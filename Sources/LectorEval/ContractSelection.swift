import Foundation

/// Which labelled contracts a run scores: those whose PDF is in the folder, narrowed to a split (a file
/// of contract names) and then to a seeded random sample.
///
/// Contracts are ordered by file name first, so that the same labels, folder, split and seed always give
/// the same contracts, whatever order the labels or the folder list them in.
public struct ContractSelection: Sendable, Hashable {
    /// A file of contract names (`corpus_file` values), one per line; blank lines and lines starting with
    /// `#` are ignored.
    public var split: URL?
    /// Take this many at random (nil: all).
    public var sample: Int?
    /// The sample's seed.
    public var seed: UInt64

    /// A selection: every contract by default.
    public init(split: URL? = nil, sample: Int? = nil, seed: UInt64 = 0) {
        self.split = split
        self.sample = sample
        self.seed = seed
    }

    /// What was chosen, as the run records it.
    public struct Record: Sendable, Hashable, Codable {
        /// The split file's name, and how many contracts it names.
        public var split: String?
        public var splitContracts: Int?
        /// The sample size asked for and its seed (nil: no sample).
        public var sample: Int?
        public var seed: UInt64?
        /// Labelled contracts with a PDF (within the split) the choice was made from, and those chosen.
        public var available: Int
        public var chosen: Int

        public init(
            split: String? = nil, splitContracts: Int? = nil, sample: Int? = nil, seed: UInt64? = nil, available: Int,
            chosen: Int
        ) {
            self.split = split
            self.splitContracts = splitContracts
            self.sample = sample
            self.seed = seed
            self.available = available
            self.chosen = chosen
        }

        /// One line for people: `a random sample of 20 of 510 contracts (seed 7)`.
        public var summary: String {
            let of = available == 1 ? "1 contract" : "\(available) contracts"
            var text =
                sample != nil
                ? "a random sample of \(chosen) of \(of) (seed \(seed ?? 0))"
                : chosen == 1 ? "the 1 contract" : "all \(chosen) contracts"
            if let split { text += " in the split \(split)" }
            return text
        }

        enum CodingKeys: String, CodingKey {
            case split, sample, seed, available, chosen
            case splitContracts = "split_contracts"
        }
    }

    /// The contracts of `labels` this selection takes from `pdfFolder`, in file name order.
    ///
    /// - Throws: ``EvalError``: the folder or split cannot be read, the split names contracts that are
    ///   not labelled or have no PDF, the sample size is not positive, nothing is left.
    public func choose(from labels: CUADLabels, pdfFolder: URL) throws(EvalError) -> (contracts: [CUADContract], record: Record) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: pdfFolder.path)
        } catch {
            throw EvalError(.pdfs, "\(pdfFolder.path): cannot list the folder")
        }
        let present = Set(names)
        var byFile: [String: CUADContract] = [:]
        for contract in labels.contracts where byFile[contract.file] == nil { byFile[contract.file] = contract }
        var candidates = byFile.values.filter { present.contains($0.file) }.sorted { $0.file < $1.file }

        var record = Record(available: candidates.count, chosen: 0)
        if let split {
            let wanted = try Self.readSplit(split)
            let unknown = wanted.filter { byFile[$0] == nil }
            guard unknown.isEmpty else {
                throw EvalError(
                    .split, "\(split.lastPathComponent): \(unknown.count) names are not labelled contracts: \(Self.list(unknown))")
            }
            let missing = wanted.filter { !present.contains($0) }
            guard missing.isEmpty else {
                throw EvalError(
                    .split, "\(split.lastPathComponent): \(missing.count) contracts have no PDF in \(pdfFolder.path): \(Self.list(missing))")
            }
            let names = Set(wanted)
            candidates = candidates.filter { names.contains($0.file) }
            record.split = split.lastPathComponent
            record.splitContracts = names.count
            record.available = candidates.count
        }
        if let sample {
            guard sample > 0 else { throw EvalError(.selection, "--sample must be at least 1 (got \(sample))") }
            var generator = SeededGenerator(seed: seed)
            candidates = generator.sample(candidates, count: sample).sorted { $0.file < $1.file }
            record.sample = sample
            record.seed = seed
        }
        guard !candidates.isEmpty else {
            throw EvalError(
                .noContracts,
                "none of the \(labels.contracts.count) labelled contracts has its PDF in \(pdfFolder.path)")
        }
        record.chosen = candidates.count
        return (candidates, record)
    }

    /// The names of a split file.
    static func readSplit(_ url: URL) throws(EvalError) -> [String] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw EvalError(.split, "\(url.path): cannot be read")
        }
        var names: [String] = []
        var seen = Set<String>()
        for line in text.split(whereSeparator: \.isNewline) {
            let name = line.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !name.hasPrefix("#"), seen.insert(name).inserted else { continue }
            names.append(name)
        }
        guard !names.isEmpty else { throw EvalError(.split, "\(url.path): names no contract") }
        return names
    }

    static func list(_ names: [String]) -> String {
        names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", ..." : "")
    }
}
