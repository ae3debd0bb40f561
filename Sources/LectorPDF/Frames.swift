/// What parent and child exchange: frames of a little-endian `UInt32` length and that many bytes. One
/// decoder of the header serves both sides.
enum Frame {
    /// Bytes of the length header.
    static let headerSize = 4

    /// The payload length a header announces.
    static func length(_ header: some Collection<UInt8>) -> Int {
        var length = 0
        for (index, byte) in header.prefix(headerSize).enumerated() { length |= Int(byte) << (8 * index) }
        return length
    }
}

/// Bytes read from a child's output, handed out as complete frames.
struct FrameBuffer {
    private var bytes: [UInt8] = []
    private var consumed = 0

    /// Whether every byte received belongs to a frame already handed out.
    var isDrained: Bool { bytes.count == consumed }

    mutating func append(_ chunk: ArraySlice<UInt8>) {
        // Drop what was handed out once it is large: a long document sends megabytes of pages.
        if consumed > 1 << 20 {
            bytes.removeFirst(consumed)
            consumed = 0
        }
        bytes.append(contentsOf: chunk)
    }

    /// The next complete frame's payload, or nil until more bytes arrive.
    mutating func next() -> [UInt8]? {
        guard bytes.count - consumed >= Frame.headerSize else { return nil }
        let length = Frame.length(bytes[consumed..<(consumed + Frame.headerSize)])
        let start = consumed + Frame.headerSize
        guard bytes.count - start >= length else { return nil }
        consumed = start + length
        return Array(bytes[start..<consumed])
    }
}
