import ArgumentParser
import Foundation
import LectorDB
import LectorService

/// A command over one kind of per-tenant credential, `lector token` or `lector reviewer`: the store
/// behind it and the words its subcommands use. ``CreateCredential``, ``ListCredentials`` and
/// ``RevokeCredential`` are its `create`, `list` and `revoke`, written once for both.
protocol CredentialCommand: AsyncParsableCommand {
    associatedtype Store: CredentialStore
    /// How `revoke` takes an id: `lector token revoke 7`, `lector reviewer revoke --id 7`.
    associatedtype RevokeID: CredentialID

    /// What one credential is called in messages and help: "token", "reviewer".
    static var noun: String { get }
    /// The same, plural: "tokens", "reviewers".
    static var pluralNoun: String { get }
    /// `create`'s abstract and the help of its `--tenant` and `--name`.
    static var createAbstract: String { get }
    static var createTenantHelp: String { get }
    static var createNameHelp: String { get }
    /// `list`'s abstract.
    static var listAbstract: String { get }
    /// `revoke`'s abstract.
    static var revokeAbstract: String { get }
    /// The line on standard error after `create` (not with `--json`).
    static func createdNote(_ record: Store.Record) -> String
    /// Checks `revoke`'s id, tenant and name, with the command's own rule and words.
    static func validateRevoke(id: Int64?, tenant: String?, name: String?) throws
}

/// `revoke`'s credential id, as an argument or an option.
protocol CredentialID: ParsableArguments {
    var id: Int64? { get }
}

/// A store of credentials as the commands use it: ``APITokenStore``, ``ReviewerStore``.
protocol CredentialStore {
    associatedtype Record: CredentialListing
    init(database: PostgresClient)
    func create(tenant: String, name: String) async throws -> (token: String, record: Record)
    func list(tenant: String?, includeRevoked: Bool) async throws -> [Record]
    func revoke(id: Int64?, tenant: String?, name: String?) async throws -> Record
}

extension APITokenStore: CredentialStore {}
extension ReviewerStore: CredentialStore {}

/// What `list` shows of a stored credential (``APITokenStore/Record``, ``ReviewerStore/Record``).
protocol CredentialListing {
    var id: Int64 { get }
    var tenant: String { get }
    var name: String { get }
    var prefix: String { get }
    var createdAt: Date { get }
    var lastUsedAt: Date? { get }
    var revokedAt: Date? { get }
}

extension APITokenStore.Record: CredentialListing {}
extension ReviewerStore.Record: CredentialListing {}

/// `lector token create`, `lector reviewer create`: makes a credential and prints it once.
struct CreateCredential<Command: CredentialCommand>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "create", abstract: Command.createAbstract)
    }
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(Command.createTenantHelp)) var tenant: String
    @Option(help: ArgumentHelp(Command.createNameHelp)) var name: String
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                let (token, record) = try await Command.Store(database: client).create(tenant: tenant, name: name)
                if json {
                    printJSON(["id": record.id, "tenant": record.tenant, "name": record.name, "token": token])
                } else {
                    print(token)
                    FileHandle.standardError.write(Data((Command.createdNote(record) + "\n").utf8))
                }
            }
        }
    }
}

/// `lector token list`, `lector reviewer list`: the stored credentials, never the credentials themselves.
struct ListCredentials<Command: CredentialCommand>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: Command.listAbstract)
    }
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Only this tenant's \(Command.pluralNoun).")) var tenant: String?
    @Flag(help: ArgumentHelp("Include revoked \(Command.pluralNoun).")) var all = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                let records = try await Command.Store(database: client).list(tenant: tenant, includeRevoked: all)
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

/// `lector token revoke`, `lector reviewer revoke`: revokes a credential by id, or by tenant and name.
struct RevokeCredential<Command: CredentialCommand>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "revoke", abstract: Command.revokeAbstract)
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: Command.RevokeID
    @Option(help: ArgumentHelp("Tenant of the \(Command.noun) to revoke (with --name).")) var tenant: String?
    @Option(help: ArgumentHelp("Name of the \(Command.noun) to revoke (with --tenant).")) var name: String?

    func validate() throws { try Command.validateRevoke(id: target.id, tenant: tenant, name: name) }

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                let record = try await Command.Store(database: client).revoke(id: target.id, tenant: tenant, name: name)
                print("revoked \(Command.noun) \(record.id) (\(record.tenant)/\(record.name))")
            }
        }
    }
}
