import AsyncHTTPClient
import Foundation
import LectorEngine
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The batching benchmark: a continuous-batching fake engine of N sequences, driven by one process
/// with a backlog of requests (as a worker with many documents), through Lector's engine client with
/// default settings (the adaptive limit), and, as the peer in the same run, through the old fixed loop
/// (8 requests in flight, the former default).
enum BatchingBench {
    struct Sample {
        var t: Double  // seconds since the round started
        var running: Int
        var completed: Int
        var rejected: Int
        var waiting: Int
        var limit: Int
    }

    /// The sampler's shared state.
    final class SampleLog: Sendable {
        let done = Atomic<Bool>(false)
        let samples = Mutex<[Sample]>([])
    }

    struct Round {
        var name: String
        var requests: Int
        var wall: Double
        var samples: [Sample]
        var busyMs: Double
        var windowMs: Double
        var completed: Int
        var rejected: Int
        var finalLimit: Int?
        var decreases: Int?
    }

    static func run(url: String, sequences: Int, requests: Int, peerRequests: Int, logger: Logger) async throws {
        let control = FakeEngineControl(baseURL: url)
        // Streamed, as the analyzer sends every request.
        let chat = FakeEngineControl.probe(stream: true)

        func round(_ name: String, configuration: EngineConfiguration, count: Int) async throws -> Round {
            try await EngineClient.withClient(configuration: configuration, logger: logger) { client in
                try await control.reset()
                let start = ContinuousClock.now
                let log = SampleLog()
                return try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        while !log.done.load(ordering: .relaxed) {
                            let json = try await control.stats()
                            let sample = Sample(
                                t: ms(ContinuousClock.now - start) / 1000, running: json["running"]?.intValue ?? 0,
                                completed: json["completed"]?.intValue ?? 0, rejected: json["rejected"]?.intValue ?? 0,
                                waiting: json["waiting"]?.intValue ?? 0, limit: client.inFlightLimit.limit)
                            log.samples.withLock { $0.append(sample) }
                            try await Task.sleep(for: .milliseconds(200))
                        }
                    }
                    // The whole backlog at once, as a worker with many documents submits them; the client's
                    // limit decides how many reach the engine.
                    try await withThrowingTaskGroup(of: Void.self) { requests in
                        for _ in 0..<count {
                            requests.addTask {
                                let response = try await client.complete(chat)
                                precondition(response.json?["ok"] == true)
                            }
                        }
                        try await requests.waitForAll()
                    }
                    let wall = ms(ContinuousClock.now - start) / 1000
                    log.done.store(true, ordering: .relaxed)
                    try await group.waitForAll()
                    let json = try await control.stats()
                    let limit = client.inFlightLimit
                    return Round(
                        name: name, requests: count, wall: wall, samples: log.samples.withLock { $0 },
                        busyMs: json["busy_ms"]?.doubleValue ?? 0, windowMs: json["window_ms"]?.doubleValue ?? 0,
                        completed: json["completed"]?.intValue ?? 0, rejected: json["rejected"]?.intValue ?? 0,
                        finalLimit: limit.limit, decreases: limit.decreases)
                }
            }
        }

        var lector = EngineConfiguration(url: url, model: "bench", dialect: .vllm)
        lector.retry = RetryPolicy()  // the default: 429s are retried after Retry-After
        let main = try await round("lector, default settings (adaptive)", configuration: lector, count: requests)
        let peerConfiguration = EngineConfiguration(
            url: url, model: "bench", dialect: .vllm, maxInFlight: 8, initialInFlight: 8, adaptiveInFlight: false)
        let peer = try await round("peer: the old fixed loop (8 in flight)", configuration: peerConfiguration, count: peerRequests)
        try await control.shutdown()

        // Time to reach: the first moment the sequences running, averaged over the last 2 s, reach 90 %.
        func reach(_ r: Round) -> Sample? {
            for (index, sample) in r.samples.enumerated() {
                let recent = r.samples[..<(index + 1)].filter { $0.t > sample.t - 2 }
                guard sample.t >= 2, !recent.isEmpty else { continue }
                let mean = Double(recent.map(\.running).reduce(0, +)) / Double(recent.count)
                if mean >= 0.9 * Double(sequences) { return sample }
            }
            return nil
        }
        // Steady state: from reaching it (or from 2 s) until the backlog left is under two batches.
        func steady(_ r: Round, from: Double) -> [Sample] {
            let drain = 2 * min(sequences, r.finalLimit ?? sequences)
            return r.samples.filter { $0.t >= from && $0.completed <= r.requests - drain }
        }
        func utilization(_ samples: [Sample]) -> Double {
            samples.isEmpty ? 0 : Double(samples.map(\.running).reduce(0, +)) / Double(samples.count) / Double(sequences)
        }
        let reached = reach(main)
        let mainSteady = steady(main, from: reached?.t ?? 2)
        let peerSteady = steady(peer, from: 2)
        let overall = main.windowMs > 0 ? main.busyMs / (Double(sequences) * main.windowMs) : 0
        let peerOverall = peer.windowMs > 0 ? peer.busyMs / (Double(sequences) * peer.windowMs) : 0
        // The limit settles when slow start ends: the first sample whose limit is below the highest so far.
        var highest = 0
        let settled = main.samples.first { sample in
            defer { highest = max(highest, sample.limit) }
            return sample.limit < highest
        }
        func refusals(after sample: Sample?) -> (rejected: Int, total: Int, share: Double) {
            guard let sample else { return (0, 0, 0) }
            let rejected = main.rejected - sample.rejected
            let total = rejected + main.completed - sample.completed
            return (rejected, total, total > 0 ? Double(rejected) / Double(total) : 0)
        }
        let afterReach = refusals(after: reached)
        let afterSettling = refusals(after: settled)
        let rejectedAfter = afterSettling.rejected
        let rateAfter = afterSettling.share

        print("engine benchmark (batching): fake engine with \(sequences) sequences; one process, a backlog of requests")
        print(pad("round", 42) + pad("requests", 9) + pad("wall s", 8) + pad("req/s", 8) + pad("steady util", 12) + pad("overall util", 13) + pad("429s", 6) + "final limit")
        for (r, s, o) in [(main, mainSteady, overall), (peer, peerSteady, peerOverall)] {
            print(
                pad(r.name, 42) + pad("\(r.requests)", 9) + pad(fmt(r.wall), 8) + pad(fmt(Double(r.requests) / r.wall), 8)
                    + pad(pct(utilization(s)), 12) + pad(pct(o), 13) + pad("\(r.rejected)", 6) + "\(r.finalLimit ?? 0)")
        }
        print("timeline of the adaptive round (every 2 s): t s, running, queued in the engine, client limit, 429s so far")
        var next = 0.0
        var line: [String] = []
        for sample in main.samples where sample.t >= next {
            line.append("\(Int(sample.t.rounded())):\(sample.running)/\(sample.waiting)/\(sample.limit)/\(sample.rejected)")
            next = sample.t + 2
        }
        print("  " + line.joined(separator: " "))
        print("steady util = mean sequences running / \(sequences), sampled every 200 ms from reaching 90 % until under two batches remain")
        print("time to reach 90 % (2 s mean): \(reached.map { fmt($0.t) + " s" } ?? "never"); 429s after it: \(afterReach.rejected) of \(afterReach.total) (\(pct(afterReach.share)))")
        print("the limit settled (slow start ended) at \(settled.map { fmt($0.t) + " s" } ?? "never"); 429s after it: \(afterSettling.rejected) of \(afterSettling.total) (\(pct(rateAfter)))")
        let result: JSONValue = [
            "mode": "batching",
            "sequences": .number(Double(sequences)),
            "utilization": .number(round4(utilization(mainSteady))),
            "utilization_overall": .number(round4(overall)),
            "seconds_to_90pct": reached.map { .number(round4($0.t)) } ?? .null,
            "rate_limited": .number(Double(main.rejected)),
            "rate_limited_after_90pct": .number(Double(afterReach.rejected)),
            "seconds_to_settle": settled.map { .number(round4($0.t)) } ?? .null,
            "rate_limited_after_settling": .number(Double(rejectedAfter)),
            "rate_limited_after_settling_share": .number(round4(rateAfter)),
            "final_limit": .number(Double(main.finalLimit ?? 0)),
            "limit_decreases": .number(Double(main.decreases ?? 0)),
            "peer_utilization": .number(round4(utilization(peerSteady))),
            "peer_utilization_overall": .number(round4(peerOverall)),
            "requests": .number(Double(requests)),
            "peer_requests": .number(Double(peerRequests)),
        ]
        print("RESULT \(result.jsonText)")
    }
}
