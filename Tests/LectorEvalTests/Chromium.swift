import Foundation
import LectorTestSupport
import Testing

/// Headless Chromium, when installed (`deploy/local/setup` installs Debian's `chromium`).
enum Chromium {
    static var executable: String? { Browser.executable }

    /// Renders `page` headless with `arguments` (a screenshot or a PDF); a generous bound (not a timing
    /// threshold) ends a hung browser.
    static func run(_ page: URL, _ arguments: [String], profile: URL) async throws -> ChildProcess {
        let chromium = try #require(executable)
        return try await ChildProcess.run(
            "/usr/bin/timeout",
            ["300", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--user-data-dir=\(profile.path)"] + arguments + [page.absoluteString])
    }
}
