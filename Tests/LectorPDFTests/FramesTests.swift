import Glibc
import Testing

@testable import LectorPDF

@Suite("Frames between parent and child; how a child's end is read")
struct FramesTests {
    static func framed(_ payload: [UInt8]) -> [UInt8] {
        let n = UInt32(payload.count)
        return [UInt8(n & 0xff), UInt8(n >> 8 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 24)] + payload
    }

    @Test func framesSplitAcrossReadsComeOutWholeAndInOrder() {
        let first = [UInt8](repeating: 7, count: 300)
        let second: [UInt8] = [1, 2, 3]
        let stream = Self.framed(first) + Self.framed(second) + Self.framed([])
        var buffer = FrameBuffer()
        var out: [[UInt8]] = []
        // One byte at a time: every split of a header or a payload.
        for byte in stream {
            buffer.append([byte][...])
            while let payload = buffer.next() { out.append(payload) }
        }
        #expect(out == [first, second, []])
        #expect(buffer.isDrained)
        buffer.append(Self.framed([9, 9]).prefix(5))
        #expect(buffer.next() == nil)
        #expect(!buffer.isDrained)
    }

    @Test func theHeaderIsLittleEndian() {
        #expect(Frame.length([0x01, 0x02, 0x00, 0x00]) == 0x0201)
        #expect(Frame.length([0xff, 0xff, 0xff, 0xff]) == 0xffff_ffff)
    }

    @Test func aChildsEndIsClassified() {
        let limits = ExtractionLimits()
        #expect(ChildExit.error(status: SIGKILL, standardError: [], limits: limits).transient)
        #expect(ChildExit.error(status: SIGXCPU, standardError: [], limits: limits).kind == .timedOut)
        #expect(ChildExit.error(status: SIGSEGV, standardError: [], limits: limits).reason.contains("SIGSEGV"))
        #expect(ChildExit.error(status: 3 << 8, standardError: [], limits: limits).reason.contains("status 3"))
        #expect(ChildExit.error(status: SIGABRT, standardError: Array("std::bad_alloc".utf8), limits: limits).kind == .tooLarge)
        #expect(!ChildExit.error(status: SIGSEGV, standardError: [], limits: limits).transient)
    }
}
