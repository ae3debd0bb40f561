import Foundation

/// One line of progress on standard error, redrawn in place; silent when standard error is not a
/// terminal (or when the command prints JSON). The one progress display of `submit` and `batch run`.
final class TerminalLine: @unchecked Sendable {
    // @unchecked Sendable: used from one task only (the command's).
    let enabled: Bool

    init(enabled: Bool) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    /// Replaces the line with `text`.
    func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
    }

    /// Erases the line.
    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// `[#####.....]`: `done` of `total` in `width` characters.
    static func bar(_ done: Int, of total: Int, width: Int) -> String {
        let filled = total <= 0 ? width : min(width, max(0, width * done / total))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}
