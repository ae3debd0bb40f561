import ArgumentParser

/// The `lector` command: parses the command line and wires services, nothing more.
@main
struct Lector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lector",
        abstract: "Sovereign contract analysis: PDFs in, quote-backed findings in PostgreSQL out.",
        discussion: """
            Configuration comes from flags or the environment; a flag wins. A secret
            NAME can instead be read from the file that NAME_FILE names.
              LECTOR_DATABASE_URL          libpq URI or conninfo, else libpq's PG*
                                           variables; or LECTOR_DATABASE_URL_FILE
              LECTOR_ENGINE_URL            the engine's OpenAI-compatible base URL
              LECTOR_ENGINE_MODEL          the model to ask for (else the first)
              LECTOR_ENGINE_DIALECT        \(EngineOptions.dialectChoices)
              LECTOR_ENGINE_API_KEY        bearer key, if the engine wants one;
                                           or LECTOR_ENGINE_API_KEY_FILE
              LECTOR_ENGINE_ALLOWED_HOSTS  public hosts allowed to get documents
              LECTOR_ALLOW_EXTERNAL_ENGINE 1: any engine host (logged, recorded)
              LECTOR_ENGINE_MAX_IN_FLIGHT  open engine requests per process (8)
              LECTOR_ENGINE_TIMEOUT        total seconds per engine request
              LECTOR_ENGINE_IDLE_TIMEOUT   seconds of engine silence tolerated
              LECTOR_PRICE_INPUT_PER_MILLION, LECTOR_PRICE_OUTPUT_PER_MILLION
                                           USD per million tokens, for analyses'
                                           cost_usd (0.15 and 0.60)
              LECTOR_PROFILES_DIR          analysis profiles (./jobs/profiles)
              LECTOR_JOBS_DIR              batch definitions (./jobs)
              LECTOR_PDF_PASSWORD          for encrypted PDFs (lector extract)

            Exit codes: 0 success, 1 failure, 64 usage error, 69 a dependency
            (database, engine) unavailable.
            """,
        version: LectorVersion.string,
        subcommands: [
            Migrate.self, Submit.self, WorkerCommand.self, BatchCommand.self, SchedulerCommand.self, Findings.self, Status.self,
            Retry.self, Cancel.self, QueueCommand.self, Engine.self, Extract.self, Serve.self, TokenCommand.self, RoleCommand.self,
            ReviewerCommand.self, ReviewsCommand.self, Eval.self,
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
