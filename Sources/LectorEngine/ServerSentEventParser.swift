/// Splits a `text/event-stream` body into `data:` payloads.
struct ServerSentEventParser {
    private var buffer: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false

    /// Feeds bytes; returns the complete event payloads they finish.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [[UInt8]] {
        var events: [[UInt8]] = []
        for byte in bytes {
            if byte == 0x0A {
                var line = buffer
                buffer.removeAll(keepingCapacity: true)
                if line.last == 0x0D { line.removeLast() }
                if line.isEmpty {
                    if hasData { events.append(data) }
                    data.removeAll(keepingCapacity: true)
                    hasData = false
                } else if line.starts(with: Array("data:".utf8)) {
                    var payload = line.dropFirst(5)
                    if payload.first == 0x20 { payload = payload.dropFirst() }
                    if hasData { data.append(0x0A) }
                    data.append(contentsOf: payload)
                    hasData = true
                }
                // Comments (":") and other fields (event:, id:, retry:) carry nothing for us.
            } else {
                buffer.append(byte)
            }
        }
        return events
    }

    /// The last event when the stream ended without a blank line.
    mutating func finish() -> [[UInt8]] {
        var events = feed([0x0A])
        if hasData { events.append(data) }
        hasData = false
        return events
    }
}
