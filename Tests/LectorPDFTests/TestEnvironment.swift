import Foundation
import LectorPDF

/// Where the tests find the repository, the shared corpus and the `lector` binary they run as the child.
enum TestEnvironment {
    static let repositoryRoot: URL = {
        if let root = ProcessInfo.processInfo.environment["LECTOR_REPO_ROOT"], !root.isEmpty {
            return URL(fileURLWithPath: root)
        }
        // Tests/LectorPDFTests/TestEnvironment.swift
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    static let corpus: URL = repositoryRoot.appendingPathComponent("../shared/corpus").standardizedFileURL

    /// The `lector` built next to the test bundle (`swift build --build-tests` builds both into one
    /// directory), else `.build/debug/lector`.
    static let lectorExecutable: String? = {
        let exe = URL(fileURLWithPath: PDFExtractor.currentExecutable())
        var candidates = [exe.deletingLastPathComponent().appendingPathComponent("lector").path]
        // The bundle may be a directory (lectorPackageTests.xctest/...) one or more levels down.
        var directory = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            directory = directory.deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent("lector").path)
        }
        candidates.append(repositoryRoot.appendingPathComponent(".build/debug/lector").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// An extractor with the test limits: short enough that hanging files end quickly.
    static func extractor(
        wallClockSeconds: Double = 30, pagesPerChild: Int = 40, addressSpaceBytes: Int = 1536 << 20
    ) throws -> PDFExtractor {
        guard let lectorExecutable else { throw MissingBinary() }
        var limits = ExtractionLimits()
        limits.wallClockSeconds = wallClockSeconds
        limits.cpuSeconds = Int(wallClockSeconds)
        limits.addressSpaceBytes = addressSpaceBytes
        return PDFExtractor(executable: lectorExecutable, limits: limits, pagesPerChild: pagesPerChild)
    }

    /// One extractor shared by the corpus suites: its child slots keep the whole test run at one child
    /// per core, however many parameterised cases run at once (one extractor per case would start
    /// dozens of children on two cores and time out healthy files). The wall clock is generous for a
    /// debug build on a loaded machine; only the files that hang use it up.
    static let shared: PDFExtractor? = try? extractor(wallClockSeconds: 120)

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String { "no lector binary next to the tests or in .build/debug: run `swift build --build-tests`" }
    }
}
