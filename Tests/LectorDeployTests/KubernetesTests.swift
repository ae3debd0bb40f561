import Foundation
import LectorDB
import LectorQueue
import LectorTestSupport
import Testing

@Suite("Kubernetes manifests")
struct KubernetesTests {
    static func objects() throws -> [KubernetesObject] { try DeployFiles.kubernetesObjects() }

    static func object(_ kind: String, _ name: String) throws -> KubernetesObject {
        try #require(try objects().first { $0.kind == kind && $0.name == name }, "no \(kind)/\(name)")
    }

    @Test func everyYAMLFileParses() throws {
        let files = try DeployFiles.files(where: { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") })
        #expect(files.count >= 10)
        for file in files {
            #expect(throws: Never.self, "\(file)") { _ = try DeployFiles.documents(file) }
        }
    }

    @Test func workloadsHaveImagesResourcesAndRunUnprivileged() throws {
        let workloads = try Self.objects().filter { ["Deployment", "Job", "StatefulSet"].contains($0.kind) }
        #expect(workloads.count >= 5)
        for workload in workloads {
            #expect(!workload.containers.isEmpty, "\(workload)")
            for container in workload.containers {
                let image = container["image"] as? String ?? ""
                #expect(!image.isEmpty && !image.hasSuffix(":latest"), "\(workload): image \(image)")
                let requests = (container["resources"] as? [String: Any])?["requests"] as? [String: Any] ?? [:]
                #expect(requests["cpu"] != nil && requests["memory"] != nil, "\(workload): no CPU and memory requests")
                guard image.hasPrefix("lector") else { continue }
                let security = container["securityContext"] as? [String: Any] ?? [:]
                #expect(security["allowPrivilegeEscalation"] as? Bool == false, "\(workload)")
                #expect(security["readOnlyRootFilesystem"] as? Bool == true, "\(workload)")
            }
        }
    }

    @Test func probesWatchTheAPIAndTheWorkers() throws {
        let api = try #require(try Self.object("Deployment", "lector-api").containers.first)
        #expect(((api["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/readyz")
        #expect(((api["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/healthz")
        let worker = try #require(try Self.object("Deployment", "lector-worker").containers.first)
        #expect(worker["livenessProbe"] != nil)
        // Probes come from the kubelet, outside the container: the probed servers must not listen on
        // loopback only (both default to 127.0.0.1).
        func listensOnAllInterfaces(_ container: [String: Any], _ option: String) -> Bool {
            let args = (container["args"] as? [Any] ?? []).map { "\($0)" }
            return args.contains("\(option)=0.0.0.0")
                || zip(args, args.dropFirst()).contains { $0 == option && $1 == "0.0.0.0" }
        }
        #expect(listensOnAllInterfaces(api, "--host"))
        #expect(listensOnAllInterfaces(worker, "--metrics-host"))
        #expect(try Self.object("PodDisruptionBudget", "lector-api").spec["selector"] != nil)
        #expect(try Self.object("Deployment", "lector-scheduler").spec["replicas"] as? Int == 2)
        #expect(try Self.object("Service", "lector-api").spec["selector"] != nil)
    }

    /// The KEDA trigger's query runs on the real schema and counts what the workers' own idle check
    /// counts: jobs running or ready to run.
    @Test func theKEDATriggerCountsTheQueue() async throws {
        let scaled = try Self.object("ScaledObject", "lector-worker")
        #expect((scaled.spec["scaleTargetRef"] as? [String: Any])?["name"] as? String == "lector-worker")
        let trigger = try #require((scaled.spec["triggers"] as? [[String: Any]])?.first)
        #expect(trigger["type"] as? String == "postgresql")
        let metadata = try #require(trigger["metadata"] as? [String: Any])
        let query = try #require(metadata["query"] as? String)
        #expect(Int(metadata["targetQueryValue"] as? String ?? "") ?? 0 > 0)
        let authentication = try #require((trigger["authenticationRef"] as? [String: Any])?["name"] as? String)
        #expect(try Self.object("TriggerAuthentication", authentication).spec["secretTargetRef"] != nil)

        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            _ = try await queue.enqueue([NewJob(kind: "analyze"), NewJob(kind: "analyze"), NewJob(kind: "analyze")])
            _ = try await queue.enqueue(NewJob(kind: "analyze", runAt: Date().addingTimeInterval(3600)))
            _ = try await queue.claim(queue: "default", limit: 1, workerID: "w", leaseSeconds: 60)
            let counted = try await client.query(query).one().decode("count", as: Int.self)
            #expect(counted == 3)
            #expect(counted == (try await queue.runnableCount(queue: "default")))
        }
    }

    /// Workers hold document text: they may reach PostgreSQL, the engine and DNS, nothing else.
    @Test func workersReachOnlyTheDatabaseAndTheEngine() throws {
        let deny = try Self.object("NetworkPolicy", "default-deny")
        #expect((deny.spec["podSelector"] as? [String: Any])?.isEmpty == true)
        #expect(Set(deny.spec["policyTypes"] as? [String] ?? []) == ["Ingress", "Egress"])

        let policy = try Self.object("NetworkPolicy", "lector-worker")
        #expect((policy.spec["policyTypes"] as? [String] ?? []).contains("Egress"))
        let egress = try #require(policy.spec["egress"] as? [[String: Any]])
        var allowed: Set<String> = []
        for rule in egress {
            // A rule without `to` would allow every destination.
            let peers = rule["to"] as? [[String: Any]] ?? []
            #expect(!peers.isEmpty, "an egress rule without destinations")
            for peer in peers { #expect(peer["ipBlock"] == nil || !"\(peer)".contains("0.0.0.0/0")) }
            for port in rule["ports"] as? [[String: Any]] ?? [] {
                allowed.insert("\(port["protocol"] as? String ?? "TCP")/\(port["port"] ?? "")")
            }
            #expect(rule["ports"] != nil, "an egress rule without ports")
        }
        #expect(allowed == ["TCP/5432", "TCP/8000", "UDP/53", "TCP/53"])
        // The engine port is the one the configuration points the workers at.
        let configuration = try Self.object("ConfigMap", "lector").body["data"] as? [String: Any] ?? [:]
        #expect((configuration["LECTOR_ENGINE_URL"] as? String ?? "").contains(":8000/"))
    }

    @Test func theDatabaseURLIsASecretReference() throws {
        for workload in try Self.objects().filter({ ["Deployment", "Job"].contains($0.kind) }) {
            for container in workload.containers where (container["image"] as? String ?? "").hasPrefix("lector") {
                let env = container["env"] as? [[String: Any]] ?? []
                #expect(env.contains { $0["name"] as? String == "LECTOR_DATABASE_URL_FILE" }, "\(workload)")
                #expect(!env.contains { $0["name"] as? String == "LECTOR_DATABASE_URL" && $0["value"] != nil }, "\(workload)")
            }
        }
    }
}
