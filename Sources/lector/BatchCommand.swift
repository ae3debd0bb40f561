import ArgumentParser
import Foundation
import LectorBatch
import LectorQueue

struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Batch jobs declared in jobs/*.yaml: validate, run, list, status, report.",
        discussion: """
            A definition names a source (a folder, a SQL query returning document ids, or a list of files), a \
            profile, optional limits and a schedule (run by `lector scheduler`). Workers (`lector worker`) do \
            the analyses; a batch ends when each of its documents is analysed or failed.
            """,
        subcommands: [
            BatchValidate.self, BatchRun.self, BatchList.self, BatchStatusCommand.self, BatchReportCommand.self,
        ])
}
