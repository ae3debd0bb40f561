import LectorDB

/// The migrations in this folder, compiled into the binary so that `lector migrate` needs no files.
///
/// Add each new `NNNN_name.sql` here; `SchemaTests` fails when a file is missing from this list.
/// SwiftPM names the embedded bytes after the file with its leading digit replaced: `0002_x.sql` is
/// `PackageResources._002_x_sql`.
public enum LectorSchema {
    public static let migrations: [Migration] = [
        migration(1, "0001_core.sql", PackageResources._001_core_sql),
        migration(2, "0002_queue.sql", PackageResources._002_queue_sql),
        migration(10, "0010_analysis_views.sql", PackageResources._010_analysis_views_sql),
        migration(20, "0020_batches.sql", PackageResources._020_batches_sql),
        migration(30, "0030_tenancy.sql", PackageResources._030_tenancy_sql),
        migration(31, "0031_batch_tenancy.sql", PackageResources._031_batch_tenancy_sql),
        migration(40, "0040_eval.sql", PackageResources._040_eval_sql),
        migration(50, "0050_grounding.sql", PackageResources._050_grounding_sql),
        migration(70, "0070_dependency_health.sql", PackageResources._070_dependency_health_sql),
        migration(80, "0080_tenancy_deny.sql", PackageResources._080_tenancy_deny_sql),
        migration(90, "0090_long_documents.sql", PackageResources._090_long_documents_sql),
        migration(95, "0095_eval_contracts.sql", PackageResources._095_eval_contracts_sql),
        migration(100, "0100_reviews.sql", PackageResources._100_reviews_sql),
        migration(105, "0105_page_renders.sql", PackageResources._105_page_renders_sql),
        migration(110, "0110_review_desk.sql", PackageResources._110_review_desk_sql),
    ]

    private static func migration(_ version: Int, _ file: String, _ bytes: [UInt8]) -> Migration {
        Migration(version: version, fileName: file, sql: String(decoding: bytes, as: UTF8.self))
    }
}
