import ArgumentParser
import LectorEngine

/// Where the engine is: flags over `LECTOR_ENGINE_*` variables.
struct EngineOptions: ParsableArguments {
    /// What `--engine-dialect` and `LECTOR_ENGINE_DIALECT` take: `auto` and every dialect.
    static let dialectChoices = (["auto"] + EngineDialect.allCases.map(\.rawValue)).joined(separator: ", ")

    @Option(name: .customLong("engine-url"), help: ArgumentHelp("OpenAI-compatible base URL.", discussion: "Default: $LECTOR_ENGINE_URL, else \(EngineConfiguration.defaultURL).", valueName: "url"))
    var url: String?

    @Option(name: .customLong("engine-model"), help: ArgumentHelp("Model to ask for (default: $LECTOR_ENGINE_MODEL, else the engine's first).", valueName: "name"))
    var model: String?

    @Option(name: .customLong("engine-dialect"), help: ArgumentHelp("\(EngineOptions.dialectChoices) (default: $LECTOR_ENGINE_DIALECT, else auto).", valueName: "dialect"))
    var dialect: String?

    @Flag(help: "Allow an engine outside loopback and private networks (LECTOR_ALLOW_EXTERNAL_ENGINE=1); it is logged.")
    var allowExternalEngine = false

    /// The configuration from the environment, with these flags applied.
    func configuration() throws -> EngineConfiguration {
        var configuration = try EngineConfiguration.fromEnvironment()
        if let url { configuration.url = url }
        if let model { configuration.model = model }
        if let dialect {
            if dialect == "auto" {
                configuration.dialect = nil
            } else if let value = EngineDialect(rawValue: dialect) {
                configuration.dialect = value
            } else {
                throw ValidationError("--engine-dialect must be one of \(Self.dialectChoices)")
            }
        }
        if allowExternalEngine { configuration.allowExternal = true }
        try configuration.validate()
        return configuration
    }
}
