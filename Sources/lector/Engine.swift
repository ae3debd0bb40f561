import ArgumentParser
import Foundation
import LectorEngine

/// `lector engine ...`: the model server.
struct Engine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the model server.", subcommands: [EngineCheckCommand.self])
}

struct EngineCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that the engine is reachable, allowed and able to do what analysis needs.",
        discussion: """
            Sends a few tiny requests (a handful of tokens each): plain streamed chat with usage, \
            strict JSON schema output, image input, and each reasoning_effort value. Nothing is sent \
            when the sovereignty guard refuses the host.

            Exit codes: 0 usable; 1 not usable (or refused by the sovereignty guard); 69 unreachable.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var engine: EngineOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let configuration = try engine.configuration()
            let report = try await EngineClient.withClient(configuration: configuration, logger: logger) { client in
                await client.check()
            }
            if json {
                printJSON(Self.jsonObject(report))
            } else {
                Self.printText(report)
            }
            if report.usable { return }
            if let error = report.error, error.code.hasSuffix(".unavailable") || error.kind == .timeout {
                throw ExitCode(ExitStatus.unavailable)
            }
            throw ExitCode(ExitStatus.failure)
        }
    }

    static func verdictText(_ v: SovereigntyVerdict) -> String {
        let addresses = v.addresses.map(\.description).joined(separator: ", ")
        return "\(v.allowed ? "allowed" : "REFUSED"): \(v.reason.rawValue)\(addresses.isEmpty ? "" : " (\(addresses))")"
    }

    static func printText(_ report: EngineCheckReport) {
        func line(_ key: String, _ value: String) { print(key.padding(toLength: 26, withPad: " ", startingAt: 0) + value) }
        line("engine", report.url)
        line("sovereignty", verdictText(report.sovereignty))
        if let info = report.info {
            line("health", info.health)
            line("dialect", "\(info.dialect.rawValue) (\(info.dialectDetected ? "detected" : "configured"))")
            line("model", info.model ?? "-")
            line("context", info.contextLength.map { "\($0) tokens" + (info.slots.map { " per slot, \($0) slots" } ?? "") } ?? "unknown")
        }
        if let error = report.error { line("error", "\(error.code): \(error.description)") }
        for probe in report.probes {
            let state = probe.works == true ? "ok" : probe.works == false ? "no" : "unknown"
            line(probe.name, probe.works == true ? state : "\(state): \(probe.errorCode.map { "\($0): " } ?? "")\(probe.detail)")
        }
        line("verdict", report.usable ? "usable" : "NOT usable")
    }

    static func jsonObject(_ report: EngineCheckReport) -> [String: Any] {
        var object: [String: Any] = [
            "url": report.url,
            "usable": report.usable,
            "sovereignty": [
                "allowed": report.sovereignty.allowed, "reason": report.sovereignty.reason.rawValue,
                "external": report.sovereignty.isExternal, "host": report.sovereignty.host,
                "addresses": report.sovereignty.addresses.map(\.description),
            ] as [String: Any],
        ]
        if let info = report.info {
            object["healthy"] = info.healthy
            object["health"] = info.health
            object["dialect"] = info.dialect.rawValue
            object["dialect_detected"] = info.dialectDetected
            object["model"] = info.model ?? NSNull()
            object["models"] = info.models
            object["context_length"] = info.contextLength ?? NSNull()
            object["slots"] = info.slots ?? NSNull()
        }
        if let error = report.error { object["error"] = ["code": error.code, "message": error.description] }
        var probes: [String: Any] = [:]
        for probe in report.probes {
            var p: [String: Any] = ["works": probe.works ?? NSNull(), "detail": probe.detail]
            if let code = probe.errorCode { p["error_code"] = code }
            probes[probe.name] = p
        }
        object["probes"] = probes
        return object
    }
}
