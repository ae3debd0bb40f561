/// Polls `condition` until it holds or `seconds` pass, and returns whether it held (checked once more at
/// the deadline). Tests wait with this rather than sleeping a fixed time: a busy machine only makes them
/// slower, never wrong. Deadlines are generous; they bound a failure, not the expected time.
public func eventually(
    _ seconds: Double = 120, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
