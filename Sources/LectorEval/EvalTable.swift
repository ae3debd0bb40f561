import Foundation

/// Plain-text tables of runs for people: one run's scores, a comparison, a list of runs.
public enum EvalTable {
    /// A run's header and its per-category scores.
    public static func render(_ run: EvalRun) -> String {
        var lines: [String] = []
        lines.append(
            "eval run \(run.id) (\(run.benchmark), \(run.labels)): scored \(run.documents) of \(run.documents + run.failures.count) contracts"
                + " (\(run.failures.count) failed), \(run.reusedAnalyses) analyses reused")
        lines.append("engine \(run.engineHost) (\(run.engineDialect)), model \(run.model)")
        lines.append("profile \(run.profile), prompt \(run.promptVersion), reasoning \(run.reasoningEffort)")
        let cost = run.costUSD.map { String(format: ", cost $%.4f", $0) } ?? ""
        lines.append("tokens in \(run.tokensIn), out \(run.tokensOut)\(cost), \(Int(run.finishedAt.timeIntervalSince(run.startedAt)))s")
        lines.append("")
        let header = [
            pad("CATEGORY", 34), lpad("LAB", 4), lpad("PRED", 5), lpad("TP", 4), lpad("PREC", 6), lpad("REC", 6), lpad("F1", 6),
            lpad("SPAN-R", 7), lpad("SPAN-P", 7), lpad("VALUE", 9), lpad("GROUND", 7),
        ]
        lines.append(header.joined(separator: " "))
        for score in run.categories + [run.overall] {
            let value = score.valuesComparable == 0 ? "-" : "\(score.valuesAgreed)/\(score.valuesComparable)"
            let row = [
                pad(score.category, 34), lpad("\(score.labelled)", 4), lpad("\(score.predicted)", 5),
                lpad("\(score.truePositives)", 4), lpad(ratio(score.precision), 6), lpad(ratio(score.recall), 6),
                lpad(ratio(score.f1), 6), lpad(ratio(score.spanRecall), 7), lpad(ratio(score.spanPrecision), 7),
                lpad(value, 9), lpad(ratio(score.grounding), 7),
            ]
            lines.append(row.joined(separator: " "))
        }
        for failure in run.failures {
            lines.append("failed: \(failure.file): \(failure.reason.split(whereSeparator: \.isNewline).joined(separator: " ").prefix(160))")
        }
        let kinds = ["exact", "normalized", "approximate", "not_found", "too_short"]
        let byKind = kinds.map { "\($0) \(run.overall.quotesByMatch[$0] ?? 0)" }.joined(separator: ", ")
        lines.append("quotes by grounding: \(byKind) (only exact and normalized are verified)")
        lines.append("")
        lines.append("LAB/PRED/TP: contracts labelled / found present / both. SPAN-R: labelled spans a quote matches; SPAN-P: quotes")
        lines.append("matching a labelled span (CUAD: Jaccard >= 0.5). VALUE: agreeing normalised values / comparable labels.")
        lines.append("GROUND: quotes verified in the page text. '-': undefined (nothing to divide by).")
        return lines.joined(separator: "\n")
    }

    /// Per-category deltas of two runs (after minus before), in points.
    public static func render(_ comparison: EvalComparison) -> String {
        var lines: [String] = []
        for (label, run) in [("before", comparison.before), ("after", comparison.after)] {
            lines.append("\(label): run \(run.id): \(run.model) on \(run.engineHost), profile \(run.profile), prompt \(run.promptVersion), reasoning \(run.reasoningEffort), \(run.documents) contracts, tokens \(run.tokensIn)/\(run.tokensOut)")
        }
        lines.append("")
        let names = ["PREC", "REC", "F1", "SPAN-R", "SPAN-P", "VALUE", "GROUND"]
        lines.append(([pad("CATEGORY", 34)] + names.map { lpad($0, 14) }).joined(separator: " "))
        for row in comparison.rows {
            var cells = [pad(row.category, 34)]
            for metric in EvalComparison.metrics {
                let before = row.before?[keyPath: metric.path]
                let after = row.after?[keyPath: metric.path]
                let delta = row.delta(metric.path).map { String(format: "%+.0f", $0 * 100) } ?? "  "
                cells.append(lpad("\(ratio(before))>\(ratio(after)) \(delta)", 14))
            }
            lines.append(cells.joined(separator: " "))
        }
        lines.append("")
        lines.append("Each cell: before>after and the change in points (after minus before).")
        return lines.joined(separator: "\n")
    }

    /// One line per run.
    public static func render(list runs: [EvalRun]) -> String {
        var lines = [
            [pad("ID", 6), pad("FINISHED", 17), pad("PROFILE", 16), pad("PROMPT", 18), pad("REASONING", 10), pad("MODEL", 28), lpad("DOCS", 5), lpad("F1", 6), lpad("SPAN-R", 7), lpad("VALUE", 6)].joined(separator: " ")
        ]
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd HH:mm"
        format.timeZone = TimeZone(identifier: "UTC")
        for run in runs {
            lines.append(
                [
                    pad("\(run.id)", 6), pad(format.string(from: run.finishedAt), 17), pad(run.profile, 16),
                    pad(run.promptVersion, 18), pad(run.reasoningEffort, 10), pad(run.model, 28),
                    lpad("\(run.documents)", 5), lpad(ratio(run.overall.f1), 6), lpad(ratio(run.overall.spanRecall), 7),
                    lpad(ratio(run.overall.valueAgreement), 6),
                ].joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    /// A ratio as a percentage with no decimals, `-` when undefined.
    static func ratio(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.0f%%", value * 100)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }

    static func lpad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
