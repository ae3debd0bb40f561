import ArgumentParser

/// The `lector` command: parses the command line and wires services, nothing more.
@main
struct Lector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lector",
        abstract: "Sovereign contract analysis: PDFs in, quote-backed findings in PostgreSQL out.",
        discussion: """
            Configuration comes from flags or the environment:
              LECTOR_DATABASE_URL   libpq URI or conninfo (else libpq's PG* variables, service files, .pgpass)

            Exit codes: 0 success, 1 failure, 64 usage error, 69 a dependency (database, engine) unavailable.
            """,
        version: LectorVersion.string,
        subcommands: [
            Migrate.self, Submit.self, WorkerCommand.self, Findings.self, Status.self, Retry.self, Cancel.self, QueueCommand.self, Engine.self, Extract.self,
            Eval.self,
            VersionCommand.self, PDFChildCommand.self,
        ]
    )
}

/// The version of this build.
enum LectorVersion {
    static let string = "0.1.0"
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print Lector's version.")

    func run() {
        print("lector \(LectorVersion.string)")
    }
}
