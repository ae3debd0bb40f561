import CLectorPDFShims
import Glibc

/// Cuts text that lies far above or below a page out of the page's content before Poppler reads it.
///
/// HTML-to-PDF converters (EvoPdf and its kind, frequent among EDGAR filings) lay a document out as one
/// tall canvas and give every page the whole canvas again, shifted and clipped to that page's slice.
/// Poppler interprets all of it on every page and drops the characters that land outside the page, so
/// such a document costs pages × pages: one 154-page contract of the corpus took 24 ms a page. The cut
/// (C++, `OffPageText.cpp`) removes `q … Q` groups that provably only set state and show horizontal text
/// whose baseline is more than a page's size away from the crop box, and hands Poppler the file with an
/// incremental update that gives those pages their shorter contents. Characters Poppler would have
/// dropped are the only thing that goes, so text and words stay identical (a test checks that on the
/// corpus); anything the cut does not understand leaves a page, or the file, untouched.
public enum OffPageText {
    /// A file with some pages' contents cut.
    public struct Cut: Sendable, Equatable {
        /// The whole file: the original bytes and an incremental update.
        public var bytes: [UInt8]
        /// How many pages got shorter contents.
        public var pages: Int
    }

    /// The file with the contents of `pages` cut, or nil when nothing is worth cutting (or in doubt:
    /// encrypted, rebuilt cross-reference table, contents the cut does not understand).
    public static func cut(_ bytes: [UInt8], pages: ClosedRange<Int>) -> Cut? {
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        let changed = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                lector_drop_off_page_text(
                    chars.baseAddress, chars.count, Int32(clamping: pages.lowerBound),
                    Int32(clamping: pages.upperBound), &out, &length)
            }
        }
        guard changed > 0, let out else { return nil }
        defer { free(out) }
        return Cut(bytes: Array(UnsafeBufferPointer(start: out, count: length)), pages: Int(changed))
    }
}
