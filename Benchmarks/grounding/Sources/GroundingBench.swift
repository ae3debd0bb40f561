import Foundation
import LectorAnalysis
import LectorEval
import LectorPDF
import LectorService

/// `Benchmarks/run grounding [DIR] [--labels FILE]`: how far "verified" can be trusted, and how fast.
///
/// On CUAD-labelled contracts (default: the shared corpus), every labelled span is quoted back verbatim
/// (it should verify), then with one meaning-changing edit per variant (it must not). The same quotes go
/// through the grounding Lector shipped before (``LegacyVerifier``), measured in the same run. Speed is
/// quotes per second on the longest contract and on a 2,000-page document made by joining contracts.
@main
struct GroundingBench {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var labelsPath: String?
        var lectorPath: String?
        var directory = "../shared/corpus/contracts"
        // --quick: trust figures only (no peer, no speed); --unverified FILE: the labelled spans that did
        // not verify, one per line (kind, contract, span), for finding out why.
        var quick = false
        var unverifiedPath: String?
        // --pages DIR: every contract's extracted page text, one file per page (DIR/contract/N.txt).
        var pagesPath: String?
        // --only TEXT: the contracts whose file name contains TEXT; --quote TEXT: ground TEXT in them,
        // print how it matched and where it stops, and exit.
        var only: String?
        var probes: [String] = []
        // --errata FILE: CUAD labels whose text is not the contract's (see the file), reported apart.
        var errataPath: String? = "Benchmarks/grounding/label-errata.tsv"
        while let argument = arguments.first {
            arguments.removeFirst()
            switch argument {
            case "--labels": labelsPath = arguments.isEmpty ? nil : arguments.removeFirst()
            case "--lector": lectorPath = arguments.isEmpty ? nil : arguments.removeFirst()
            case "--quick": quick = true
            case "--unverified": unverifiedPath = arguments.isEmpty ? nil : arguments.removeFirst()
            case "--pages": pagesPath = arguments.isEmpty ? nil : arguments.removeFirst()
            case "--only": only = arguments.isEmpty ? nil : arguments.removeFirst()
            case "--quote": if !arguments.isEmpty { probes.append(arguments.removeFirst()) }
            case "--errata": errataPath = arguments.isEmpty ? nil : arguments.removeFirst()
            default: directory = argument
            }
        }
        var unverifiedLines: [String] = []
        let errata = errataPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }.map(Self.errata) ?? []
        let labelsURL = URL(fileURLWithPath: labelsPath ?? directory + "/cuad_labels.csv")
        let labels = try CUADLabels.load(from: labelsURL)
        let extractor = PDFExtractor(executable: lectorPath)
        var options = ExtractionOptions()
        options.words = true

        var documents: [(name: String, pages: [AnalysisPage], spans: [String])] = []
        for contract in labels.contracts where only.map({ contract.file.contains($0) }) ?? true {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(contract.file)
            guard let data = FileManager.default.contents(atPath: url.path) else { continue }
            let extracted = try await extractor.extract([UInt8](data), options: options)
            let pages = extracted.pages.map(AnalyzeJob.analysisPage)
            let spans = contract.labels.values.flatMap(\.spans)
            documents.append((contract.file, pages, spans))
            if let pagesPath {
                let folder = URL(fileURLWithPath: pagesPath).appendingPathComponent(contract.file)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for page in pages {
                    try Data(page.text.utf8).write(to: folder.appendingPathComponent("\(page.number).txt"))
                    let words = page.words.map { "\($0.box.x1) \($0.box.y1) \($0.box.x2) \($0.box.y2) \($0.text)\n" }.joined()
                    try Data(words.utf8).write(to: folder.appendingPathComponent("\(page.number).words"))
                }
            }
        }
        guard !documents.isEmpty else {
            FileHandle.standardError.write(Data("error: no labelled contract found in \(directory)\n".utf8))
            exit(1)
        }

        if !probes.isEmpty {
            for document in documents {
                let verifier = QuoteVerifier(pages: document.pages)
                for probe in probes {
                    let result = verifier.verify(probe, page: nil)
                    print("\(document.name): \(result.match.rawValue) \(result.locations.map(\.page)) | \(stop(of: probe, in: verifier))")
                    // The second reading: the pages read row by row (nil: two columns, or no words).
                    for page in document.pages {
                        guard let rows = RowReading(page: page.number, words: page.words) else { continue }
                        if let grounded = rows.ground(probe, pageText: page.text) {
                            print("  by rows on page \(page.number): \(grounded.match.rawValue) \(grounded.locations)")
                        } else if ProcessInfo.processInfo.environment["ROWS_DEBUG"] == "\(page.number)" {
                            print("  rows of page \(page.number):\n\(rows.text)")
                        }
                    }
                }
            }
            return
        }

        // Correctness: true spans and their edited variants.
        var trueTotal = 0
        var trueEligible = 0
        var trueVerified = 0
        var trueTooShort = 0
        var legacyTrueVerified = 0
        var byKind: [String: Int] = [:]
        var mutatedTotal = 0
        var mutatedVerified = 0
        var mutatedApproximate = 0
        var mutatedExcluded = 0
        var legacyMutatedVerified = 0
        var mutatedByClass: [String: (total: Int, verified: Int, legacy: Int)] = [:]
        var unverifiedExamples: [String] = []
        var errataSpans = 0
        var errataVerified = 0
        for (index, document) in documents.enumerated() {
            FileHandle.standardError.write(Data("[\(index + 1)/\(documents.count)] \(document.name)\n".utf8))
            let verifier = QuoteVerifier(pages: document.pages)
            let legacy = LegacyVerifier(pages: document.pages)
            let rows = document.pages.compactMap { RowReading(page: $0.number, words: $0.words) }
            let texts = Dictionary(document.pages.map { ($0.number, $0.text) }, uniquingKeysWith: { first, _ in first })
            func ground(_ quote: String, page: Int?) -> VerifiedQuote {
                Self.ground(quote, page: page, verifier: verifier, rows: rows, texts: texts)
            }
            let wholeText = " " + document.pages.map { TextNormalizer.normalize($0.text) }.joined(separator: " ") + " "
            for span in document.spans {
                trueTotal += 1
                let result = ground(span, page: nil)
                if errata.contains(where: { $0.contract == document.name && span.hasPrefix($0.prefix) }) {
                    errataSpans += 1
                    if result.verified {
                        errataVerified += 1
                        FileHandle.standardError.write(Data("label listed as an erratum verifies: \(span.prefix(80))\n".utf8))
                    }
                }
                // The page a model would name: where the span is (the first page when it is not found).
                let page = result.locations.first?.page ?? 1
                byKind[result.match.rawValue, default: 0] += 1
                if result.match == .tooShort {
                    trueTooShort += 1
                } else {
                    trueEligible += 1
                    if result.verified {
                        trueVerified += 1
                    } else {
                        // Where it stops: the longest leading run of its words that still verifies.
                        let stop = unverifiedPath == nil ? "" : "\t" + Self.stop(of: span, in: verifier)
                        unverifiedLines.append(
                            "\(result.match.rawValue)\t\(document.name)\t\(span.replacingOccurrences(of: "\n", with: "\\n"))\(stop)")
                    }
                    if !result.verified, result.match != .tooShort, unverifiedExamples.count < 8 {
                        unverifiedExamples.append("\(result.match.rawValue): \(document.name.prefix(30)): \(span.prefix(100))")
                    }
                }
                if !quick, legacy.verify(span, page: page) { legacyTrueVerified += 1 }
                for (kind, variant) in Mutations.variants(of: span) {
                    // A variant the contract itself says elsewhere is rightly verified: not counted.
                    // So is one that is only a shorter piece of the span (a leading "except" dropped).
                    let normalizedVariant = TextNormalizer.normalize(variant)
                    let pieces = normalizedVariant.components(separatedBy: "<omitted>").map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }
                    if pieces.allSatisfy({ $0.isEmpty || wholeText.contains($0) })
                        || TextNormalizer.normalize(span).contains(normalizedVariant)
                    {
                        mutatedExcluded += 1
                        continue
                    }
                    mutatedTotal += 1
                    let mutated = ground(variant, page: page)
                    let old = quick ? false : legacy.verify(variant, page: page)
                    var counts = mutatedByClass[kind] ?? (0, 0, 0)
                    counts.total += 1
                    if mutated.verified {
                        mutatedVerified += 1
                        counts.verified += 1
                        FileHandle.standardError.write(Data("verified edit (\(kind)): \(variant.prefix(120))\n".utf8))
                    }
                    if mutated.match == .approximate {
                        mutatedApproximate += 1
                        FileHandle.standardError.write(Data("approximate edit (\(kind)): \(variant.prefix(160)) | page: \(mutated.documentText?.prefix(160) ?? "")\n".utf8))
                    }
                    if old {
                        legacyMutatedVerified += 1
                        counts.legacy += 1
                    }
                    mutatedByClass[kind] = counts
                }
            }
        }

        if let unverifiedPath {
            FileManager.default.createFile(atPath: unverifiedPath, contents: Data(unverifiedLines.map { $0 + "\n" }.joined().utf8))
        }
        let withoutErrata = (verified: trueVerified - errataVerified, total: trueEligible - errataSpans)
        if quick {
            print("verified \(trueVerified) of \(trueEligible) (\(withoutErrata.verified) of \(withoutErrata.total) without \(errataSpans) label errata); edited verified \(mutatedVerified), approximate \(mutatedApproximate) of \(mutatedTotal)")
            return
        }
        // Speed on the longest contract: its own spans and their variants, repeated for a second or more.
        let longest = documents.max { $0.pages.count < $1.pages.count }!
        let quotes = longest.spans + longest.spans.flatMap { Mutations.variants(of: $0).map(\.1) }
        let (newRate, _) = rate(quotes) { QuoteVerifier(pages: longest.pages) } verify: { $0.verify($1, page: 1) }
        let (oldRate, _) = rate(quotes) { LegacyVerifier(pages: longest.pages) } verify: { $0.verify($1, page: 1) }

        // Speed on a 2,000-page document made by joining the contracts, with every contract's spans.
        var joined: [AnalysisPage] = []
        while joined.count < 2_000 {
            for document in documents {
                for page in document.pages where joined.count < 2_000 {
                    joined.append(AnalysisPage(number: joined.count + 1, text: page.text, words: page.words))
                }
            }
        }
        let allQuotes = documents.flatMap(\.spans)
        let indexStart = ContinuousClock.now
        let big = QuoteVerifier(pages: joined)
        let indexSeconds = seconds(ContinuousClock.now - indexStart)
        let bigStart = ContinuousClock.now
        for quote in allQuotes { _ = big.verify(quote, page: 1) }
        let bigRate = Double(allQuotes.count) / max(seconds(ContinuousClock.now - bigStart), 1e-9)
        let legacyBig = LegacyVerifier(pages: joined)
        let legacySample = Array(allQuotes.prefix(20))
        let legacyStart = ContinuousClock.now
        for quote in legacySample { _ = legacyBig.verify(quote, page: 1) }
        let legacyBigRate = Double(legacySample.count) / max(seconds(ContinuousClock.now - legacyStart), 1e-9)

        func share(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
        func f(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }
        print("Grounding on \(documents.count) CUAD contracts, \(documents.reduce(0) { $0 + $1.pages.count }) pages")
        print("")
        print("| measure | lector | before (peer, same run) |")
        print("|---|---|---|")
        print("| labelled spans verified (of \(trueEligible) long enough) | \(trueVerified) (\(f(share(trueVerified, trueEligible)))) | \(legacyTrueVerified) of \(trueTotal) |")
        print("| the same without \(errataSpans) CUAD label errata (label-errata.tsv) | \(withoutErrata.verified) of \(withoutErrata.total) (\(f(share(withoutErrata.verified, withoutErrata.total)))) | - |")
        print("| labelled spans too short (< 3 words or 15 letters) | \(trueTooShort) | - |")
        print("| edited spans verified (of \(mutatedTotal)) | \(mutatedVerified) | \(legacyMutatedVerified) |")
        print("| edited spans approximate | \(mutatedApproximate) | - |")
        print("| quotes/s, longest contract (\(longest.pages.count) pages, \(quotes.count) quotes) | \(f(newRate, 0)) | \(f(oldRate, 0)) |")
        print("| quotes/s, 2,000-page document (\(allQuotes.count) quotes; index \(f(indexSeconds, 2)) s) | \(f(bigRate, 0)) | \(f(legacyBigRate, 1)) |")
        print("")
        print("edited spans by edit (lector verified / before verified / total):")
        for (kind, counts) in mutatedByClass.sorted(by: { $0.key < $1.key }) {
            print("  \(kind): \(counts.verified) / \(counts.legacy) / \(counts.total)")
        }
        print("labelled spans by match: " + byKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("edited variants the contract says elsewhere (not counted): \(mutatedExcluded)")
        for example in unverifiedExamples { print("  unverified: \(example)") }
        let result: [String: Any] = [
            "true_span_verified_share": share(trueVerified, trueEligible),
            "true_spans": trueEligible, "true_spans_too_short": trueTooShort,
            "true_span_verified_share_without_errata": share(withoutErrata.verified, withoutErrata.total),
            "label_errata": errataSpans,
            "true_span_verified_share_before": share(legacyTrueVerified, trueTotal),
            "mutated_verified": mutatedVerified, "mutated_total": mutatedTotal, "mutated_approximate": mutatedApproximate,
            "mutated_verified_before": legacyMutatedVerified,
            "quotes_per_s_longest": newRate.rounded(), "quotes_per_s_longest_before": oldRate.rounded(),
            "quotes_per_s_2000_pages": bigRate.rounded(), "quotes_per_s_2000_pages_before": (legacyBigRate * 10).rounded() / 10,
            "index_seconds_2000_pages": (indexSeconds * 1000).rounded() / 1000,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print("RESULT " + String(decoding: json, as: UTF8.self))
    }

    /// A quote grounded as the pipeline grounds it: in the page text, then, when it does not verify there,
    /// against the page read row by row (``RowReading``). The pipeline reads only the page the model named
    /// again; here every page is tried (the page a model would name is where the span is), which can only
    /// verify more, edits included.
    static func ground(
        _ quote: String, page: Int?, verifier: QuoteVerifier, rows: [RowReading], texts: [Int: String]
    ) -> VerifiedQuote {
        let result = verifier.verify(quote, page: page)
        guard result.readsAgainByRows else { return result }
        for reading in rows {
            if let grounded = reading.ground(quote, pageText: texts[reading.page] ?? "") { return grounded }
        }
        return result
    }

    /// The errata file's entries: contract, the label's first characters (comments and blank lines aside).
    static func errata(_ text: String) -> [(contract: String, prefix: String)] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2, !fields[1].isEmpty else { return nil }
            return (String(fields[0]), String(fields[1]))
        }
    }

    /// "verifies up to word N of M: …last words | next words…" for a span that does not verify.
    static func stop(of span: String, in verifier: QuoteVerifier) -> String {
        let words = span.split(whereSeparator: \.isWhitespace)
        var low = 0
        var high = words.count
        while low < high {
            let middle = (low + high + 1) / 2
            if verifier.verify(words.prefix(middle).joined(separator: " "), page: nil).verified { low = middle } else { high = middle - 1 }
        }
        let before = words[..<low].suffix(8).joined(separator: " ")
        let after = words[low...].prefix(12).joined(separator: " ")
        return "verifies up to word \(low) of \(words.count): \(before) | \(after)"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Quotes per second: the verifier built once, then the quotes verified in rounds for at least a second.
    static func rate<V>(_ quotes: [String], make: () -> V, verify: (V, String) -> Any) -> (Double, Int) {
        let verifier = make()
        var done = 0
        let start = ContinuousClock.now
        repeat {
            for quote in quotes { _ = verify(verifier, quote) }
            done += quotes.count
        } while seconds(ContinuousClock.now - start) < 1 && !quotes.isEmpty
        return (Double(done) / max(seconds(ContinuousClock.now - start), 1e-9), done)
    }
}
