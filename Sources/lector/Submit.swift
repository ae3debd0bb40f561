import ArgumentParser
import Foundation
import LectorAnalysis
import LectorQueue
import LectorService

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit PDFs for analysis.",
        discussion: """
            PATH is a file, a folder (every *.pdf below it, any case) or - for standard input. Each document \
            is stored once per tenant (by SHA-256); resubmitting it returns the existing document and job. \
            Files that are not PDFs or cannot be read are reported and skipped; the others go on. \
            Exit status 1 when any file was skipped.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var profileOptions: ProfileOptions

    @Argument(help: "Files, folders, or - for standard input.")
    var paths: [String]

    @Option(help: "Analysis profile (see jobs/profiles).") var profile = AnalysisProfile.defaultName
    @Option(help: "Priority; higher runs first.") var priority = 0
    @Option(help: "Tenant the documents belong to.") var tenant = "default"
    @Option(name: .customLong("label"), help: ArgumentHelp("A label key=value (repeatable).", valueName: "key=value"))
    var labels: [String] = []
    @Option(help: "Password of encrypted PDFs (stored with the job; prefer decrypting first).") var password: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        for label in labels where !label.contains("=") { throw ValidationError("--label takes key=value, got '\(label)'") }
    }

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let known = try profileOptions.loadAll()
            guard known[profile] != nil else {
                throw ValidationError("unknown profile '\(profile)'; known: \(known.keys.sorted().joined(separator: ", "))")
            }
            // Before any file: a tenant the API could never serve would make every document unreachable.
            try TenancyError.validateTenant(tenant)
            let files = try SubmissionFiles.expand(paths)
            let labelMap = Dictionary(labels.map { l in
                let parts = l.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }, uniquingKeysWith: { $1 })
            var results: [[String: Any]] = []
            var skipped = 0
            try await global.withDatabase(logger: logger, maxConnections: 2) { client in
                let submitter = Submitter(database: client, queue: JobQueue(client: client, logger: logger))
                let progress = ProgressLine(total: files.count, enabled: !json)
                for (index, file) in files.enumerated() {
                    progress.update(index, file.name)
                    do {
                        let bytes = try file.read()
                        // The document keeps its file name; the folder it was submitted from is not its identity.
                        let outcome = try await submitter.submit(
                            bytes: bytes, filename: (file.name as NSString).lastPathComponent, tenant: tenant, profile: profile, priority: priority,
                            labels: labelMap, password: password)
                        results.append([
                            "file": file.name, "document_id": outcome.documentID, "sha256": outcome.sha256,
                            "job_id": outcome.jobID, "new_document": outcome.newDocument, "new_job": outcome.newJob,
                        ])
                        if !json {
                            progress.clear()
                            let what = outcome.newJob ? "queued" : "already submitted"
                            print("\(file.name)\tdocument \(outcome.documentID)\tjob \(outcome.jobID)\t\(what)")
                        }
                    } catch let error as SubmitError {
                        skipped += 1
                        results.append(["file": file.name, "error": error.code, "reason": error.description])
                        progress.clear()
                        printError("\(error.code): \(error.description)")
                    }
                }
                progress.clear()
            }
            if json {
                printJSON(results)
            } else {
                let queued = results.filter { ($0["new_job"] as? Bool) == true }.count
                print("\(files.count) file(s): \(queued) queued, \(results.count - queued - skipped) already submitted, \(skipped) skipped")
            }
            if skipped > 0 { throw ExitCode(ExitStatus.failure) }
        }
    }
}

/// One input of `lector submit`.
struct SubmissionFile {
    var name: String
    var path: String?

    func read() throws -> [UInt8] {
        guard let path else { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SubmitError(kind: .unreadable, file: name, reason: "permission denied or not a regular file")
        }
        return [UInt8](data)
    }
}

enum SubmissionFiles {
    /// Files as named, folders expanded to their PDFs (recursively, sorted), `-` as standard input.
    static func expand(_ paths: [String]) throws -> [SubmissionFile] {
        var files: [SubmissionFile] = []
        for path in paths {
            if path == "-" { files.append(SubmissionFile(name: "stdin.pdf", path: nil)); continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("\(path): no such file or folder")
            }
            if !isDirectory.boolValue { files.append(SubmissionFile(name: path, path: path)); continue }
            let enumerator = FileManager.default.enumerator(atPath: path)
            var found: [String] = []
            while let entry = enumerator?.nextObject() as? String {
                if entry.lowercased().hasSuffix(".pdf") { found.append(entry) }
            }
            for entry in found.sorted() {
                let full = (path as NSString).appendingPathComponent(entry)
                files.append(SubmissionFile(name: full, path: full))
            }
        }
        return files
    }
}

/// Files submitted so far, on a terminal line.
struct ProgressLine {
    let total: Int
    let line: TerminalLine

    init(total: Int, enabled: Bool) {
        self.total = total
        self.line = TerminalLine(enabled: enabled && total > 1)
    }

    func update(_ done: Int, _ label: String) {
        line.show("\(TerminalLine.bar(done, of: total, width: 30)) \(done)/\(total) \(label.suffix(40))")
    }

    func clear() { line.clear() }
}
