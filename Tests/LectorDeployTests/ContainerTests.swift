import Foundation
import LectorTestSupport
import Testing

/// The container build cannot run here (no container engine); what can be checked is checked: the
/// runtime stage installs Debian packages that exist and that cover every shared library the `lector`
/// binary links, and the compose file wires the services the way the rest of the deployment does.
@Suite("Container image and compose")
struct ContainerTests {
    static func runtimePackages() throws -> [String] {
        let text = try DeployFiles.text("Containerfile")
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("# runtime-packages:") })
        return line.dropFirst("# runtime-packages:".count).split(separator: " ").map(String.init)
    }

    /// Runs a shell command on a thread of its own and returns its standard output.
    static func shell(_ command: String) async throws -> String {
        let result = try await ChildProcess.run("/bin/sh", ["-c", command])
        return result.standardOutput
    }

    @Test func theRuntimeStageInstallsTheListedPackages() throws {
        let text = try DeployFiles.text("Containerfile")
        let packages = try Self.runtimePackages()
        #expect(packages.contains("libpoppler-glib8") && packages.contains("libpq5"))
        let runtimeStage = try #require(text.components(separatedBy: "FROM ${RUNTIME_IMAGE}").last)
        for package in packages { #expect(runtimeStage.contains(package), "\(package) is listed but not installed") }
        #expect(!runtimeStage.contains("-dev"), "the runtime stage installs development packages")
        #expect(runtimeStage.contains("USER 10001"))
        #expect(runtimeStage.contains("ENTRYPOINT [\"/usr/local/bin/lector\"]"))
    }

    /// Debian's own dependency data: the closure of the runtime packages must hold the package of every
    /// library `ldd` shows for the built binary (the Swift runtime is linked statically in the image).
    @Test func theRuntimePackagesCoverEveryLinkedLibrary() async throws {
        let packages = try Self.runtimePackages()
        let closure = Set(try await Self.shell(
            "apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces "
                + "--no-enhances --no-pre-depends \(packages.joined(separator: " ")) | grep -v '^ ' | sed 's/:any$//'"
        ).split(separator: "\n").map(String.init))
        for package in packages { #expect(closure.contains(package), "\(package) is not a Debian package here") }

        let libraries = try await Self.shell("ldd '\(RepoPaths.lectorBinary.path)' | awk '/=> \\// {print $3}'")
            .split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("/opt/swift") && !$0.contains("/swift/") }
        #expect(libraries.count > 10)
        for library in libraries {
            let resolved = try await Self.shell("realpath '\(library)'").trimmingCharacters(in: .whitespacesAndNewlines)
            // Debian 12 merged /lib into /usr/lib; dpkg knows a file under one of the two names.
            let owner = try await Self.shell(
                "dpkg -S '\(resolved)' 2>/dev/null || dpkg -S '\(resolved.replacingOccurrences(of: "/usr/lib/", with: "/lib/"))' 2>/dev/null"
            ).split(separator: ":").first.map(String.init)
            guard let owner else {
                Issue.record("no Debian package owns \(library)")
                continue
            }
            #expect(closure.contains(owner), "\(library) comes from \(owner), which the runtime stage does not bring")
        }
    }

    @Test func composeRunsMigrationsFirstAndTheEngineOnThePrivateNetwork() throws {
        let compose = try DeployFiles.documents("compose/compose.yaml")[0]
        let services = try #require(compose["services"] as? [String: Any])
        #expect(Set(services.keys).isSuperset(of: ["postgres", "vllm", "migrate", "worker", "scheduler", "api"]))
        for name in ["worker", "scheduler", "api"] {
            let service = try #require(services[name] as? [String: Any])
            let dependsOn = service["depends_on"] as? [String: Any] ?? [:]
            let migrate = dependsOn["migrate"] as? [String: Any]
            #expect(migrate?["condition"] as? String == "service_completed_successfully", "\(name) does not wait for migrations")
        }
        let vllm = try #require(services["vllm"] as? [String: Any])
        let command = (vllm["command"] as? [Any] ?? []).map { "\($0)" }.joined(separator: " ")
        for flag in ["--max-model-len=${VLLM_MAX_MODEL_LEN:-262144}", "--reasoning-parser=mistral", "--tensor-parallel-size="] {
            #expect(command.contains(flag), "vllm lacks \(flag)")
        }
        #expect(vllm["ports"] == nil, "the engine must not be published outside the compose network")
        #expect(vllm["healthcheck"] != nil && services.values.compactMap { $0 as? [String: Any] }.filter { $0["healthcheck"] != nil }.count >= 4)
    }
}
