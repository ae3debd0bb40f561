import ArgumentParser
import LectorQueue

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Pause or resume a queue, prune finished jobs.",
        subcommands: [Pause.self, Resume.self, Prune.self])

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete completed and cancelled jobs older than the retention.",
            discussion: """
                Failed jobs are kept for inspection, but lose any PDF password from their arguments. Analyses \
                and findings are kept. Workers also prune on their own (worker --prune-after-days).
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Keep jobs that finished less than this many days ago.") var olderThanDays = 7.0
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            guard olderThanDays.isFinite, olderThanDays >= 0, olderThanDays <= 36_500 else {
                throw ValidationError("--older-than-days must be a number of days between 0 and 36500")
            }
        }

        func run() async throws {
            try await global.withQueue { queue in
                let deleted = try await queue.pruneFinished(olderThan: olderThanDays * 86_400)
                if json {
                    print(#"{"deleted": \#(deleted), "older_than_days": \#(olderThanDays)}"#)
                } else {
                    print("pruned \(deleted) finished job\(deleted == 1 ? "" : "s") older than \(olderThanDays) days")
                }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop workers from claiming jobs of a queue; running jobs go on.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The queue's name.") var name: String

        func run() async throws {
            try await global.withQueue { queue in
                try await queue.pause(queue: name)
                print("queue \(name) is paused")
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let workers claim jobs of a paused queue again.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The queue's name.") var name: String

        func run() async throws {
            try await global.withQueue { queue in
                try await queue.resume(queue: name)
                print("queue \(name) is running")
            }
        }
    }
}
