import Foundation

/// Plain-text tables of runs for people: one run's scores, a comparison, a list of runs.
public enum EvalTable {
    /// A run's header, its overall figures (with bootstrap intervals when given), per-category scores
    /// and failures.
    public static func render(_ run: EvalRun, intervals: [Bootstrap.Estimate] = []) -> String {
        var lines: [String] = []
        let total = run.documents + run.failures.count
        let chosen = run.selection?.summary ?? "\(total) contracts"
        lines.append(
            "eval run \(run.id) (\(run.benchmark), \(run.labels)): \(chosen); \(run.documents) analysed, "
                + "\(run.failures.count) failed (scored as misses), \(run.reusedAnalyses) analyses reused")
        lines.append("engine \(run.engineHost) (\(run.engineDialect)), model \(run.model)")
        lines.append("profile \(run.profile), prompt \(run.promptVersion), reasoning \(run.reasoningEffort)")
        let cost = run.costUSD.map { String(format: ", cost $%.4f", $0) } ?? ""
        lines.append("tokens in \(run.tokensIn), out \(run.tokensOut)\(cost), \(Int(run.finishedAt.timeIntervalSince(run.startedAt)))s")
        if let reach = reachLine(run) { lines.append(reach) }
        lines.append("")
        lines.append(contentsOf: overallLines(run.overall, intervals: intervals))
        lines.append("")
        let header = [
            pad("CATEGORY", 32), lpad("LAB", 4), lpad("PRED", 5), lpad("TP", 4), lpad("PREC", 5), lpad("REC", 5), lpad("F1", 5),
            lpad("S-TP", 5), lpad("S-FP", 5), lpad("S-FN", 5), lpad("S-PREC", 7), lpad("S-REC", 6), lpad("OUT", 5),
            lpad("AUPR", 5), lpad("VALUE", 7), lpad("GROUND", 7),
        ]
        lines.append(header.joined(separator: " "))
        for score in run.categories + [run.overall] {
            let value = score.valuesComparable == 0 ? "-" : "\(score.valuesAgreed)/\(score.valuesComparable)"
            let row = [
                pad(score.category, 32), lpad("\(score.labelled)", 4), lpad("\(score.predicted)", 5),
                lpad("\(score.truePositives)", 4), lpad(ratio(score.precision), 5), lpad(ratio(score.recall), 5),
                lpad(ratio(score.f1), 5), lpad("\(score.spanTruePositives)", 5), lpad("\(score.spanFalsePositives)", 5),
                lpad("\(score.spanFalseNegatives)", 5), lpad(ratio(score.spanPrecision), 7), lpad(ratio(score.spanRecall), 6),
                lpad(ratio(score.unreachableShare), 5), lpad(ratio(score.aupr), 5), lpad(value, 7), lpad(ratio(score.grounding), 7),
            ]
            lines.append(row.joined(separator: " "))
        }
        lines.append("")
        lines.append(contentsOf: failureLines(run))
        let kinds = ["exact", "normalized", "approximate", "not_found", "too_short"]
        let byKind = kinds.map { "\($0) \(run.overall.quotesByMatch[$0] ?? 0)" }.joined(separator: ", ")
        lines.append("quotes by grounding: \(byKind) (only exact and normalized are verified)")
        lines.append("")
        lines.append("LAB/PRED/TP: contracts labelled / found present / both (a failed contract is found absent). S-TP/S-FP/S-FN:")
        lines.append("labelled spans a quote matches / quotes matching no labelled span / labelled spans unmatched (CUAD: word-set")
        lines.append("Jaccard >= 0.5; Parties also when the label is inside the quote). OUT: labelled spans beyond the quote limits.")
        lines.append("AUPR: area under CUAD's precision-recall curve over the findings' confidences. VALUE: agreeing normalised")
        lines.append("values / comparable labels. GROUND: quotes verified in the page text. '-': undefined (nothing to divide by).")
        return lines.joined(separator: "\n")
    }

    /// The reach of the quote limits, one line.
    static func reachLine(_ run: EvalRun) -> String? {
        guard let limits = run.quoteLimits, let unreachable = run.overall.unreachableShare,
            let reachable = run.overall.reachableSpans
        else { return nil }
        return "quote limits \(limits.maxQuotes) per finding, \(limits.maxQuoteLength) characters: "
            + "\(run.overall.labelledSpans - reachable) of \(run.overall.labelledSpans) labelled spans (\(percent(unreachable, 1))) "
            + "out of reach; span recall cannot exceed \(percent(1 - unreachable, 1))"
    }

    /// The overall figures, with intervals when given.
    static func overallLines(_ overall: CategoryScore, intervals: [Bootstrap.Estimate]) -> [String] {
        func figure(_ name: String, _ value: Double?) -> String {
            let interval = intervals.estimate(name).flatMap { estimate -> String? in
                guard let lower = estimate.lower, let upper = estimate.upper else { return nil }
                return " [\(percent(lower, 1)), \(percent(upper, 1))]"
            }
            return percent(value, 1) + (interval ?? "")
        }
        var lines = [
            "presence: precision \(figure("precision", overall.precision)), recall \(figure("recall", overall.recall)), "
                + "F1 \(figure("f1", overall.f1))",
            "spans: TP \(overall.spanTruePositives), FP \(overall.spanFalsePositives), FN \(overall.spanFalseNegatives); "
                + "precision \(figure("span_precision", overall.spanPrecision)), recall \(figure("span_recall", overall.spanRecall)), "
                + "F1 \(figure("span_f1", overall.spanF1))",
            "curve: AUPR \(figure("aupr", overall.aupr)), precision at 80% recall \(figure("precision_at_80_recall", overall.precisionAt80Recall)), "
                + "at 90% recall \(figure("precision_at_90_recall", overall.precisionAt90Recall))",
        ]
        if let widest = intervals.map(\.defined).max(), widest > 0 {
            lines.append("[..]: bootstrap 95% intervals over contracts (\(widest) resamples)")
        }
        return lines
    }

    /// How many contracts failed, by kind, then each.
    static func failureLines(_ run: EvalRun) -> [String] {
        guard !run.failures.isEmpty else { return ["failures: none"] }
        let kinds = run.failuresByKind.map { "\($0.kind) \($0.count)" }.joined(separator: ", ")
        var lines = ["failures: \(run.failures.count) of \(run.documents + run.failures.count) contracts (\(kinds)), each a miss in every labelled category"]
        for failure in run.failures {
            lines.append("  \(failure.file): \(failure.reason.split(whereSeparator: \.isNewline).joined(separator: " ").prefix(160))")
        }
        return lines
    }

    /// Two runs: what was aligned and dropped, per-category F1 differences with intervals, the overall
    /// figures' differences with intervals.
    public static func render(_ comparison: EvalComparison) -> String {
        var lines: [String] = []
        for (label, run) in [("before", comparison.before), ("after", comparison.after)] {
            let limits = run.quoteLimits.map { ", quotes \($0.maxQuotes)x\($0.maxQuoteLength)" } ?? ""
            lines.append(
                "\(label): run \(run.id): \(run.model) on \(run.engineHost), profile \(run.profile), prompt \(run.promptVersion), "
                    + "reasoning \(run.reasoningEffort), \(run.contracts) contracts (\(run.failed) failed), tokens \(run.tokensIn)/\(run.tokensOut)\(limits)")
        }
        if comparison.aligned {
            lines.append(
                "compared on the \(comparison.contracts) contracts both runs scored; dropped \(comparison.onlyBefore.count) scored only "
                    + "before, \(comparison.onlyAfter.count) only after")
            if !comparison.onlyBefore.isEmpty { lines.append("  only before: \(list(comparison.onlyBefore))") }
            if !comparison.onlyAfter.isEmpty { lines.append("  only after: \(list(comparison.onlyAfter))") }
            if !comparison.unsharedCategories.isEmpty {
                lines.append("  categories in one run only (left out of overall): \(comparison.unsharedCategories.joined(separator: ", "))")
            }
        } else {
            lines.append("not aligned: a run was stored before per-contract scores were kept; stored figures, no intervals")
        }
        if comparison.before.quoteLimits != comparison.after.quoteLimits {
            lines.append("  the quote limits differ: span recall is capped differently")
        }
        lines.append("")
        lines.append(
            [pad("CATEGORY", 32), lpad("F1", 12), lpad("CHANGE [95% INTERVAL]", 24), lpad("S-REC", 12), lpad("AUPR", 12), lpad("VALUE", 12)]
                .joined(separator: " "))
        for row in comparison.rows where row.category != "overall" {
            var change = row.delta(\.f1).map { points($0) } ?? "-"
            if let estimate = row.f1Difference, let lower = estimate.lower, let upper = estimate.upper {
                change += " [\(points(lower)), \(points(upper))]" + (estimate.excludesZero ? " *" : "  ")
            }
            lines.append(
                [
                    pad(row.category, 32), lpad(pair(row, \.f1), 12), lpad(change, 24), lpad(pair(row, \.spanRecall), 12),
                    lpad(pair(row, \.aupr), 12), lpad(pair(row, \.valueAgreement), 12),
                ].joined(separator: " "))
        }
        lines.append("")
        if let overall = comparison.rows.last {
            lines.append([pad("OVERALL", 24), lpad("BEFORE", 8), lpad("AFTER", 8), lpad("CHANGE [95% INTERVAL]", 26)].joined(separator: " "))
            let paths: [String: KeyPath<CategoryScore, Double?>] = [
                "precision": \.precision, "recall": \.recall, "f1": \.f1, "span_precision": \.spanPrecision,
                "span_recall": \.spanRecall, "span_f1": \.spanF1, "aupr": \.aupr,
                "precision_at_80_recall": \.precisionAt80Recall, "precision_at_90_recall": \.precisionAt90Recall,
            ]
            for name in Bootstrap.overallFigures {
                guard let path = paths[name] else { continue }
                var change = overall.delta(path).map { points($0) } ?? "-"
                if let estimate = comparison.overall.estimate(name), let lower = estimate.lower, let upper = estimate.upper {
                    change += " [\(points(lower)), \(points(upper))]" + (estimate.excludesZero ? " *" : "  ")
                }
                lines.append(
                    [
                        pad(name, 24), lpad(percent(overall.before?[keyPath: path], 1), 8),
                        lpad(percent(overall.after?[keyPath: path], 1), 8), lpad(change, 26),
                    ].joined(separator: " "))
            }
        }
        lines.append("")
        lines.append("Changes in points, after minus before. [..]: paired bootstrap 95% interval over the shared contracts")
        lines.append("(\(comparison.resamples) resamples, seed \(comparison.seed)); *: the interval excludes 0.")
        return lines.joined(separator: "\n")
    }

    /// One line per run.
    public static func render(list runs: [EvalRun]) -> String {
        var lines = [
            [
                pad("ID", 6), pad("FINISHED", 17), pad("PROFILE", 16), pad("PROMPT", 18), pad("REASONING", 10), pad("MODEL", 28),
                lpad("DOCS", 5), lpad("FAIL", 5), lpad("F1", 6), lpad("SPAN-R", 7), lpad("AUPR", 6),
            ].joined(separator: " ")
        ]
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd HH:mm"
        format.timeZone = TimeZone(identifier: "UTC")
        for run in runs {
            lines.append(
                [
                    pad("\(run.id)", 6), pad(format.string(from: run.finishedAt), 17), pad(run.profile, 16),
                    pad(run.promptVersion, 18), pad(run.reasoningEffort, 10), pad(run.model, 28),
                    lpad("\(run.documents + run.failures.count)", 5), lpad("\(run.failures.count)", 5), lpad(ratio(run.overall.f1), 6),
                    lpad(ratio(run.overall.spanRecall), 7), lpad(ratio(run.overall.aupr), 6),
                ].joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    static func pair(_ row: EvalComparison.Row, _ path: KeyPath<CategoryScore, Double?>) -> String {
        "\(ratio(row.before?[keyPath: path]))>\(ratio(row.after?[keyPath: path]))"
    }

    static func list(_ names: [String]) -> String {
        names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", ... (\(names.count - 5) more)" : "")
    }

    /// A ratio as a percentage with no decimals, `-` when undefined.
    static func ratio(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.0f%%", value * 100)
    }

    /// A ratio as a percentage with `decimals`, `-` when undefined.
    static func percent(_ value: Double?, _ decimals: Int) -> String {
        guard let value else { return "-" }
        return String(format: "%.\(decimals)f%%", value * 100)
    }

    /// A difference of ratios in signed points.
    static func points(_ value: Double) -> String { String(format: "%+.1f", value * 100) }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }

    static func lpad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
