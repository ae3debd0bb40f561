import Foundation

/// `lector eval report RUN --html FILE`: one run as a single self-contained HTML file (inline CSS and
/// SVG, no script, nothing fetched: its Content-Security-Policy forbids any load), for people deciding
/// whether a setting is good enough: the overall figures with bootstrap intervals, per-category bars
/// (presence F1 with its interval, span recall against the quote limits' cap), CUAD's precision-recall
/// curve, the failures, and the full table.
public enum EvalReportHTML {
    /// The page for `run`, with `intervals` from ``Bootstrap/intervals(_:categories:)`` (empty: none).
    public static func render(_ run: EvalRun, intervals: [Bootstrap.Estimate]) -> String {
        let overall = run.overall
        let total = run.documents + run.failures.count
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        format.timeZone = TimeZone(identifier: "UTC")
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Lector evaluation run \(run.id)</title>
            <style>\(style)</style>
            </head>
            <body>
            <header>
            <h1>CUAD evaluation <span class="muted">run \(run.id)</span></h1>
            <p class="meta">\(escape(run.model)) on \(escape(run.engineHost)) (\(escape(run.engineDialect))) · profile <b>\(escape(run.profile))</b> · prompt \(escape(run.promptVersion)) · reasoning \(escape(run.reasoningEffort)) · \(escape(format.string(from: run.finishedAt)))</p>
            <p class="meta">\(escape(run.selection?.summary ?? "\(total) contracts")) · labels \(escape(run.labels)) · tokens \(run.tokensIn) in, \(run.tokensOut) out\(run.costUSD.map { String(format: " · $%.2f", $0) } ?? "")</p>
            </header>
            <section class="cards">

            """
        html += card("Presence F1", overall.f1, intervals.estimate("f1"), note: "P \(pct(overall.precision)) · R \(pct(overall.recall))")
        let cap = overall.unreachableShare.map { "at most \(pct(1 - $0)) reachable" } ?? "reach not measured"
        html += card("Span recall", overall.spanRecall, intervals.estimate("span_recall"), note: cap)
        html += card(
            "Span precision", overall.spanPrecision, intervals.estimate("span_precision"),
            note: "TP \(overall.spanTruePositives) · FP \(overall.spanFalsePositives) · FN \(overall.spanFalseNegatives)")
        html += card("AUPR", overall.aupr, intervals.estimate("aupr"), note: "CUAD's DeBERTa-xlarge: 47.8%")
        html += card(
            "Precision at 80% recall", overall.precisionAt80Recall, intervals.estimate("precision_at_80_recall"),
            note: "at 90%: \(pct(overall.precisionAt90Recall))")
        html += """
            <div class="card\(run.failures.isEmpty ? "" : " bad")"><div class="label">Failed contracts</div><div class="value">\(run.failures.count)<span class="of"> of \(total)</span></div><div class="note">each a miss in every labelled category</div></div>
            </section>
            <main>
            <section class="left">
            <h2>By category</h2>
            <p class="legend"><span class="swatch f1"></span>presence F1 with its 95% interval <span class="swatch span"></span>span recall <span class="swatch cap"></span>the quote limits' cap</p>
            \(categoryBars(run, intervals: intervals))
            </section>
            <section class="right">
            <h2>Precision-recall curve (spans)</h2>
            \(curveSVG(run))
            <p class="small">CUAD's curve: predictions are the quotes of findings whose confidence exceeds each threshold
            (0.99 down to 0); precision interpolated as the best at that recall or beyond. Shaded: AUPR \(pct(overall.aupr)).</p>
            <h2>Failures</h2>
            \(failures(run))
            </section>
            </main>
            <section class="scores">
            <h2>Scores</h2>
            \(table(run))
            <p class="small">Presence: a contract counts when its labels are non-empty (LAB) and when the finding says present (PRED).
            Spans (CUAD): a quote matches a labelled span when their word sets have Jaccard ≥ 0.5 (lower case, without . , ; :,
            / as a space); for Parties also when the label is inside the quote. S-TP: labelled spans matched; S-FP: quotes matching
            no label; S-FN: labelled spans unmatched. Out of reach: labelled spans the profile's quote limits cannot cover
            (\(run.quoteLimits.map { "\($0.maxQuotes) quotes of \($0.maxQuoteLength) characters per finding" } ?? "not measured")).
            Intervals: bootstrap over contracts, 95%. Definitions in full: the README, section Evaluation.</p>
            </section>
            </body>
            </html>

            """
        return html
    }

    static let style = """
        :root { --ink: #1d2433; --muted: #667085; --line: #e4e7ec; --f1: #2f6fdf; --span: #12a594; --cap: #d9480f; --bad: #c92a2a; }
        * { box-sizing: border-box; }
        body { margin: 0; padding: 20px 28px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #f7f8fa; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 18px 0 8px; }
        .muted, .meta, .small, .note, .legend { color: var(--muted); }
        .meta { margin: 2px 0; } .small { font-size: 12px; }
        .cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; margin: 16px 0 6px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
        .card.bad { border-color: var(--bad); }
        .card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
        .card .value { font-size: 26px; font-weight: 650; } .card .of { font-size: 14px; color: var(--muted); font-weight: 400; }
        .card .ci { font-size: 12px; color: var(--muted); } .card .note { font-size: 12px; }
        main { display: grid; grid-template-columns: 700px minmax(0, 1fr); gap: 24px; }
        @media print { body { background: #fff; padding: 0; } .cards { grid-template-columns: repeat(3, 1fr); } main { grid-template-columns: minmax(0, 1fr); } section { break-inside: avoid; } }
        section.left, section.right, section.scores { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 4px 16px 14px; }
        section.scores { margin-top: 24px; }
        .legend .swatch { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 12px; border-radius: 2px; }
        .swatch.f1 { background: var(--f1); } .swatch.span { background: var(--span); } .swatch.cap { background: var(--cap); width: 3px; }
        svg text { font-family: inherit; fill: var(--ink); }
        table { border-collapse: collapse; width: 100%; font-size: 12px; font-variant-numeric: tabular-nums; }
        th, td { padding: 3px 6px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; } tr.overall td { font-weight: 650; border-top: 2px solid var(--ink); }
        .fail-kind { font-weight: 600; } ul.failures { margin: 4px 0; padding-left: 18px; font-size: 12px; } ul.failures li { margin: 2px 0; word-break: break-all; }
        .ok { color: #2b8a3e; }
        """

    static func card(_ label: String, _ value: Double?, _ estimate: Bootstrap.Estimate?, note: String) -> String {
        var interval = ""
        if let lower = estimate?.lower, let upper = estimate?.upper { interval = "95%: \(pct(lower))–\(pct(upper))" }
        return """
            <div class="card"><div class="label">\(escape(label))</div><div class="value">\(pct(value))</div><div class="ci">\(interval)</div><div class="note">\(escape(note))</div></div>

            """
    }

    /// Per category: presence F1 with its interval, span recall with the cap.
    static func categoryBars(_ run: EvalRun, intervals: [Bootstrap.Estimate]) -> String {
        let rowHeight = 26.0, labelWidth = 236.0, barWidth = 300.0, top = 22.0
        let height = top + rowHeight * Double(run.categories.count) + 8
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="660" height="\(fmt(height))" role="img" aria-label="Per-category presence F1 and span recall">

            """
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let x = labelWidth + tick * barWidth
            svg += """
                <line x1="\(fmt(x))" y1="\(fmt(top - 4))" x2="\(fmt(x))" y2="\(fmt(height - 6))" stroke="#e4e7ec"/>
                <text x="\(fmt(x))" y="\(fmt(top - 8))" font-size="10" text-anchor="middle" fill="#667085">\(Int(tick * 100))%</text>

                """
        }
        for (index, score) in run.categories.enumerated() {
            let y = top + rowHeight * Double(index)
            let name = score.cuadName ?? score.category
            svg += """
                <text x="\(fmt(labelWidth - 8))" y="\(fmt(y + 12))" font-size="11" text-anchor="end">\(escape(String(name.prefix(38))))</text>

                """
            if let f1 = score.f1 {
                svg += """
                    <rect x="\(fmt(labelWidth))" y="\(fmt(y + 3))" width="\(fmt(max(1, f1 * barWidth)))" height="10" rx="2" fill="#2f6fdf"/>

                    """
            } else {
                svg += """
                    <text x="\(fmt(labelWidth + 4))" y="\(fmt(y + 12))" font-size="10" fill="#667085">F1 undefined (\(score.labelled == 0 ? "no labels" : "nothing found"))</text>

                    """
            }
            if let estimate = intervals.estimate("f1", category: score.category), let lower = estimate.lower,
                let upper = estimate.upper
            {
                let x1 = labelWidth + lower * barWidth, x2 = labelWidth + upper * barWidth
                svg += """
                    <line x1="\(fmt(x1))" y1="\(fmt(y + 8))" x2="\(fmt(x2))" y2="\(fmt(y + 8))" stroke="#1d2433" stroke-width="1.2"/>
                    <line x1="\(fmt(x1))" y1="\(fmt(y + 4))" x2="\(fmt(x1))" y2="\(fmt(y + 12))" stroke="#1d2433" stroke-width="1.2"/>
                    <line x1="\(fmt(x2))" y1="\(fmt(y + 4))" x2="\(fmt(x2))" y2="\(fmt(y + 12))" stroke="#1d2433" stroke-width="1.2"/>

                    """
            }
            if let recall = score.spanRecall {
                svg += """
                    <rect x="\(fmt(labelWidth))" y="\(fmt(y + 15))" width="\(fmt(max(1, recall * barWidth)))" height="6" rx="1" fill="#12a594"/>

                    """
            }
            if let unreachable = score.unreachableShare, unreachable > 0 {
                let x = labelWidth + (1 - unreachable) * barWidth
                svg += """
                    <line x1="\(fmt(x))" y1="\(fmt(y + 13))" x2="\(fmt(x))" y2="\(fmt(y + 23))" stroke="#d9480f" stroke-width="2.5"/>

                    """
            }
            svg += """
                <text x="\(fmt(labelWidth + barWidth + 8))" y="\(fmt(y + 12))" font-size="10">F1 \(pct(score.f1)) (\(score.truePositives)/\(score.labelled))</text>
                <text x="\(fmt(labelWidth + barWidth + 8))" y="\(fmt(y + 22))" font-size="9" fill="#667085">spans \(score.spanTruePositives)/\(score.labelledSpans)</text>

                """
        }
        return svg + "</svg>"
    }

    /// The overall curve: interpolated precision over recall, the raw points, AUPR shaded, the
    /// 80%/90% recall lines and the quote limits' cap.
    static func curveSVG(_ run: EvalRun) -> String {
        let curve = PrecisionRecallCurve(outcomes: run.contracts.flatMap { contract in
            run.categories.map { contract[$0.category] }
        })
        let left = 52.0, top = 14.0, size = 300.0, width = 470.0, height = top + size + 46
        func x(_ recall: Double) -> Double { left + recall * size }
        func y(_ precision: Double) -> Double { top + (1 - precision) * size }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(width))" height="\(fmt(height))" role="img" aria-label="Precision-recall curve">
            <rect x="\(fmt(left))" y="\(fmt(top))" width="\(fmt(size))" height="\(fmt(size))" fill="#fbfcfd" stroke="#98a2b3"/>

            """
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            svg += """
                <line x1="\(fmt(x(tick)))" y1="\(fmt(top))" x2="\(fmt(x(tick)))" y2="\(fmt(top + size))" stroke="#eef0f3"/>
                <line x1="\(fmt(left))" y1="\(fmt(y(tick)))" x2="\(fmt(left + size))" y2="\(fmt(y(tick)))" stroke="#eef0f3"/>
                <text x="\(fmt(x(tick)))" y="\(fmt(top + size + 14))" font-size="10" text-anchor="middle" fill="#667085">\(Int((tick * 100).rounded()))%</text>
                <text x="\(fmt(left - 6))" y="\(fmt(y(tick) + 3))" font-size="10" text-anchor="end" fill="#667085">\(Int((tick * 100).rounded()))%</text>

                """
        }
        svg += """
            <text x="\(fmt(left + size / 2))" y="\(fmt(top + size + 32))" font-size="11" text-anchor="middle">recall</text>
            <text x="14" y="\(fmt(top + size / 2))" font-size="11" text-anchor="middle" transform="rotate(-90 14 \(fmt(top + size / 2)))">precision</text>

            """
        for (recall, label) in [(0.8, "80%"), (0.9, "90%")] {
            svg += """
                <line x1="\(fmt(x(recall)))" y1="\(fmt(top))" x2="\(fmt(x(recall)))" y2="\(fmt(top + size))" stroke="#98a2b3" stroke-dasharray="2 3"/>
                <text x="\(fmt(x(recall) + 2))" y="\(fmt(top + 10))" font-size="9" fill="#667085">\(label)</text>

                """
        }
        let points = curve.points.compactMap { point -> (Double, Double)? in
            guard let recall = point.recall, let precision = point.interpolatedPrecision else { return nil }
            return (recall, precision)
        }
        if points.count > 1 {
            let line = points.map { "\(fmt(x($0.0))),\(fmt(y($0.1)))" }.joined(separator: " ")
            let area = "\(fmt(x(points[0].0))),\(fmt(y(0))) " + line + " \(fmt(x(points[points.count - 1].0))),\(fmt(y(0)))"
            svg += """
                <polygon points="\(area)" fill="#2f6fdf" fill-opacity="0.12"/>
                <polyline points="\(line)" fill="none" stroke="#2f6fdf" stroke-width="2.2" stroke-linejoin="round"/>

                """
            var seen = Set<String>()
            for point in curve.points.dropFirst() {
                guard let recall = point.recall, let precision = point.precision else { continue }
                let key = "\(fmt(x(recall))),\(fmt(y(precision)))"
                guard seen.insert(key).inserted else { continue }
                svg += """
                    <circle cx="\(fmt(x(recall)))" cy="\(fmt(y(precision)))" r="2.6" fill="#fff" stroke="#2f6fdf" stroke-width="1.2"/>

                    """
            }
        } else {
            let why = run.contracts.isEmpty ? "stored before per-contract outcomes were kept" : "no labelled spans"
            svg += """
                <text x="\(fmt(left + size / 2))" y="\(fmt(top + size / 2))" font-size="12" text-anchor="middle" fill="#667085">no curve: \(why)</text>

                """
        }
        if let unreachable = run.overall.unreachableShare, unreachable > 0 {
            let cap = x(1 - unreachable)
            svg += """
                <line x1="\(fmt(cap))" y1="\(fmt(top))" x2="\(fmt(cap))" y2="\(fmt(top + size))" stroke="#d9480f" stroke-width="2" stroke-dasharray="6 3"/>
                <text x="\(fmt(cap - 4))" y="\(fmt(top + size - 8))" font-size="10" text-anchor="end" fill="#d9480f">quote limits cap recall at \(pct(1 - unreachable))</text>

                """
        }
        let legendX = left + size + 16
        svg += """
            <text x="\(fmt(legendX))" y="\(fmt(top + 14))" font-size="11" font-weight="600">AUPR \(pct(run.overall.aupr))</text>
            <text x="\(fmt(legendX))" y="\(fmt(top + 32))" font-size="10">P@80%R \(pct(run.overall.precisionAt80Recall))</text>
            <text x="\(fmt(legendX))" y="\(fmt(top + 48))" font-size="10">P@90%R \(pct(run.overall.precisionAt90Recall))</text>
            <line x1="\(fmt(legendX))" y1="\(fmt(top + 66))" x2="\(fmt(legendX + 18))" y2="\(fmt(top + 66))" stroke="#2f6fdf" stroke-width="2.2"/>
            <text x="\(fmt(legendX + 22))" y="\(fmt(top + 69))" font-size="10">interpolated</text>
            <circle cx="\(fmt(legendX + 9))" cy="\(fmt(top + 84))" r="2.6" fill="#fff" stroke="#2f6fdf" stroke-width="1.2"/>
            <text x="\(fmt(legendX + 22))" y="\(fmt(top + 87))" font-size="10">thresholds</text>
            </svg>
            """
        return svg
    }

    static func failures(_ run: EvalRun) -> String {
        guard !run.failures.isEmpty else { return "<p class=\"ok\">No contract failed.</p>" }
        var html = "<p>\(run.failures.count) of \(run.documents + run.failures.count) contracts failed and count as misses:</p>\n<p>"
        html += run.failuresByKind.map { "<span class=\"fail-kind\">\(escape($0.kind))</span> × \($0.count)" }.joined(separator: " · ")
        html += "</p>\n<ul class=\"failures\">\n"
        for failure in run.failures.prefix(50) {
            let reason = failure.reason.split(whereSeparator: \.isNewline).joined(separator: " ")
            html += "<li><b>\(escape(failure.file))</b>: \(escape(String(reason.prefix(300))))</li>\n"
        }
        if run.failures.count > 50 { html += "<li>… and \(run.failures.count - 50) more (lector eval report --json)</li>\n" }
        return html + "</ul>"
    }

    static func table(_ run: EvalRun) -> String {
        var html = """
            <table>
            <tr><th>Category</th><th>LAB</th><th>PRED</th><th>TP</th><th>Precision</th><th>Recall</th><th>F1</th><th>S-TP</th><th>S-FP</th><th>S-FN</th><th>Span P</th><th>Span R</th><th>Out of reach</th><th>AUPR</th><th>P@80%R</th><th>P@90%R</th><th>Values</th><th>Grounded</th></tr>

            """
        for score in run.categories + [run.overall] {
            let values = score.valuesComparable == 0 ? "-" : "\(score.valuesAgreed)/\(score.valuesComparable)"
            let cells = [
                "\(score.labelled)", "\(score.predicted)", "\(score.truePositives)", pct(score.precision), pct(score.recall),
                pct(score.f1), "\(score.spanTruePositives)", "\(score.spanFalsePositives)", "\(score.spanFalseNegatives)",
                pct(score.spanPrecision), pct(score.spanRecall), pct(score.unreachableShare), pct(score.aupr),
                pct(score.precisionAt80Recall), pct(score.precisionAt90Recall), values, pct(score.grounding),
            ]
            html += "<tr\(score.category == "overall" ? " class=\"overall\"" : "")><td>\(escape(score.cuadName ?? score.category))</td>"
            html += cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
        }
        return html + "</table>"
    }

    /// A ratio as a percentage with one decimal, `–` when undefined.
    static func pct(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Text for HTML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
