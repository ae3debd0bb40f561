import Foundation
import LectorTestSupport
import Testing

/// The deployment files call `lector` with commands, options and environment variables that the
/// binary's own `--help` documents: renaming a flag without updating a unit, a manifest or the compose
/// file fails here, not in production.
@Suite("Deployment files and the lector command line")
struct DeployCommandTests {
    /// Every `lector` invocation in the systemd units, the compose file and the Kubernetes manifests.
    static func invocations() throws -> [LectorInvocation] {
        var found: [LectorInvocation] = []
        for unit in try DeployFiles.files(under: "systemd", where: { $0.hasSuffix(".service") }) {
            for line in try DeployFiles.text(unit).split(separator: "\n") where line.hasPrefix("ExecStart=") {
                let words = line.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
                guard let binary = words.first, binary.hasSuffix("/lector") else { continue }
                found.append(LectorInvocation(file: unit, arguments: Array(words.dropFirst())))
            }
        }
        let compose = try DeployFiles.documents("compose/compose.yaml")[0]
        for (name, value) in compose["services"] as? [String: Any] ?? [:] {
            guard let service = value as? [String: Any], (service["image"] as? String ?? "").contains("lector") else {
                continue
            }
            let command = service["command"] as? [Any] ?? []
            found.append(LectorInvocation(file: "compose/compose.yaml#\(name)", arguments: command.map { "\($0)" }))
        }
        for object in try DeployFiles.kubernetesObjects() {
            for container in object.containers where (container["image"] as? String ?? "").hasPrefix("lector") {
                let arguments = container["args"] as? [Any] ?? []
                found.append(LectorInvocation(file: object.description, arguments: arguments.map { "\($0)" }))
            }
        }
        return found
    }

    static func help(_ words: [String]) throws -> ChildProcess {
        try ChildProcess.runBlocking(RepoPaths.lectorBinary.path, words + ["--help"])
    }

    @Test func theFilesCallLectorInAllThreeDeployments() throws {
        let files = Set(try Self.invocations().map { $0.file.split(separator: "#")[0].split(separator: ":")[0] })
        #expect(files.contains { $0.hasPrefix("systemd/") })
        #expect(files.contains("compose/compose.yaml"))
        #expect(files.contains { $0.hasSuffix(".yaml") && !$0.hasPrefix("compose") })
    }

    @Test(arguments: try invocations())
    func everyCommandAndOptionExists(_ invocation: LectorInvocation) throws {
        #expect(!invocation.subcommand.isEmpty, "\(invocation): no subcommand")
        let help = try Self.help(invocation.subcommand)
        let command = "lector " + invocation.subcommand.joined(separator: " ")
        // An unknown subcommand may still print the parent's help: the usage line names the command.
        try #require(
            help.status == 0 && help.standardOutput.contains("USAGE: \(command)"),
            "\(invocation): `\(command)` is not a command: \(help.standardError)")
        for option in invocation.options {
            let pattern = "(^|[\\s,\\[])" + NSRegularExpression.escapedPattern(for: option) + "([\\s=<,\\]]|$)"
            #expect(
                help.standardOutput.range(of: pattern, options: .regularExpression) != nil,
                "\(invocation): \(option) is not an option of `\(command)`")
        }
    }

    @Test func everyEnvironmentVariableIsDocumented() throws {
        let files = try DeployFiles.files(where: { !$0.hasPrefix("local/") })
        var names: [String: String] = [:]
        for file in files {
            let text = try DeployFiles.text(file)
            for match in text.matches(of: /LECTOR_[A-Z0-9_]+/) { names[String(match.output), default: file] = file }
        }
        #expect(names.keys.contains("LECTOR_DATABASE_URL_FILE"))
        // The top-level help lists the environment; every subcommand's help names what it reads.
        var documented = try Self.help([]).standardOutput
        let subcommands = Set(try Self.invocations().map(\.subcommand))
        for words in subcommands { documented += try Self.help(words).standardOutput }
        for (name, file) in names.sorted(by: { $0.key < $1.key }) {
            #expect(documented.contains(name), "\(file) uses \(name), which no `lector --help` mentions")
        }
    }
}
