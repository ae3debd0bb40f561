import Foundation
import LectorCore
import LectorDB

/// Stores submitted documents (once per tenant and content) and their extracted pages.
///
/// Every method runs on the caller's connection, so it can be part of the caller's transaction.
public struct DocumentStore: Sendable {
    /// The outcome of ``insert(tenant:filename:bytes:labels:on:)``.
    public struct Inserted: Sendable, Hashable {
        /// The document's id.
        public var id: Int64
        /// The SHA-256 of the bytes, lower-case hex.
        public var sha256: String
        /// False when the tenant had already submitted the same bytes (the existing id is returned).
        public var created: Bool
    }

    /// One extracted page, as stored in `lector.pages`.
    public struct Page: Sendable, Hashable {
        public var number: Int
        public var text: String
        public var widthPoints: Double?
        public var heightPoints: Double?
        public var rotation: Int
        /// The share of the page covered by images, 0...1.
        public var imageCoverage: Double?
        public var needsVision: Bool

        public init(
            number: Int, text: String, widthPoints: Double? = nil, heightPoints: Double? = nil, rotation: Int = 0,
            imageCoverage: Double? = nil, needsVision: Bool
        ) {
            self.number = number
            self.text = text
            self.widthPoints = widthPoints
            self.heightPoints = heightPoints
            self.rotation = rotation
            self.imageCoverage = imageCoverage
            self.needsVision = needsVision
        }
    }

    public init() {}

    /// Inserts a document unless the tenant already has one with the same SHA-256, whose id is then
    /// returned with `created == false`. Safe under concurrent submissions of the same file.
    public func insert(
        tenant: String, filename: String, bytes: [UInt8], labels: [String: String] = [:], on connection: PostgresConnection
    ) async throws -> Inserted {
        let sha256 = SHA256.hex(bytes)
        let inserted = try await connection.query(
            """
            INSERT INTO lector.documents (tenant, sha256, filename, size_bytes, content, labels)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb)
            ON CONFLICT (tenant, sha256) DO NOTHING
            RETURNING id
            """,
            tenant, sha256, filename, Int64(bytes.count), PostgresBytes(bytes), try PostgresJSON(encoding: labels))
        if let row = inserted.first {
            return Inserted(id: try row.decode("id", as: Int64.self), sha256: sha256, created: true)
        }
        let existing = try await connection.query(
            "SELECT id FROM lector.documents WHERE tenant = $1 AND sha256 = $2", tenant, sha256)
        return Inserted(id: try existing.one().decode("id", as: Int64.self), sha256: sha256, created: false)
    }

    /// The stored PDF bytes of document `documentID`, or nil when there is no such document (or, when
    /// `tenant` is given, it is another tenant's).
    /// - Throws: ``MissingContent`` when the row keeps no bytes (only a `content_path`, which Lector does
    ///   not read); database errors.
    public func content(documentID: Int64, tenant: String? = nil, on connection: PostgresConnection) async throws -> [UInt8]? {
        let rows = try await connection.query(
            "SELECT content FROM lector.documents WHERE id = $1 AND ($2::text IS NULL OR tenant = $2)", documentID, tenant)
        guard let row = rows.first else { return nil }
        guard let content = try row.decode("content", as: PostgresBytes?.self) else {
            throw MissingContent(documentID: documentID)
        }
        return content.bytes
    }

    /// A document whose bytes are not in the database.
    public struct MissingContent: Error, CustomStringConvertible {
        public var documentID: Int64
        public var description: String { "document \(documentID) has no stored content" }
    }

    /// Stores a document's extracted pages, replacing any stored before (a re-extraction), and records
    /// the page count on the document.
    public func storePages(_ pages: [Page], documentID: Int64, on connection: PostgresConnection) async throws {
        for page in pages {
            try await connection.query(
                """
                INSERT INTO lector.pages
                    (document_id, number, text, char_count, width_pt, height_pt, rotation, image_coverage, needs_vision)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (document_id, number) DO UPDATE SET
                    text = excluded.text, char_count = excluded.char_count, width_pt = excluded.width_pt,
                    height_pt = excluded.height_pt, rotation = excluded.rotation,
                    image_coverage = excluded.image_coverage, needs_vision = excluded.needs_vision
                """,
                documentID, page.number, page.text, page.text.count, page.widthPoints, page.heightPoints, page.rotation,
                page.imageCoverage, page.needsVision)
        }
        try await connection.query(
            "DELETE FROM lector.pages WHERE document_id = $1 AND number > $2", documentID, pages.count)
        try await connection.query(
            "UPDATE lector.documents SET page_count = $2 WHERE id = $1", documentID, pages.count)
    }
}
