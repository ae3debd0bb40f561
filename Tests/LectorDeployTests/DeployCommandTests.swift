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

    /// `lector WORDS --help`, on a thread of its own (never blocking the cooperative pool).
    static func help(_ words: [String]) async throws -> ChildProcess {
        try await ChildProcess.run(RepoPaths.lectorBinary.path, words + ["--help"])
    }

    @Test func theFilesCallLectorInAllThreeDeployments() throws {
        let files = Set(try Self.invocations().map { $0.file.split(separator: "#")[0].split(separator: ":")[0] })
        #expect(files.contains { $0.hasPrefix("systemd/") })
        #expect(files.contains("compose/compose.yaml"))
        #expect(files.contains { $0.hasSuffix(".yaml") && !$0.hasPrefix("compose") })
    }

    /// The command an invocation runs and its help: the longest run of leading words that is a
    /// command (`batch run NIGHTLY --wait` is `batch run` with an argument).
    static func command(of invocation: LectorInvocation) async throws -> (words: [String], help: String)? {
        var words = invocation.subcommand
        while !words.isEmpty {
            let help = try await Self.help(words)
            if help.status == 0, help.standardOutput.contains("USAGE: lector \(words.joined(separator: " "))") {
                return (words, help.standardOutput)
            }
            words.removeLast()
        }
        return nil
    }

    @Test(arguments: try invocations())
    func everyCommandAndOptionExists(_ invocation: LectorInvocation) async throws {
        #expect(!invocation.subcommand.isEmpty, "\(invocation): no subcommand")
        // An unknown subcommand may still print the parent's help: the usage line names the command.
        let (words, help) = try #require(try await Self.command(of: invocation), "\(invocation): not a lector command")
        let command = "lector " + words.joined(separator: " ")
        for option in invocation.options {
            let pattern = "(^|[\\s,\\[])" + NSRegularExpression.escapedPattern(for: option) + "([\\s=<,\\]]|$)"
            #expect(
                help.range(of: pattern, options: .regularExpression) != nil,
                "\(invocation): \(option) is not an option of `\(command)`")
        }
    }

    @Test func everyEnvironmentVariableIsDocumented() async throws {
        let files = try DeployFiles.files(where: { !$0.hasPrefix("local/") })
        var names: [String: String] = [:]
        for file in files {
            let text = try DeployFiles.text(file)
            for match in text.matches(of: /LECTOR_[A-Z0-9_]+/) { names[String(match.output), default: file] = file }
        }
        #expect(names.keys.contains("LECTOR_DATABASE_URL_FILE"))
        // The top-level help lists the environment; every subcommand's help names what it reads.
        var documented = try await Self.help([]).standardOutput
        for invocation in try Self.invocations() { documented += try await Self.command(of: invocation)?.help ?? "" }
        for (name, file) in names.sorted(by: { $0.key < $1.key }) {
            #expect(documented.contains(name), "\(file) uses \(name), which no `lector --help` mentions")
        }
    }
}
