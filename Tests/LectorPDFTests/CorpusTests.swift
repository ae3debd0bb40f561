import Foundation
import LectorPDF
import Testing

/// One row of the shared corpus's MANIFEST.tsv.
struct CorpusFile: CustomTestStringConvertible, Sendable {
    let path: String
    /// Pages as pdfinfo counted them; nil when Poppler could not open the file.
    let pages: Int?
    let encrypted: Bool
    let password: String
    let notes: String

    var testDescription: String { path }

    static let manifest: [CorpusFile] = {
        let url = TestEnvironment.corpus.appendingPathComponent("MANIFEST.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        // CRLF line ends: "\r\n" is one Character, so split on any newline.
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        let (path, pages, encrypted, password, notes) =
            (column("path"), column("pages"), column("encrypted"), column("password"), column("notes"))
        return lines.map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return CorpusFile(
                path: fields[path], pages: Int(fields[pages]), encrypted: fields[encrypted].hasPrefix("yes"),
                password: fields[password], notes: fields[notes])
        }
    }()

    static let trickyAndHostile = manifest.filter { $0.path.hasPrefix("tricky/") || $0.path.hasPrefix("hostile/") }
    static let contracts = manifest.filter { $0.path.hasPrefix("contracts/") }

    var bytes: [UInt8] {
        get throws { Array(try Data(contentsOf: TestEnvironment.corpus.appendingPathComponent(path))) }
    }
}

/// Every file of the shared corpus's tricky/ and hostile/ folders ends, within its limits, with pages or
/// with a typed error and a reason; encrypted ones open with the manifest's password and fail clearly
/// without it.
@Suite struct CorpusWalkTests {
    /// Its own extractor with a shorter wall clock: the files that hang should not hold the run for
    /// long; at most one child per core runs at a time.
    static let extractor = try? TestEnvironment.extractor(wallClockSeconds: 45)

    @Test func manifestIsThere() {
        #expect(CorpusFile.trickyAndHostile.count > 200, "the shared corpus is expected at ../shared/corpus")
    }

    @Test(arguments: CorpusFile.trickyAndHostile)
    func endsWithPagesOrATypedError(file: CorpusFile) async throws {
        let extractor = try #require(Self.extractor)
        var options = ExtractionOptions()
        // Render what needs vision: pixel bombs and slow images only show up when rendering.
        options.renderImages = true
        options.maxSide = 768
        let password = file.password.isEmpty ? nil : file.password
        do {
            let document = try await extractor.extract(try file.bytes, password: password, options: options)
            #expect(document.info.pageCount > 0)
            #expect(document.pages.map(\.number) == Array(1...document.info.pageCount))
            if let pages = file.pages { #expect(document.info.pageCount == pages) }
            for page in document.pages where page.needsVision && page.width > 0 && page.height > 0 {
                let image = try #require(page.image, "page \(page.number) needs vision but has no image")
                #expect(max(image.width, image.height) <= 768)
            }
            print("corpus \(file.path): \(document.info.pageCount) pages")
        } catch let error as PDFError {
            #expect(!error.reason.isEmpty)
            // The isolation itself never fails on a bad file; only Poppler's verdict may.
            #expect(error.kind != .isolationFailed, "\(error.code): \(error.reason)")
            // A file Poppler's own tools open must not fail to open here.
            if file.pages != nil {
                #expect(![.notPDF, .passwordRequired, .wrongPassword].contains(error.kind), "\(error.code): \(error.reason)")
            }
            print("corpus \(file.path): \(error.code): \(error.reason)")
        }
    }

    @Test(arguments: CorpusFile.trickyAndHostile.filter { $0.encrypted && !$0.password.isEmpty && $0.pages != nil })
    func encryptedFileNeedsItsPassword(file: CorpusFile) async throws {
        let extractor = try #require(Self.extractor)
        let opened = try await extractor.extract(try file.bytes, password: file.password)
        #expect(opened.info.pageCount == file.pages)
        #expect(opened.info.encrypted)
        do {
            _ = try await extractor.extract(try file.bytes)
            Issue.record("opened without its password")
        } catch let error as PDFError {
            #expect(error.kind == .passwordRequired, "\(error.code): \(error.reason)")
        }
        do {
            _ = try await extractor.extract(try file.bytes, password: file.password + "x")
            Issue.record("opened with a wrong password")
        } catch let error as PDFError {
            #expect(error.kind == .wrongPassword, "\(error.code): \(error.reason)")
        }
    }
}

/// The /OutputIntents bypass changes speed, never text.
@Suite struct OutputIntentsBypassTests {
    @Test(arguments: CorpusFile.contracts.filter { $0.path.hasSuffix(".pdf") || $0.path.hasSuffix(".PDF") })
    func textIsIdenticalWithAndWithoutTheBypass(file: CorpusFile) async throws {
        let extractor = try #require(TestEnvironment.shared)
        var options = ExtractionOptions()
        options.words = true
        let bypassed = try await extractor.extract(try file.bytes, options: options)
        options.bypassOutputIntents = false
        let untouched = try await extractor.extract(try file.bytes, options: options)
        #expect(!untouched.info.outputIntentsBypassed)
        if bypassed.info.declaresOutputIntents {
            #expect(bypassed.info.outputIntentsBypassed, "a catalog with output intents was left untouched")
        }
        #expect(bypassed.pages.count == untouched.pages.count)
        for (a, b) in zip(bypassed.pages, untouched.pages) {
            #expect(a.text == b.text, "page \(a.number) text differs")
            #expect(a.words == b.words, "page \(a.number) words differ")
        }
    }

    @Test func renamesOnlyTheCatalogKey() {
        let catalog = Array("1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OutputIntents [3 0 R] >>\nendobj\n".utf8)
        let outcome = OutputIntentsBypass.apply(to: Array("%PDF-1.4\n".utf8) + catalog)
        #expect(outcome.declaresOutputIntents)
        let patched = try? #require(outcome.patched)
        #expect(patched.map { String(decoding: $0, as: UTF8.self).contains("/LectorSkipped [3 0 R]") } == true)
        #expect(patched?.count == catalog.count + 9)
        // The same key outside a catalog (here a page) is a doubt: the bytes stay untouched.
        let page = Array("%PDF-1.4\n4 0 obj\n<< /Type /Page /OutputIntents [3 0 R] >>\nendobj\n".utf8)
        let untouched = OutputIntentsBypass.apply(to: page)
        #expect(untouched.declaresOutputIntents)
        #expect(untouched.patched == nil)
    }
}

/// Word-level F1 of the extracted text against CUAD's own text of each contract.
@Suite struct ExtractionQualityTests {
    static func words(_ text: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        var current = ""
        for character in text.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                counts[current, default: 0] += 1
                current = ""
            }
        }
        if !current.isEmpty { counts[current, default: 0] += 1 }
        return counts
    }

    static func f1(_ extracted: String, _ truth: String) -> Double {
        let a = words(extracted)
        let b = words(truth)
        let common = a.reduce(0) { $0 + min($1.value, b[$1.key] ?? 0) }
        guard common > 0 else { return 0 }
        let precision = Double(common) / Double(a.values.reduce(0, +))
        let recall = Double(common) / Double(b.values.reduce(0, +))
        return 2 * precision * recall / (precision + recall)
    }

    static let withGroundTruth = CorpusFile.contracts.filter {
        FileManager.default.fileExists(atPath: truthURL($0).path)
    }

    static func truthURL(_ file: CorpusFile) -> URL {
        let name = URL(fileURLWithPath: file.path).lastPathComponent
        return TestEnvironment.corpus.appendingPathComponent("contracts/ground_truth_txt/\(name).txt")
    }

    @Test(arguments: withGroundTruth)
    func wordF1AgainstCUAD(file: CorpusFile) async throws {
        let extractor = try #require(TestEnvironment.shared)
        var options = ExtractionOptions()
        options.vision = .none
        let document = try await extractor.extract(try file.bytes, options: options)
        let truth = try String(decoding: Data(contentsOf: Self.truthURL(file)), as: UTF8.self)
        let score = Self.f1(document.pages.map(\.text).joined(separator: "\n"), truth)
        print(String(format: "word-F1 %.4f %@", score, file.path))
        #expect(score >= 0.97, "word-level F1 \(score) below 0.97")
    }

    @Test func f1OfKnownTexts() {
        #expect(Self.f1("the cat sat", "the cat sat") == 1)
        #expect(Self.f1("", "the cat") == 0)
        #expect(abs(Self.f1("the cat", "the cat sat on") - 2 * 1.0 * 0.5 / 1.5) < 1e-9)
    }
}
