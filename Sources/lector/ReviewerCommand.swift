import ArgumentParser
import Foundation
import LectorService

/// `lector reviewer create|list|revoke`: per-person credentials for the review pages.
struct ReviewerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviewer",
        abstract: "Manage reviewers: per-person credentials for the review pages (one tenant each).",
        discussion: """
            A reviewer signs in to the review pages of `lector serve` with the credential
            `lector reviewer create` prints (lrv_...); their decisions carry their name.
            Only the credential's SHA-256 is stored. Revoking a reviewer ends their
            browser sessions at the next request.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a reviewer's credential and print it once; only its SHA-256 is stored.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Tenant whose documents the reviewer reviews.") var tenant: String
        @Option(help: "The person's name, shown beside their decisions (unique among the tenant's live reviewers).")
        var name: String
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    let (token, record) = try await ReviewerStore(database: client).create(tenant: tenant, name: name)
                    if json {
                        printJSON(["id": record.id, "tenant": record.tenant, "name": record.name, "token": token])
                    } else {
                        print(token)
                        FileHandle.standardError.write(
                            Data(
                                "reviewer \(record.id) '\(record.name)' of tenant '\(record.tenant)' created; the credential is shown only this once\n"
                                    .utf8))
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List reviewers (never their credentials).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this tenant's reviewers.") var tenant: String?
        @Flag(help: "Include revoked reviewers.") var all = false
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    let records = try await ReviewerStore(database: client).list(tenant: tenant, includeRevoked: all)
                    let format = ISO8601DateFormatter()
                    if json {
                        printJSON(records.map { r in
                            [
                                "id": r.id, "tenant": r.tenant, "name": r.name, "prefix": r.prefix,
                                "created_at": format.string(from: r.createdAt),
                                "last_used_at": r.lastUsedAt.map(format.string(from:)) ?? NSNull(),
                                "revoked_at": r.revokedAt.map(format.string(from:)) ?? NSNull(),
                            ] as [String: Any]
                        })
                        return
                    }
                    print(["ID", "TENANT", "NAME", "PREFIX", "CREATED", "LAST USED", "REVOKED"].joined(separator: "\t"))
                    for r in records {
                        print(
                            [
                                String(r.id), r.tenant, r.name, r.prefix + "…", format.string(from: r.createdAt),
                                r.lastUsedAt.map(format.string(from:)) ?? "-", r.revokedAt.map(format.string(from:)) ?? "-",
                            ].joined(separator: "\t"))
                    }
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a reviewer by id, or by tenant and name; their sessions end and they cannot sign in again.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Reviewer id (from `lector reviewer list`).") var id: Int64?
        @Option(help: "Tenant of the reviewer to revoke (with --name).") var tenant: String?
        @Option(help: "Name of the reviewer to revoke (with --tenant).") var name: String?

        func validate() throws {
            guard (id != nil) != (tenant != nil && name != nil), tenant == nil || name != nil, name == nil || tenant != nil else {
                throw ValidationError("give --id, or --tenant and --name")
            }
        }

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    let record = try await ReviewerStore(database: client).revoke(id: id, tenant: tenant, name: name)
                    print("revoked reviewer \(record.id) (\(record.tenant)/\(record.name))")
                }
            }
        }
    }
}
