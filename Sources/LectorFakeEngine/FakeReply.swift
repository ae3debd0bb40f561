import LectorEngine

/// A request the fake engine received.
public struct FakeRequest: Sendable {
    /// `GET`, `POST`, ...
    public var method: String
    /// The path, without the query.
    public var path: String
    /// Header names (lower-cased) and values.
    public var headers: [String: String]
    /// The raw body.
    public var body: [UInt8]

    /// The body as JSON, when it is.
    public var json: JSONValue? { try? JSONValue.parse(body) }

    /// A recorded request.
    public init(method: String, path: String, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

/// What the fake engine does with one request.
public indirect enum FakeReply: Sendable {
    /// A complete response.
    case respond(status: Int, headers: [String: String], body: String)
    /// A `text/event-stream` response: each event is written as `data: EVENT` and a blank line,
    /// `interval` apart, then the stream ends as `ending` says.
    case stream(events: [String], interval: Duration, ending: StreamEnding)
    /// `reply`, after a wait.
    case delayed(Duration, FakeReply)
    /// Read the request and never answer (until the client gives up or the engine stops).
    case stall
    /// Close the connection with a TCP reset, without answering.
    case reset

    /// A JSON response.
    public static func json(_ status: Int, _ body: JSONValue, headers: [String: String] = [:]) -> FakeReply {
        var all = headers
        all["Content-Type"] = "application/json; charset=utf-8"
        return .respond(status: status, headers: all, body: body.jsonText)
    }
}

/// How a streamed response ends.
public enum StreamEnding: Sendable {
    /// `data: [DONE]` and a clean end.
    case done
    /// Stop writing but keep the connection open.
    case stall
    /// Reset the connection mid-stream.
    case reset
}
