import Foundation
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 (port 0) for the browser driver's tests: one thread accepts, one
/// thread per connection answers one request and closes. Blocking socket calls stay off Swift's pool.
final class LocalHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        /// Path and query, as sent.
        var target: String
        var body: String
    }

    struct Response: Sendable {
        var status: Int
        var headers: [String: String] = ["Content-Type": "text/html; charset=utf-8"]
        var body: String
    }

    let port: Int
    private let socket: Int32
    private let received = Mutex<[Request]>([])

    /// Starts listening; `handler` answers every request.
    init(_ handler: @escaping @Sendable (Request) -> Response) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            Glibc.close(fd)
            throw ServerError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    break  // shut down
                }
                Thread { self.serve(client, handler) }.start()
            }
        }
        thread.start()
    }

    /// The requests answered so far.
    var requests: [Request] { received.withLock { $0 } }

    /// Stops accepting (connections in flight finish).
    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        Glibc.close(socket)
    }

    private func serve(_ client: Int32, _ handler: @Sendable (Request) -> Response) {
        defer { Glibc.close(client) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            if let end = headerEnd, bytes.count >= end + contentLength { break }
            let count = chunk.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            bytes.append(contentsOf: chunk[0..<count])
            if headerEnd == nil, let range = bytes.firstRange(of: separator) {
                headerEnd = range.upperBound
                let head = String(decoding: bytes[..<range.lowerBound], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        contentLength = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
            }
        }
        guard let headerEnd else { return }
        let requestLine = String(decoding: bytes[..<headerEnd], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count >= 2 else { return }
        let request = Request(
            method: String(parts[0]), target: String(parts[1]),
            body: String(decoding: bytes[headerEnd..<min(bytes.count, headerEnd + contentLength)], as: UTF8.self))
        received.withLock { $0.append(request) }
        let response = handler(request)
        let body = Array(response.body.utf8)
        var head = "HTTP/1.1 \(response.status) \(response.status == 200 ? "OK" : "Status")\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let out = Array(head.utf8) + body
        var offset = 0
        while offset < out.count {
            let written = out[offset...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            offset += written
        }
    }
}

struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
