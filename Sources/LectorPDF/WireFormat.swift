/// Little-endian binary encoding of the messages between ``PDFExtractor`` and its child process.
///
/// Hand-written rather than JSON: a page carries hundreds of words with boxes and the parent decodes
/// thousands of pages per second.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func i64(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int) { i64(Int64(value)) }

    mutating func f64(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func f32(_ value: Double) {
        withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func optionalString(_ value: String?) {
        bool(value != nil)
        if let value { string(value) }
    }

    mutating func optionalInt(_ value: Int?) {
        bool(value != nil)
        if let value { int(value) }
    }

    mutating func blob(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }
}

/// Reads what ``WireWriter`` wrote; any inconsistency is a protocol error.
struct WireReader {
    struct Truncated: Error {}

    let bytes: [UInt8]
    var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    private mutating func take(_ count: Int) throws(Truncated) -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= bytes.count else { throw Truncated() }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    private mutating func fixed<T: FixedWidthInteger>(_: T.Type) throws(Truncated) -> T {
        let slice = try take(MemoryLayout<T>.size)
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: slice) }
        return T(littleEndian: value)
    }

    mutating func u8() throws(Truncated) -> UInt8 { try fixed(UInt8.self) }
    mutating func bool() throws(Truncated) -> Bool { try u8() != 0 }
    mutating func u32() throws(Truncated) -> UInt32 { try fixed(UInt32.self) }
    mutating func i64() throws(Truncated) -> Int64 { try fixed(Int64.self) }
    mutating func int() throws(Truncated) -> Int { Int(try i64()) }
    mutating func f64() throws(Truncated) -> Double { Double(bitPattern: try fixed(UInt64.self)) }
    mutating func f32() throws(Truncated) -> Double { Double(Float(bitPattern: try fixed(UInt32.self))) }

    mutating func string() throws(Truncated) -> String {
        let count = Int(try u32())
        return String(decoding: try take(count), as: UTF8.self)
    }

    mutating func optionalString() throws(Truncated) -> String? {
        try bool() ? try string() : nil
    }

    mutating func optionalInt() throws(Truncated) -> Int? {
        try bool() ? try int() : nil
    }

    mutating func blob() throws(Truncated) -> [UInt8] {
        let count = Int(try u32())
        return Array(try take(count))
    }
}
