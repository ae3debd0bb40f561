import ArgumentParser
import Foundation
import LectorService

/// `lector token create|list|revoke`: bearer tokens of the HTTP API.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage the HTTP API's bearer tokens (one tenant each).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a token for a tenant and print it once; only its SHA-256 is stored.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Tenant the token reads and writes.") var tenant: String
        @Option(help: "A name to tell the token apart (unique among the tenant's live tokens).") var name: String
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    let (token, record) = try await APITokenStore(database: client).create(tenant: tenant, name: name)
                    if json {
                        printJSON(["id": record.id, "tenant": record.tenant, "name": record.name, "token": token])
                    } else {
                        print(token)
                        FileHandle.standardError.write(
                            Data("token \(record.id) for tenant '\(record.tenant)' created; it is shown only this once\n".utf8))
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the tokens themselves).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this tenant's tokens.") var tenant: String?
        @Flag(help: "Include revoked tokens.") var all = false
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    let records = try await APITokenStore(database: client).list(tenant: tenant, includeRevoked: all)
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
            abstract: "Revoke a token by id, or by tenant and name; requests with it get 401 from then on.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Token id (from `lector token list`).") var id: Int64?
        @Option(help: "Tenant of the token to revoke (with --name).") var tenant: String?
        @Option(help: "Name of the token to revoke (with --tenant).") var name: String?

        func validate() throws {
            guard (id != nil) != (tenant != nil && name != nil), tenant == nil || name != nil else {
                throw ValidationError("give a token id, or --tenant and --name")
            }
        }

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    let record = try await APITokenStore(database: client).revoke(id: id, tenant: tenant, name: name)
                    print("revoked token \(record.id) (\(record.tenant)/\(record.name))")
                }
            }
        }
    }
}
