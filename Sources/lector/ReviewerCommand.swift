import ArgumentParser
import Foundation
import LectorService

/// `lector reviewer create|list|revoke`: per-person credentials for the review pages.
struct ReviewerCommand: CredentialCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviewer",
        abstract: "Manage reviewers: per-person credentials for the review pages (one tenant each).",
        discussion: """
            A reviewer signs in to the review pages of `lector serve` with the credential
            `lector reviewer create` prints (lrv_...); their decisions carry their name.
            Only the credential's SHA-256 is stored. Revoking a reviewer ends their
            browser sessions at the next request.
            """,
        subcommands: [
            CreateCredential<ReviewerCommand>.self, ListCredentials<ReviewerCommand>.self,
            RevokeCredential<ReviewerCommand>.self,
        ])

    typealias Store = ReviewerStore

    static let noun = "reviewer", pluralNoun = "reviewers"
    static let createAbstract = "Make a reviewer's credential and print it once; only its SHA-256 is stored."
    static let createTenantHelp = "Tenant whose documents the reviewer reviews."
    static let createNameHelp = "The person's name, shown beside their decisions (unique among the tenant's live reviewers)."
    static let listAbstract = "List reviewers (never their credentials)."
    static let revokeAbstract =
        "Revoke a reviewer by id, or by tenant and name; their sessions end and they cannot sign in again."

    static func createdNote(_ record: Store.Record) -> String {
        "reviewer \(record.id) '\(record.name)' of tenant '\(record.tenant)' created; the credential is shown only this once"
    }

    /// A reviewer id is `revoke`'s `--id`.
    struct RevokeID: CredentialID {
        @Option(help: "Reviewer id (from `lector reviewer list`).") var id: Int64?
    }

    static func validateRevoke(id: Int64?, tenant: String?, name: String?) throws {
        guard (id != nil) != (tenant != nil && name != nil), tenant == nil || name != nil, name == nil || tenant != nil else {
            throw ValidationError("give --id, or --tenant and --name")
        }
    }
}
