import Foundation
import LectorDB
import LectorTestSupport
import Testing

/// `lector reviewer` and `lector reviews export` as operators meet them.
@Suite("Reviewers and review export on the command line")
struct ReviewCLITests {
    let lector = RepoPaths.lectorBinary.path

    /// `--database-url` for the test database.
    static func arguments(_ configuration: PostgresConfiguration) throws -> [String] {
        var components = try #require(URLComponents(string: configuration.connectionString))
        components.path = "/" + (configuration.databaseName ?? "")
        return ["--database-url", try #require(components.string)]
    }

    @Test func reviewersAreCreatedListedAndRevoked() async throws {
        let help = try await ChildProcess.run(lector, ["reviewer", "--help"])
        #expect(help.status == 0 && help.standardOutput.contains("create") && help.standardOutput.contains("revoke"))
        try await TestDatabase.with { database, configuration in
            let url = try Self.arguments(configuration)
            let created = try await ChildProcess.run(lector, ["reviewer", "create", "--tenant", "acme", "--name", "Ada Lovelace"] + url)
            #expect(created.status == 0, "\(created.standardError)")
            let token = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.hasPrefix("lrv_") && token.count == 68)
            #expect(created.standardError.contains("shown only this once"))
            // Stored as its SHA-256 only.
            let stored = try await database.query(
                "SELECT token_sha256 = encode(sha256(convert_to($1, 'UTF8')), 'hex') AS hashed, strpos(r::text, $2) AS leaked FROM lector.reviewers r",
                token, String(token.dropFirst(12))
            ).one()
            #expect(try stored.decode("hashed", as: Bool.self) && stored.decode("leaked", as: Int.self) == 0)

            let duplicate = try await ChildProcess.run(lector, ["reviewer", "create", "--tenant", "acme", "--name", "Ada Lovelace"] + url)
            #expect(duplicate.status != 0 && duplicate.standardError.contains("tenancy.duplicate"))
            let list = try await ChildProcess.run(lector, ["reviewer", "list", "--tenant", "acme"] + url)
            #expect(list.status == 0 && list.standardOutput.contains("Ada Lovelace") && !list.standardOutput.contains(token))

            let usage = try await ChildProcess.run(lector, ["reviewer", "revoke", "--tenant", "acme"] + url)
            #expect(usage.status == 64)
            let revoked = try await ChildProcess.run(lector, ["reviewer", "revoke", "--tenant", "acme", "--name", "Ada Lovelace"] + url)
            #expect(revoked.status == 0 && revoked.standardOutput.contains("revoked reviewer"))
            let none = try await ChildProcess.run(lector, ["reviewer", "list", "--tenant", "acme", "--json"] + url)
            #expect(none.status == 0 && !none.standardOutput.contains("Ada"))
            let all = try await ChildProcess.run(lector, ["reviewer", "list", "--all", "--json"] + url)
            #expect(all.standardOutput.contains("\"revoked_at\" : \"") || all.standardOutput.contains("\"revoked_at\":\""))
            let again = try await ChildProcess.run(lector, ["reviewer", "revoke", "--tenant", "acme", "--name", "Ada Lovelace"] + url)
            #expect(again.status != 0 && again.standardError.contains("tenancy.not_found"))
        }
    }

    @Test func theExportIsFormulaSafeCSVOrJSON() async throws {
        try await TestDatabase.with { database, configuration in
            let url = try Self.arguments(configuration)
            let document = try await database.query(
                """
                INSERT INTO lector.documents (tenant, sha256, filename, size_bytes, content)
                VALUES ('acme', repeat('a', 64), '=cmd|calc.pdf', 8, '\\x00'::bytea) RETURNING id
                """
            ).one().decode("id", as: Int64.self)
            let analysis = try await database.query(
                """
                INSERT INTO lector.analyses (document_id, tenant, profile, prompt_version, pipeline_version, model,
                    engine_host, engine_dialect, reasoning_effort, started_at)
                VALUES ($1, 'acme', 'contract-review', 'p/1', '1', 'm', '127.0.0.1', 'vllm', 'none', now()) RETURNING id
                """, document
            ).one().decode("id", as: Int64.self)
            var findings: [Int64] = []
            for (category, value) in [("governing_law", "New York"), ("notice_period", "90 days")] {
                findings.append(
                    try await database.query(
                        """
                        INSERT INTO lector.findings (analysis_id, document_id, tenant, category, presence, value)
                        VALUES ($1, $2, 'acme', $3, 'present', $4) RETURNING id
                        """, analysis, document, category, value
                    ).one().decode("id", as: Int64.self))
            }
            try await database.query(
                """
                INSERT INTO lector.finding_reviews (tenant, document_id, analysis_id, finding_id, category, decision, reviewer,
                    previous, new, note)
                VALUES ('acme', $1, $2, $3, 'governing_law', 'correct', '@Grace', '{"presence": "present", "value": "New York"}',
                        '{"presence": "present", "value": "+New York, NY", "quote": null}', '=HYPERLINK("http://evil.example")')
                """, document, analysis, findings[0])

            let csv = try await ChildProcess.run(lector, ["reviews", "export", "--tenant", "acme"] + url)
            #expect(csv.status == 0, "\(csv.standardError)")
            let lines = csv.standardOutput.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.count == 2)
            #expect(lines.first?.hasPrefix("document_id,filename,analysis_id,profile,category,model_presence,model_value") == true)
            let row = try #require(lines.last)
            #expect(row.contains(",'=cmd|calc.pdf,") && row.contains(",'@Grace,") && row.contains(",\"'+New York, NY\","))
            #expect(row.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""))
            #expect(row.contains(",governing_law,present,New York,corrected,correct,present,"))
            #expect(!row.contains(",=") && !row.contains(",@") && !row.contains(",\"="))

            let everything = try await ChildProcess.run(lector, ["reviews", "export", "--tenant", "acme", "--all"] + url)
            #expect(everything.standardOutput.contains(",notice_period,present,90 days,pending,"))
            let json = try await ChildProcess.run(lector, ["reviews", "export", "--tenant", "acme", "--format", "json"] + url)
            #expect(json.status == 0)
            let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
            #expect(objects.count == 1)
            #expect(objects.first?["note"] as? String == "=HYPERLINK(\"http://evil.example\")")
            #expect(objects.first?["reviewed_value"] as? String == "+New York, NY" && objects.first?["review_current"] as? Bool == true)
            let other = try await ChildProcess.run(lector, ["reviews", "export", "--tenant", "globex"] + url)
            #expect(other.standardOutput.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 1)
        }
    }
}
