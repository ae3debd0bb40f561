import AsyncHTTPClient
import Foundation
import LectorEngine
import Logging
import NIOCore
import NIOHTTP1

/// Drives a fake engine with K slots and a fixed service time through Lector's engine client, and
/// through a raw AsyncHTTPClient loop (the peer), and reports utilization and per-request overhead.
@main
struct EngineBench {
    struct Round {
        var name: String
        var inFlight: Int
        var requests: Int
        var wall: Double  // seconds
        var meanLatency: Double  // ms
        var engineBusy: Double  // ms of slot time the engine reported
        var engineWindow: Double  // ms from first slot taken to last released
    }

    static func main() async throws { try await run() }

    nonisolated static func run() async throws {
        var options: [String: String] = [:]
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let name = arguments.next() {
            guard name.hasPrefix("--"), let value = arguments.next() else { fatalError("usage: --url U --slots K --service-ms S --requests N") }
            options[String(name.dropFirst(2))] = value
        }
        let url = options["url"] ?? "http://127.0.0.1:8099/v1"
        let slots = Int(options["slots"] ?? "4")!
        let serviceMs = Double(options["service-ms"] ?? "50")!
        let requests = Int(options["requests"] ?? "400")!
        let sequential = Int(options["sequential"] ?? "100")!
        let logger = Logger(label: "lector.bench")
        if let sequences = options["sequences"].flatMap({ Int($0) }), sequences > 0 {
            try await BatchingBench.run(
                url: url, sequences: sequences, requests: requests, peerRequests: Int(options["peer-requests"] ?? "200") ?? 200,
                logger: logger)
            return
        }

        let control = FakeEngineControl(baseURL: url)
        func engineStats() async throws -> (busy: Double, window: Double) {
            let json = try await control.stats()
            return (json["busy_ms"]?.doubleValue ?? 0, json["window_ms"]?.doubleValue ?? 0)
        }
        let chat = FakeEngineControl.probe(stream: false)

        func lectorRound(_ name: String, inFlight: Int, count: Int) async throws -> Round {
            var configuration = EngineConfiguration(url: url, model: "bench", dialect: .vllm, maxInFlight: inFlight)
            configuration.retry = RetryPolicy(maxAttempts: 1)
            return try await EngineClient.withClient(configuration: configuration, logger: logger) { client in
                for _ in 0..<inFlight { _ = try await client.complete(chat) }  // warm connections
                try await control.reset()
                let start = ContinuousClock.now
                if inFlight == 1 {
                    // One at a time: latency is the service time plus every overhead, without queueing.
                    var total = 0.0
                    for _ in 0..<count {
                        let t0 = ContinuousClock.now
                        let response = try await client.complete(chat)
                        precondition(response.json?["ok"] == true)
                        total += ms(ContinuousClock.now - t0)
                    }
                    let wall = ms(ContinuousClock.now - start) / 1000
                    let engine = try await engineStats()
                    return Round(
                        name: name, inFlight: inFlight, requests: count, wall: wall, meanLatency: total / Double(count),
                        engineBusy: engine.busy, engineWindow: engine.window)
                }
                // All requests submitted at once, as a worker with a backlog does; the client's in-flight
                // bound decides how many reach the engine (latency then includes the wait for a permit).
                let total = try await withThrowingTaskGroup(of: Double.self) { group in
                    for _ in 0..<count {
                        group.addTask {
                            let t0 = ContinuousClock.now
                            let response = try await client.complete(chat)
                            precondition(response.json?["ok"] == true)
                            return ms(ContinuousClock.now - t0)
                        }
                    }
                    return try await group.reduce(0, +)
                }
                let wall = ms(ContinuousClock.now - start) / 1000
                let engine = try await engineStats()
                return Round(
                    name: name, inFlight: inFlight, requests: count, wall: wall, meanLatency: total / Double(count),
                    engineBusy: engine.busy, engineWindow: engine.window)
            }
        }

        // The peer: the same request, pre-serialised, sent by a bare AsyncHTTPClient loop that only
        // collects the body: what any client must pay at least.
        func rawRound(_ name: String, inFlight: Int, count: Int) async throws -> Round {
            var config = HTTPClient.Configuration()
            config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: inFlight + 2)
            let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
            let body = chat.body(model: "bench", dialect: .vllm, reasoningEffort: .off).serialized()
            func once() async throws -> Double {
                let t0 = ContinuousClock.now
                var request = HTTPClientRequest(url: url + "/chat/completions")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
                let response = try await http.execute(request, timeout: .seconds(60))
                _ = try await response.body.collect(upTo: 1 << 20)
                return ms(ContinuousClock.now - t0)
            }
            do {
                for _ in 0..<inFlight { _ = try await once() }
                try await control.reset()
                let start = ContinuousClock.now
                // Workers, each sending back to back: the bound is the worker count.
                let total = try await withThrowingTaskGroup(of: Double.self) { group in
                    let perWorker = count / inFlight
                    for _ in 0..<inFlight {
                        group.addTask {
                            var sum = 0.0
                            for _ in 0..<perWorker { sum += try await once() }
                            return sum
                        }
                    }
                    return try await group.reduce(0, +)
                }
                let wall = ms(ContinuousClock.now - start) / 1000
                let engine = try await engineStats()
                try await http.shutdown()
                let done = count / inFlight * inFlight
                return Round(
                    name: name, inFlight: inFlight, requests: done, wall: wall, meanLatency: total / Double(done),
                    engineBusy: engine.busy, engineWindow: engine.window)
            } catch {
                try? await http.shutdown()
                throw error
            }
        }

        var rounds: [Round] = []
        // The client as configured by default for the local engine (maxInFlight 8, 4 slots): a small
        // queue at the engine, so a slot that frees has its next request already waiting.
        rounds.append(try await lectorRound("lector, in-flight = 2K", inFlight: 2 * slots, count: requests))
        // The strictest setting: never more requests than slots, every slot idles for a round trip.
        rounds.append(try await lectorRound("lector, in-flight = K", inFlight: slots, count: requests))
        rounds.append(try await rawRound("raw AsyncHTTPClient, K workers", inFlight: slots, count: requests))
        rounds.append(try await lectorRound("lector, sequential", inFlight: 1, count: sequential))
        rounds.append(try await rawRound("raw AsyncHTTPClient, sequential", inFlight: 1, count: sequential))
        try await control.shutdown()

        let capacity = Double(slots) / (serviceMs / 1000)
        func utilization(_ r: Round) -> Double { Double(r.requests) / r.wall / capacity }
        // Extra time a request spends beyond the service time, measured one at a time (no queueing).
        func overhead(_ r: Round) -> Double { r.meanLatency - serviceMs }

        print("engine benchmark: fake engine with K = \(slots) slots, service time \(Int(serviceMs)) ms, capacity \(fmt(capacity)) req/s")
        print(
            pad("round", 34) + pad("in-flight", 10) + pad("requests", 9) + pad("wall s", 8) + pad("req/s", 8)
                + pad("utilization", 12) + pad("engine busy", 12) + pad("latency ms", 11) + "over service ms")
        for r in rounds {
            let engineUtil = r.engineWindow > 0 ? r.engineBusy / (Double(slots) * r.engineWindow) : 0
            print(
                pad(r.name, 34) + pad("\(r.inFlight)", 10) + pad("\(r.requests)", 9) + pad(fmt(r.wall), 8)
                    + pad(fmt(Double(r.requests) / r.wall), 8) + pad(pct(utilization(r)), 12) + pad(pct(engineUtil), 12)
                    + (r.inFlight == 1 ? pad(fmt(r.meanLatency), 11) + fmt(overhead(r)) : pad("-", 11) + "-"))
        }
        let main = rounds[0]
        let strict = rounds[1]
        let raw = rounds[2]
        let seq = rounds[3]
        let rawSeq = rounds[4]
        print("utilization = achieved req/s / (K / service time); engine busy = slot time held / (K x engine window)")
        print("overhead = mean latency - service time with one request at a time (client + HTTP + fake server)")
        let result: JSONValue = [
            "utilization": .number(round4(utilization(main))),
            "in_flight": .number(Double(main.inFlight)),
            "utilization_in_flight_k": .number(round4(utilization(strict))),
            "raw_utilization": .number(round4(utilization(raw))),
            "overhead_ms_per_request": .number(round4(overhead(seq))),
            "raw_overhead_ms_per_request": .number(round4(overhead(rawSeq))),
            "overhead_vs_raw_ms": .number(round4(overhead(seq) - overhead(rawSeq))),
            "slots": .number(Double(slots)), "service_ms": .number(serviceMs), "requests": .number(Double(requests)),
        ]
        print("RESULT \(result.jsonText)")
    }
}

func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
func fmt(_ x: Double) -> String { String(format: "%.2f", x) }
func pct(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
func round4(_ x: Double) -> Double { (x * 10000).rounded() / 10000 }
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
