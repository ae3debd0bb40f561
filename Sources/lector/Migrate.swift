import ArgumentParser
import Foundation
import LectorDB
import LectorSchema

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the database schema.",
        discussion: """
            Applies the migrations compiled into this binary that the database lacks, each in its own \
            transaction, under an advisory lock: running it twice, or on several machines at once, is safe. \
            Refuses (exit 1) when a migration applied earlier differs from this binary's copy.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "List every migration and whether it is applied, without changing anything.")
    var status = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                let migrator = Migrator(migrations: LectorSchema.migrations, logger: logger)
                if status {
                    let states = try await migrator.status(client)
                    if json {
                        printJSON(states.map { ["version": "\($0.version)", "file": $0.fileName, "state": $0.state.rawValue, "applied_at": $0.appliedAt ?? ""] })
                    } else {
                        for s in states {
                            print("\(s.fileName)\t\(s.state.rawValue)\(s.appliedAt.map { "\t\($0)" } ?? "")")
                        }
                    }
                    if states.contains(where: { $0.state == .edited }) { throw ExitCode(ExitStatus.failure) }
                    return
                }
                let applied = try await migrator.migrate(client)
                if json {
                    printJSON(["applied": applied.map(\.fileName)])
                } else if applied.isEmpty {
                    print("schema is up to date (\(migrator.migrations.count) migrations)")
                } else {
                    for m in applied { print("applied \(m.fileName)") }
                }
            }
        }
    }
}

/// Prints a JSON value (sorted keys) on standard output.
func printJSON(_ value: Any) {
    let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    print(String(decoding: data, as: UTF8.self))
}
