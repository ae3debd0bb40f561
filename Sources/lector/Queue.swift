import ArgumentParser
import LectorQueue

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Pause or resume a queue.",
        subcommands: [Pause.self, Resume.self, QueueWork.self, QueueBench.self])

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop workers from claiming jobs of a queue; running jobs go on.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The queue's name.") var name: String

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    try await JobQueue(client: client, logger: logger).pause(queue: name)
                    print("queue \(name) is paused")
                }
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let workers claim jobs of a paused queue again.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The queue's name.") var name: String

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    try await JobQueue(client: client, logger: logger).resume(queue: name)
                    print("queue \(name) is running")
                }
            }
        }
    }
}
