import ArgumentParser
import LectorEngine
import LectorFakeEngine

import Foundation
import Synchronization

/// `lector-fake-engine`: the fake engine as a server, for `Benchmarks/run engine` and manual tests.
///
/// Every chat completion holds one of `--slots` slots for `--service-ms`, then gets a small
/// schema-valid answer in the dialect's shape. With `--sequences N` it is a continuous-batching engine
/// instead (``FakeBatching``): N sequences decode together, latency = queue + `--prefill-ms` +
/// `--service-ms` (slower by `--slowdown` with a full batch), and `--max-waiting` queued requests at
/// most before a 429. `GET /fake/stats` reports the accounting, `POST /fake/reset` clears it.
@main
struct FakeEngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lector-fake-engine", abstract: "A fake OpenAI-compatible engine on loopback (tests, benchmarks).")

    @Option(help: "Port (0: any free port; the chosen one is printed).")
    var port = 0

    @Option(help: "Parallel slots.")
    var slots = 4

    @Option(help: "Service time per request, in milliseconds.")
    var serviceMs = 50

    @Option(help: "Continuous batching with this many sequences (0: fixed slots).")
    var sequences = 0

    @Option(help: "Batching: time to the first token once a sequence starts, in milliseconds.")
    var prefillMs = 100

    @Option(help: "Batching: how much slower decoding is with a full batch (0.3 = 30 %).")
    var slowdown = 0.3

    @Option(help: "Batching: requests allowed to queue before a 429 (0: unbounded).")
    var maxWaiting = 0

    @Option(help: "Dialect whose shapes to serve: vllm, nim, mistral, llamacpp, openai.")
    var dialect = "vllm"

    @Flag(help: "Stream answers (server-sent events).")
    var stream = false

    @Option(help: ArgumentHelp(
        "A file whose text every chat completion answers (default: {\"ok\":true}).",
        discussion: "For the pipeline benchmark: a findings answer valid for the profile it submits with.",
        valueName: "path"))
    var answerFile: String?

    @Flag(help: ArgumentHelp(
        "Answer each chat completion by reading its pages (FakeReader): keyword rules quote the first matching sentence.",
        discussion: "For Benchmarks/run longdoc: answers valid for any findings schema, grounded in the pages sent."))
    var readPages = false

    @Option(help: "Refuse a request whose prompt plus max_tokens exceeds this many tokens, as vLLM does (0: no limit).")
    var maxModelLen = 0

    @Option(help: "Answer the first N chat completions with 429 (for Benchmarks/run faults).")
    var rateLimitFirst = 0

    @Option(help: "The Retry-After header those 429s carry, verbatim (inf, 1e999, -1, garbage, an HTTP date).")
    var retryAfter = "1"

    func run() async throws {
        guard let dialect = EngineDialect(rawValue: dialect) else { throw ValidationError("unknown dialect \(dialect)") }
        let batching =
            sequences > 0
            ? FakeBatching(
                sequences: sequences, prefill: .milliseconds(max(0, prefillMs)), decode: .milliseconds(serviceMs),
                slowdown: slowdown, maxWaiting: maxWaiting > 0 ? maxWaiting : nil)
            : nil
        let capacity = FakeEngine.Capacity(slots: slots, serviceTime: .milliseconds(serviceMs))
        var answer = #"{"ok":true}"#
        if let answerFile {
            guard let data = FileManager.default.contents(atPath: answerFile), let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("--answer-file: cannot read \(answerFile)")
            }
            answer = text
        }
        let streamedReply = FakeResponses.streamed(dialect: dialect, answer: answer)
        let wholeReply = FakeResponses.completion(dialect: dialect, answer: answer)
        let script = FakeScript(dialect: dialect, otherwise: stream ? streamedReply : wholeReply, tokenize: readPages)
        let alwaysStream = stream
        let limited = Mutex(0)
        let rateLimitFirst = rateLimitFirst
        let readPages = readPages
        let limits = FakeLimits(dialect: dialect, maxModelLen: maxModelLen > 0 ? maxModelLen : nil)
        let tooMany = FakeReply.json(
            429, ["error": ["message": "Too many requests", "type": "rate_limit_error", "code": 429]],
            headers: ["Retry-After": retryAfter])
        try await FakeEngine.run(
            host: "127.0.0.1", port: port, capacity: batching == nil ? capacity : nil, batching: batching,
            handler: { request in
                switch request.path {
                case "/fake/stats" where batching != nil:
                    let s = batching!.statistics
                    let window = s.firstStart.flatMap { start in s.lastEnd.map { $0 - start } } ?? .zero
                    return .json(200, [
                        "sequences": .number(Double(batching!.sequences)),
                        "service_ms": .number(Double(serviceMs)),
                        "completed": .number(Double(s.completed)),
                        "rejected": .number(Double(s.rejected)),
                        "busy_ms": .number(Self.milliseconds(s.busy)),
                        "window_ms": .number(Self.milliseconds(window)),
                        "peak_busy_slots": .number(Double(s.peakRunning)),
                        "running": .number(Double(s.running)),
                        "waiting": .number(Double(s.waiting)),
                    ])
                case "/fake/reset" where batching != nil:
                    batching!.reset()
                    return .json(200, ["reset": true])
                case "/metrics" where batching != nil:
                    // vLLM's gauges, for clients that read them.
                    let s = batching!.statistics
                    return .respond(
                        status: 200, headers: ["Content-Type": "text/plain; version=0.0.4"],
                        body: "vllm:num_requests_running \(s.running)\nvllm:num_requests_waiting \(s.waiting)\n")
                case let path where readPages && path.hasSuffix("/chat/completions") && limited.withLock({ $0 >= rateLimitFirst }):
                    return limits.reply(to: request, answer: FakeReader.answer(to: request))
                case let path where path.hasSuffix("/chat/completions") && !alwaysStream
                    && request.json?["stream"]?.boolValue == true
                    && limited.withLock({ $0 >= rateLimitFirst }):
                    return streamedReply
                case "/fake/stats":
                    let s = capacity.statistics
                    let window = s.firstStart.flatMap { start in s.lastEnd.map { $0 - start } } ?? .zero
                    return .json(200, [
                        "slots": .number(Double(capacity.slots)),
                        "service_ms": .number(Double(serviceMs)),
                        "completed": .number(Double(s.completed)),
                        "busy_ms": .number(Self.milliseconds(s.busy)),
                        "window_ms": .number(Self.milliseconds(window)),
                        "peak_busy_slots": .number(Double(s.peakBusySlots)),
                    ])
                case "/fake/reset":
                    capacity.reset()
                    return .json(200, ["reset": true])
                case let path where path.hasSuffix("/chat/completions")
                    && limited.withLock({ count in defer { count += 1 }; return count < rateLimitFirst }):
                    return tooMany
                default:
                    return await script.handler(request)
                }
            },
            onListening: { engine in
                // Unbuffered: the benchmark script reads this line to learn the port.
                FileHandle.standardOutput.write(Data("listening on \(engine.port)\n".utf8))
            })
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
