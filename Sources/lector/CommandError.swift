import ArgumentParser
import LectorCore
import LectorDB
import LectorService

import Foundation

/// The exit statuses Lector promises (sysexits.h where one fits).
enum ExitStatus {
    static let failure: Int32 = 1
    static let usage: Int32 = 64
    static let unavailable: Int32 = 69
}

/// Runs a command body and turns errors into one line on standard error and Lector's exit statuses.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as any LectorError {
        printError("\(error.code): \(error.description)")
        throw ExitCode(exitStatus(for: error))
    } catch let error as ValidationError {
        printError(error.message)
        throw ExitCode(ExitStatus.usage)
    } catch is CancellationError {
        printError("interrupted")
        throw ExitCode(ExitStatus.failure)
    } catch {
        printError("\(error)")
        throw ExitCode(ExitStatus.failure)
    }
}

func exitStatus(for error: any LectorError) -> Int32 {
    if let database = error as? DatabaseError, database.isConnectionLevel { return ExitStatus.unavailable }
    if error is ConfigurationError { return ExitStatus.usage }
    // A tenant or role name that cannot be taken is a usage error, like a bad flag.
    if let error = error as? TenancyError, error.kind == .invalidName || error.kind == .invalidTenant { return ExitStatus.usage }
    if error.code.hasSuffix(".unavailable") { return ExitStatus.unavailable }
    return ExitStatus.failure
}

/// Writes `error: MESSAGE` as one line on standard error.
func printError(_ message: String) {
    let line = message.split(whereSeparator: \.isNewline).joined(separator: "; ")
    FileHandle.standardError.write(Data("error: \(line)\n".utf8))
}
