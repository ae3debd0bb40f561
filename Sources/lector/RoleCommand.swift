import ArgumentParser
import Foundation
import LectorService

/// `lector role create-reader|list-readers`: read-only SQL roles for analysts, one tenant each.
struct RoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role", abstract: "Manage read-only SQL roles for analysts (row-level security by tenant).",
        subcommands: [CreateReader.self, ListReaders.self])

    struct CreateReader: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-reader",
            abstract: "Create a login role that reads one tenant's rows of the views, and nothing else.",
            discussion: """
                The role joins the group role lector_reader (SELECT on the views and the columns they read; \
                no document bytes, job arguments or tokens), defaults to read-only transactions, and sees \
                only TENANT's rows under row-level security. An existing role is reused unless it is a \
                superuser, has BYPASSRLS, or could SET ROLE to the service or to another tenant's reader (or \
                be taken by one). Run as a role with CREATEROLE that owns Lector's tables.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Role name: lower-case letters, digits and '_', starting with a letter.") var name: String
        @Option(help: "The tenant whose rows the role reads.") var tenant: String
        @Option(help: "A file whose first line is the role's password (else: no password; use another auth method).")
        var passwordFile: String?

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                var password: String?
                if let passwordFile {
                    guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8),
                        let line = text.split(whereSeparator: \.isNewline).first, !line.isEmpty
                    else { throw ValidationError("--password-file: cannot read a password from \(passwordFile)") }
                    password = String(line)
                }
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    try await ReaderRoleStore(database: client).createReader(name: name, tenant: tenant, password: password)
                    print("role \(name) reads tenant '\(tenant)'\(password == nil ? " (no password set)" : "")")
                }
            }
        }
    }

    struct ListReaders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-readers", abstract: "List reader roles and their tenants.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    for reader in try await ReaderRoleStore(database: client).list() {
                        print("\(reader.role)\t\(reader.tenant)")
                    }
                }
            }
        }
    }
}
