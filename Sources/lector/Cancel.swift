import ArgumentParser
import LectorQueue

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a job that has not finished.",
        discussion: "A running job's lease is revoked: its worker's results are not committed. Exit 1 when it already finished.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's id.")
    var job: Int64

    func run() async throws {
        try await global.withQueue { queue in
            let cancelled = try await queue.cancel(jobID: job)
            print("job \(cancelled.id) is \(cancelled.state.rawValue)")
        }
    }
}
