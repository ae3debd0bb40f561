import ArgumentParser
import Foundation
import LectorDB
import LectorQueue

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the job queue: jobs per queue and state, the oldest waiting job, recent failures.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Option(help: "How many recent failures to list.")
    var failures = 10

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                let jobQueue = JobQueue(client: client, logger: logger)
                var stats = try await jobQueue.statistics(recentFailures: failures)
                stats.dependencies = try await jobQueue.dependencyHealth()
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    encoder.dateEncodingStrategy = .iso8601
                    encoder.keyEncodingStrategy = .convertToSnakeCase
                    print(String(decoding: try encoder.encode(stats), as: UTF8.self))
                    return
                }
                for dependency in stats.dependencies where !dependency.available {
                    // Jobs wait rather than fail while a dependency is down: say why nothing moves.
                    let since = ISO8601DateFormatter().string(from: dependency.since)
                    let what = dependency.misconfigured ? "misconfigured" : "unavailable"
                    let workers = "\(dependency.workers) worker\(dependency.workers == 1 ? "" : "s")"
                    print("\(dependency.dependency) \(what) since \(since) (\(workers)), last error: \(dependency.lastError ?? "-")")
                }
                if stats.rows.isEmpty { print("no jobs") }
                let queues = Dictionary(grouping: stats.rows, by: \.queue)
                for name in queues.keys.sorted() {
                    let rows = queues[name]!
                    let counts = JobState.allCases.compactMap { state in
                        rows.first { $0.state == state }.map { "\(state.rawValue) \($0.count)" }
                    }
                    let oldest = rows.compactMap(\.oldestDueSeconds).max()
                    var line = "\(name)\(stats.paused.contains(name) ? " (paused)" : ""): " + counts.joined(separator: ", ")
                    if let oldest { line += "; oldest waiting \(Self.age(oldest))" }
                    print(line)
                }
                for name in stats.paused where queues[name] == nil { print("\(name) (paused): no jobs") }
                if !stats.recentFailures.isEmpty {
                    print("\nrecent failures:")
                    for f in stats.recentFailures {
                        let when = f.finishedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "-"
                        print("  job \(f.id) \(f.queue)/\(f.kind) attempt \(f.attempt) at \(when): [\(f.errorClass ?? "?")] \(f.error ?? "")")
                    }
                }
            }
        }
    }

    static func age(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: String(format: "%.0fs", seconds)
        case ..<7200: String(format: "%.0fm", seconds / 60)
        case ..<172_800: String(format: "%.1fh", seconds / 3600)
        default: String(format: "%.1fd", seconds / 86_400)
        }
    }
}
