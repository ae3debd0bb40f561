import Foundation
import LectorDB
import LectorTestSupport
import Testing

/// `lector token` and `lector reviewer` run on one piece of code; these pin, word for word, what each says
/// and that each keeps to its own table.
@Suite("lector token and lector reviewer, word for word")
struct CredentialCLITests {
    let lector = RepoPaths.lectorBinary.path

    /// What one of the two commands says, and how its revoke takes an id.
    struct Words: Sendable, CustomTestStringConvertible {
        var command: String
        var otherCommand: String
        var tokenPrefix: String
        var revokeByID: @Sendable (Int64) -> [String]
        var created: @Sendable (_ id: Int64, _ tenant: String, _ name: String) -> String
        var noun: String
        var usage: String
        var testDescription: String { command }
    }

    static let words = [
        Words(
            command: "token", otherCommand: "reviewer", tokenPrefix: "lct_", revokeByID: { [String($0)] },
            created: { id, tenant, _ in "token \(id) for tenant '\(tenant)' created; it is shown only this once" },
            noun: "token", usage: "give a token id, or --tenant and --name"),
        Words(
            command: "reviewer", otherCommand: "token", tokenPrefix: "lrv_", revokeByID: { ["--id", String($0)] },
            created: { id, tenant, name in
                "reviewer \(id) '\(name)' of tenant '\(tenant)' created; the credential is shown only this once"
            },
            noun: "reviewer", usage: "give --id, or --tenant and --name"),
    ]

    func run(_ arguments: [String]) async throws -> ChildProcess {
        try await ChildProcess.run(lector, arguments)
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test(arguments: words)
    func createListAndRevokeSayExactlyWhatTheySaid(_ words: Words) async throws {
        try await TestDatabase.with { _, configuration in
            let url = try ReviewCLITests.arguments(configuration)
            // The same tenant and name under the other command first: the two tables do not meet.
            let other = try await run([words.otherCommand, "create", "--tenant", "acme", "--name", "Grace"] + url)
            #expect(other.status == 0, "\(other.standardError)")

            let created = try await run([words.command, "create", "--tenant", "acme", "--name", "Grace"] + url)
            #expect(created.status == 0, "\(created.standardError)")
            let token = created.standardOutput.trimmingCharacters(in: .newlines)
            #expect(created.standardOutput == token + "\n" && token.hasPrefix(words.tokenPrefix) && token.count == 68)

            let listed = try await run([words.command, "list", "--json"] + url)
            let records = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
            try #require(records.count == 1)
            #expect(Set(records[0].keys) == ["id", "tenant", "name", "prefix", "created_at", "last_used_at", "revoked_at"])
            let id = Int64(try #require(records[0]["id"] as? Int))
            let prefix = try #require(records[0]["prefix"] as? String)
            #expect(records[0]["tenant"] as? String == "acme" && records[0]["name"] as? String == "Grace")
            #expect(token.hasPrefix(prefix) && records[0]["revoked_at"] is NSNull)
            #expect(lines(created.standardError).contains(words.created(id, "acme", "Grace")), "\(created.standardError)")

            let json = try await run([words.command, "create", "--tenant", "globex", "--name", "Grace", "--json"] + url)
            let made = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
            #expect(Set(made.keys) == ["id", "tenant", "name", "token"] && made["tenant"] as? String == "globex")
            #expect((made["token"] as? String)?.hasPrefix(words.tokenPrefix) == true)
            #expect(!json.standardError.contains("shown only this once"))

            let table = try await run([words.command, "list", "--tenant", "acme"] + url)
            let rows = lines(table.standardOutput)
            #expect(rows.first == "ID\tTENANT\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED")
            #expect(rows.count == 2)
            let cells = rows.last?.components(separatedBy: "\t") ?? []
            #expect(cells.count == 7 && cells[0] == String(id) && cells[1] == "acme" && cells[2] == "Grace")
            #expect(cells.count == 7 && cells[3] == prefix + "…" && cells[5] == "-" && cells[6] == "-")

            let duplicate = try await run([words.command, "create", "--tenant", "acme", "--name", "Grace"] + url)
            #expect(duplicate.status == 1)
            #expect(
                lines(duplicate.standardError).contains(
                    "error: tenancy.duplicate: tenant 'acme' already has a live \(words.noun) named 'Grace'"),
                "\(duplicate.standardError)")

            let usage = try await run([words.command, "revoke", "--tenant", "acme"] + url)
            #expect(usage.status == 64 && usage.standardError.contains(words.usage), "\(usage.standardError)")

            let revoked = try await run([words.command, "revoke"] + words.revokeByID(id) + url)
            #expect(revoked.status == 0 && revoked.standardOutput == "revoked \(words.noun) \(id) (acme/Grace)\n")
            let again = try await run([words.command, "revoke", "--tenant", "acme", "--name", "Grace"] + url)
            #expect(again.status == 1)
            #expect(lines(again.standardError).contains("error: tenancy.not_found: no live \(words.noun) matches"))
            let live = try await run([words.command, "list", "--tenant", "acme"] + url)
            #expect(lines(live.standardOutput).count == 1)
            let all = try await run([words.command, "list", "--tenant", "acme", "--all"] + url)
            #expect(lines(all.standardOutput).count == 2 && lines(all.standardOutput).last?.hasSuffix("\t-") == false)

            // The other command's credential of the same tenant and name is still live.
            let untouched = try await run([words.otherCommand, "list", "--tenant", "acme", "--json"] + url)
            let left = try #require(try JSONSerialization.jsonObject(with: Data(untouched.standardOutput.utf8)) as? [[String: Any]])
            #expect(left.count == 1 && left.first?["name"] as? String == "Grace" && left.first?["revoked_at"] is NSNull)
        }
    }
}
