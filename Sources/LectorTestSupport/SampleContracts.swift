import Foundation

/// The project's own sample contracts, made by `deploy/local/samples/make_samples.py` (the demo's too):
/// a mutual NDA, a service agreement and a lease with a scanned signature page.
public enum SampleContracts {
    /// The NDA's file name in the folder.
    public static let nda = "mutual-nda-northwind-harbor.pdf"

    /// A new folder holding the samples; the caller removes it when done.
    ///
    /// The script runs on a thread of its own (``ChildProcess/run(_:_:environment:)``): a test that
    /// waited for it on the cooperative pool would stall every other test running meanwhile.
    public static func makeFolder(prefix: String = "lector-samples") async throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        let script = RepoPaths.root.appendingPathComponent("deploy/local/samples/make_samples.py").path
        let result = try await ChildProcess.run("/usr/bin/env", ["python3", script, folder.path])
        guard result.status == 0 else { throw ChildProcessError(message: "make_samples.py failed: \(result.standardError)") }
        return folder
    }

    /// The bytes of one sample.
    public static func bytes(_ name: String) async throws -> [UInt8] {
        let folder = try await makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        return [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
