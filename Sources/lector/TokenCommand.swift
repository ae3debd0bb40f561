import ArgumentParser
import Foundation
import LectorService

/// `lector token create|list|revoke`: bearer tokens of the HTTP API.
struct TokenCommand: CredentialCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage the HTTP API's bearer tokens (one tenant each).",
        subcommands: [
            CreateCredential<TokenCommand>.self, ListCredentials<TokenCommand>.self, RevokeCredential<TokenCommand>.self,
        ])

    typealias Store = APITokenStore

    static let noun = "token", pluralNoun = "tokens"
    static let createAbstract = "Make a token for a tenant and print it once; only its SHA-256 is stored."
    static let createTenantHelp = "Tenant the token reads and writes."
    static let createNameHelp = "A name to tell the token apart (unique among the tenant's live tokens)."
    static let listAbstract = "List tokens (never the tokens themselves)."
    static let revokeAbstract = "Revoke a token by id, or by tenant and name; requests with it get 401 from then on."

    static func createdNote(_ record: Store.Record) -> String {
        "token \(record.id) for tenant '\(record.tenant)' created; it is shown only this once"
    }

    /// A token id is `revoke`'s argument.
    struct RevokeID: CredentialID {
        @Argument(help: "Token id (from `lector token list`).") var id: Int64?
    }

    static func validateRevoke(id: Int64?, tenant: String?, name: String?) throws {
        guard (id != nil) != (tenant != nil && name != nil), tenant == nil || name != nil else {
            throw ValidationError("give a token id, or --tenant and --name")
        }
    }
}
