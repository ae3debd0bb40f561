import Foundation
import LectorAnalysis
import LectorBatch
import LectorEngine
import LectorQueue
import LectorTestSupport
import Testing

@Suite("Batch definitions")
struct DefinitionTests {
    static let jobs = RepoPaths.root.appendingPathComponent("jobs")

    static var profileNames: Set<String> {
        get throws { Set(try AnalysisProfile.loadAll(from: jobs.appendingPathComponent("profiles")).keys) }
    }

    @Test func theExamplesInJobsValidate() throws {
        let catalog = try BatchCatalog(directory: Self.jobs, profiles: try Self.profileNames)
        #expect(Set(catalog.definitions.map(\.name)).isSuperset(of: ["nightly-inbox", "weekly-reanalysis", "renewal-watch"]))
        for definition in catalog.definitions {
            #expect(definition.schedule != nil, "\(definition.name) has no schedule")
        }
        let inbox = try catalog.definition(named: "nightly-inbox")
        #expect(inbox.source == .directory(path: "/srv/lector/inbox", glob: "**/*.pdf"))
        #expect(inbox.schedule?.timeZone.identifier == "Europe/Paris")
        #expect(inbox.limits.maxDocuments == 5000)
        #expect(try catalog.definition(named: "renewal-watch").report.horizonDays == 90)
        #expect(try catalog.cronJobs().count == catalog.definitions.count)
    }

    @Test func aFullDefinitionParses() throws {
        let text = """
            name: inbox-eu
            schedule: "15 1 * * mon-fri"
            timezone: Europe/Paris
            tenant: acme
            profile: fast-text
            priority: 3
            queue: nightly
            source:
              directory: inbox
              glob: "contracts/**/*.pdf"
            limits:
              max_documents: 10
              max_estimated_tokens: 100000
              max_estimated_cost_usd: 0.5
            report:
              horizon_days: 30
            price:
              input_per_million: 1
              output_per_million: 2
            """
        let definition = try BatchDefinition.parse(text, file: "/etc/lector/jobs/inbox-eu.yaml", profiles: ["fast-text"])
        #expect(definition.name == "inbox-eu")
        #expect(definition.tenant == "acme" && definition.priority == 3 && definition.queue == "nightly")
        #expect(definition.source == .directory(path: "/etc/lector/jobs/inbox", glob: "contracts/**/*.pdf"))
        #expect(definition.limits == BatchLimits(maxDocuments: 10, maxEstimatedTokens: 100_000, maxEstimatedCostUSD: 0.5))
        #expect(definition.report.horizonDays == 30)
        #expect(definition.price == TokenPrice(inputPerMillion: 1, outputPerMillion: 2))
        // The name defaults to the file's.
        let unnamed = try BatchDefinition.parse("profile: x\nsource:\n  files: [a.pdf]\n", file: "jobs/adhoc.yaml")
        #expect(unnamed.name == "adhoc" && unnamed.schedule == nil)
        #expect(unnamed.source == .files(["jobs/a.pdf"]))
    }

    /// Each bad definition is refused with its line and a reason that says what to fix.
    @Test(arguments: [
        ("profile: x\nsource:\n  files: [a.pdf]\ncolour: red\n", 4, "unknown key 'colour'"),
        ("profile: x\nschedule: \"61 2 * * *\"\nsource:\n  files: [a.pdf]\n", 2, "minute"),
        ("profile: x\nschedule: \"0 2 * * *\"\ntimezone: Mars/Olympus\nsource:\n  files: [a.pdf]\n", 3, "unknown time zone"),
        ("profile: x\nsource:\n  directory: /in\n  query: SELECT 1\n", 3, "exactly one of directory, query or files"),
        ("profile: x\nsource:\n  query: DELETE FROM lector.documents\n", 3, "must be a SELECT"),
        ("profile: x\nsource:\n  query: SELECT 1; DROP TABLE lector.documents\n", 3, "one statement"),
        ("profile: nope\nsource:\n  files: [a.pdf]\n", 1, "unknown profile 'nope'"),
        ("source:\n  files: [a.pdf]\n", 1, "profile: missing"),
        ("profile: x\nsource:\n  files: [a.pdf]\nlimits:\n  max_documents: -1\n", 5, "out of range"),
        ("profile: x\nsource:\n  files: [a.pdf]\nlimits:\n  max_documents: many\n", 5, "whole number"),
        ("name: Nightly Inbox\nprofile: x\nsource:\n  files: [a.pdf]\n", 1, "lower-case"),
        ("profile: x\nsource:\n  files: [a.pdf\n", 4, "not valid YAML"),
        ("profile: x\nprofile: y\nsource:\n  files: [a.pdf]\n", 2, "given twice"),
    ])
    func badDefinitionsNameTheLine(text: String, line: Int, reason: String) {
        do {
            _ = try BatchDefinition.parse(text, file: "jobs/bad.yaml", profiles: ["x", "y"])
            Issue.record("accepted: \(text)")
        } catch let error as BatchError {
            #expect(error.code == "batch.invalid_definition")
            #expect(error.file == "jobs/bad.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.description.contains(reason), "\(error)")
            #expect(error.description.hasPrefix("jobs/bad.yaml:\(line): "))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func globsMatchAcrossFoldersAndIgnoreCase() {
        let any = GlobPattern("**/*.pdf")
        #expect(any.matches("a.pdf") && any.matches("x/y/b.PDF"))
        #expect(!any.matches("a.txt") && !any.matches("x/.hidden.pdf"))
        let contracts = GlobPattern("contracts/**/*.pdf")
        #expect(contracts.matches("contracts/a.pdf") && contracts.matches("contracts/2026/q1/a.pdf"))
        #expect(!contracts.matches("other/a.pdf"))
        #expect(GlobPattern("*.pdf").matches("a.pdf") && !GlobPattern("*.pdf").matches("x/a.pdf"))
    }
}
