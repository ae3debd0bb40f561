import ArgumentParser
import LectorQueue

struct Retry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a failed or cancelled job again.",
        discussion: "The job becomes available now, with at least one more attempt. Exit 1 when it is live or completed.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's id.")
    var job: Int64

    func run() async throws {
        try await global.withQueue { queue in
            let retried = try await queue.retry(jobID: job)
            print("job \(retried.id) is \(retried.state.rawValue) (attempt \(retried.attempt) of \(retried.maxAttempts))")
        }
    }
}
