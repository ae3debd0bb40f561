import ArgumentParser
import Foundation
import LectorBatch

enum BatchStatusText {
    static func describe(_ s: BatchStatus) -> String {
        var lines = [
            "batch \(s.id) \(s.name): \(s.state)\(s.scheduledFor.map { " (tick \(iso($0)))" } ?? "")",
            "  documents: \(s.selected) taken, \(s.done) done, \(s.failed) failed, \(s.pending) pending, \(s.skipped) skipped, \(s.deferred) deferred by limits",
            "  tokens: \(s.tokensIn) in, \(s.tokensOut) out (estimated \(s.estimatedTokens)); cost $\(money(s.costUSD)) (estimated $\(money(s.estimatedCostUSD)))",
            "  started \(iso(s.createdAt))\(s.finishedAt.map { ", finished \(iso($0))" } ?? "")",
        ]
        if let error = s.error { lines.append("  error: \(error)") }
        if let summary = s.summary { lines.append("  summary: \(summary)") }
        return lines.joined(separator: "\n")
    }
}

func money(_ value: Double) -> String { String(format: "%.4f", value) }

func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

/// Pretty, sorted JSON with ISO 8601 dates on standard output.
func printEncoded<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self))
}
