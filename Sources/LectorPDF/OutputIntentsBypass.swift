/// Hides a catalog's `/OutputIntents` from Poppler 22.12, which otherwise builds lcms colour transforms
/// for every page it displays.
///
/// Poppler's `Gfx` constructor calls `initDisplayProfile()`, which reads the catalog's output intent ICC
/// profile and creates fresh lcms2 transforms for it, once per page and per output device. On the CUAD
/// contracts (PDF/A, sRGB output intent) that is 95 % of the instructions of text extraction. Upstream
/// caches the transforms since 2025; Debian 12's 22.12 does not.
///
/// The bypass renames the key in place to one of the same length (`/LectorSkipped`), so no byte offset,
/// cross-reference entry or linearization hint moves, and Poppler sees a catalog without output intents.
/// Text extraction never reads colours, so the text is unchanged (a test checks that on the corpus);
/// renders use Poppler's default sRGB display profile, which is what the CUAD profiles are anyway.
///
/// It is applied only when every occurrence of the key is inside an uncompressed object whose dictionary
/// is the catalog and outside any stream data; otherwise the bytes stay untouched, and so they do when the
/// patched bytes fail to open.
public enum OutputIntentsBypass {
    static let key = Array("/OutputIntents".utf8)
    static let replacement = Array("/LectorSkipped".utf8)

    /// The outcome of looking at a file.
    public struct Outcome: Sendable {
        /// Whether the file declares output intents in an uncompressed object.
        public var declaresOutputIntents: Bool
        /// The patched bytes, or nil when the file is better left untouched.
        public var patched: [UInt8]?
    }

    /// Looks for output intents and, when it is safe, returns the bytes with them hidden.
    public static func apply(to bytes: [UInt8]) -> Outcome {
        let positions = occurrences(of: key, in: bytes)
        guard !positions.isEmpty else { return Outcome(declaresOutputIntents: false, patched: nil) }
        for position in positions where !isInCatalog(bytes, at: position) {
            return Outcome(declaresOutputIntents: true, patched: nil)
        }
        var patched = bytes
        for position in positions {
            patched.replaceSubrange(position..<position + key.count, with: replacement)
        }
        return Outcome(declaresOutputIntents: true, patched: patched)
    }

    /// Offsets of `needle` in `haystack`; with `wholeToken`, only where a delimiter or space follows.
    static func occurrences(of needle: [UInt8], in haystack: [UInt8], wholeToken: Bool = true) -> [Int] {
        guard haystack.count >= needle.count else { return [] }
        var found: [Int] = []
        haystack.withUnsafeBufferPointer { buffer in
            let first = needle[0]
            var index = 0
            let last = buffer.count - needle.count
            while index <= last {
                if buffer[index] == first, needle.indices.allSatisfy({ buffer[index + $0] == needle[$0] }) {
                    let end = index + needle.count
                    if !wholeToken || end == buffer.count || isDelimiterOrSpace(buffer[end]) { found.append(index) }
                    index = end
                } else {
                    index += 1
                }
            }
        }
        return found
    }

    /// Whether the name at `position` sits in the dictionary of an uncompressed catalog object.
    static func isInCatalog(_ bytes: [UInt8], at position: Int) -> Bool {
        // The object header `N G obj` before the name, with no `endobj`, `stream` or `endstream`
        // between them (the name is then in the object's dictionary, not in some stream's data).
        let window = 1 << 16
        let start = max(0, position - window)
        guard let objectStart = lastOccurrence(of: Array("obj".utf8), in: bytes, from: start, to: position),
            isObjectHeader(bytes, objKeywordAt: objectStart)
        else { return false }
        let before = Array(bytes[(objectStart + 3)..<position])
        if !occurrences(of: Array("endobj".utf8), in: before).isEmpty { return false }
        if containsKeyword("stream", in: before) { return false }
        // The rest of the object up to `endobj` (or its stream) must say it is the catalog.
        let limit = min(bytes.count, position + window)
        let after = Array(bytes[(objectStart + 3)..<limit])
        var dictionaryEnd = after.count
        for keyword in ["endobj", "stream"] {
            if let at = firstKeyword(keyword, in: after) { dictionaryEnd = min(dictionaryEnd, at) }
        }
        guard dictionaryEnd < after.count else { return false }
        let dictionary = Array(after[0..<dictionaryEnd])
        let typeCatalog = occurrences(of: Array("/Type".utf8), in: dictionary).contains { at in
            var index = at + 5
            while index < dictionary.count, isSpace(dictionary[index]) { index += 1 }
            let name = Array("/Catalog".utf8)
            guard index + name.count <= dictionary.count, Array(dictionary[index..<index + name.count]) == name
            else { return false }
            return index + name.count == dictionary.count || isDelimiterOrSpace(dictionary[index + name.count])
        }
        return typeCatalog
    }

    private static func isObjectHeader(_ bytes: [UInt8], objKeywordAt index: Int) -> Bool {
        // `obj` preceded by whitespace, a generation number, whitespace, an object number.
        var cursor = index - 1
        guard cursor >= 0, isSpace(bytes[cursor]) else { return false }
        while cursor >= 0, isSpace(bytes[cursor]) { cursor -= 1 }
        var digits = 0
        while cursor >= 0, isDigit(bytes[cursor]) { cursor -= 1; digits += 1 }
        guard digits > 0, cursor >= 0, isSpace(bytes[cursor]) else { return false }
        while cursor >= 0, isSpace(bytes[cursor]) { cursor -= 1 }
        digits = 0
        while cursor >= 0, isDigit(bytes[cursor]) { cursor -= 1; digits += 1 }
        return digits > 0
    }

    private static func lastOccurrence(of needle: [UInt8], in bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        var index = end - needle.count
        while index >= start {
            if bytes[index] == needle[0], Array(bytes[index..<index + needle.count]) == needle,
                index + needle.count < bytes.count, isDelimiterOrSpace(bytes[index + needle.count]),
                index > 0, isSpace(bytes[index - 1])
            {
                return index
            }
            index -= 1
        }
        return nil
    }

    private static func firstKeyword(_ keyword: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(keyword.utf8)
        for at in occurrences(of: needle, in: bytes) where at == 0 || !isRegular(bytes[at - 1]) {
            return at
        }
        return nil
    }

    private static func containsKeyword(_ keyword: String, in bytes: [UInt8]) -> Bool {
        firstKeyword(keyword, in: bytes) != nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x00
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isDelimiterOrSpace(_ byte: UInt8) -> Bool {
        isSpace(byte) || Array("()<>[]{}/%".utf8).contains(byte)
    }

    private static func isRegular(_ byte: UInt8) -> Bool { !isDelimiterOrSpace(byte) }
}
