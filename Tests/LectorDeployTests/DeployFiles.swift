import Foundation
import LectorTestSupport
import Testing
import Yams

/// The deployment files of the repository, read the way their tools read them.
enum DeployFiles {
    static var deploy: URL { RepoPaths.root.appendingPathComponent("deploy") }

    /// Paths under `deploy/` relative to it, sorted.
    static func files(under folder: String = "", where accept: (String) -> Bool) throws -> [String] {
        let base = deploy.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
        return walker.compactMap { $0 as? String }
            .map { folder.isEmpty ? $0 : folder + "/" + $0 }
            .filter { path in
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: deploy.appendingPathComponent(path).path, isDirectory: &isDirectory)
                return !isDirectory.boolValue && accept(path)
            }
            .sorted()
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: deploy.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every YAML document in the file (Kubernetes files hold several, separated by `---`).
    static func documents(_ path: String) throws -> [[String: Any]] {
        let parser = try Parser(yaml: try text(path))
        var documents: [[String: Any]] = []
        while let node = try parser.nextRoot() {
            guard let document = node.any as? [String: Any] else {
                throw DeployFileError(path: path, reason: "a document is not a mapping")
            }
            documents.append(document)
        }
        return documents
    }

    /// The Kubernetes objects `kustomization.yaml` applies.
    static func kubernetesObjects() throws -> [KubernetesObject] {
        let kustomization = try documents("kubernetes/kustomization.yaml")[0]
        let resources = try #require(kustomization["resources"] as? [String])
        return try resources.flatMap { file in
            try documents("kubernetes/" + file).map { KubernetesObject(file: file, body: $0) }
        }
    }
}

struct DeployFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "\(path): \(reason)" }
}

/// One object of a Kubernetes manifest, with typed access to the parts the tests check.
struct KubernetesObject: CustomStringConvertible {
    var file: String
    var body: [String: Any]

    var kind: String { body["kind"] as? String ?? "" }
    var metadata: [String: Any] { body["metadata"] as? [String: Any] ?? [:] }
    var name: String { metadata["name"] as? String ?? "" }
    var spec: [String: Any] { body["spec"] as? [String: Any] ?? [:] }
    var description: String { "\(file): \(kind)/\(name)" }

    /// The containers of a Deployment, Job or bare Pod template.
    var containers: [[String: Any]] {
        let template = (spec["template"] as? [String: Any]).flatMap { $0["spec"] as? [String: Any] }
        return template?["containers"] as? [[String: Any]] ?? []
    }
}

/// One `lector ...` invocation found in a deployment file.
struct LectorInvocation: CustomStringConvertible {
    var file: String
    var arguments: [String]
    var description: String { "\(file): lector \(arguments.joined(separator: " "))" }

    /// The leading words that name the subcommand (`batch run`), before the first option.
    var subcommand: [String] { Array(arguments.prefix { !$0.hasPrefix("-") }) }

    /// The long options it passes, without their values.
    var options: [String] {
        arguments.filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=", maxSplits: 1)[0]) }
    }
}
