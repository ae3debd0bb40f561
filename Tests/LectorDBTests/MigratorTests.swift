import Foundation
import LectorDB
import LectorSchema
import LectorTestSupport
import Testing

@Suite("Schema migrations")
struct MigratorTests {
    let logger = TestDatabase.logger

    @Test func migratesOnceAndThenNothing() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            let migrator = Migrator(migrations: LectorSchema.migrations, logger: logger)
            #expect(try await migrator.status(client).allSatisfy { $0.state == .pending })
            let first = try await migrator.migrate(client)
            #expect(first.map(\.version) == LectorSchema.migrations.map(\.version))
            let second = try await migrator.migrate(client)
            #expect(second.isEmpty)
            #expect(try await migrator.status(client).allSatisfy { $0.state == .applied })
            let tables = try await client.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'lector' ORDER BY 1")
            let names = Set(try tables.map { try $0.decode("table_name", as: String.self) })
            #expect(names.isSuperset(of: ["documents", "pages", "jobs", "analyses", "findings", "batches", "schema_migrations"]))
        }
    }

    @Test func concurrentRunsApplyEachMigrationOnce() async throws {
        try await TestDatabase.with(migrated: false) { client, configuration in
            // Separate pools, as separate processes would have.
            let clients = (0..<4).map { _ in PostgresClient(configuration: configuration, logger: logger) }
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for c in clients {
                    group.addTask {
                        try await Migrator(migrations: LectorSchema.migrations, logger: logger).migrate(c).map(\.version)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            for c in clients { await c.shutdown() }
            #expect(applied.sorted() == LectorSchema.migrations.map(\.version).sorted())
            let recorded = try await client.query("SELECT count(*) AS n FROM lector.schema_migrations").one()
            #expect(try recorded.decode("n", as: Int.self) == LectorSchema.migrations.count)
        }
    }

    @Test func editedAppliedMigrationIsRefused() async throws {
        try await TestDatabase.with(migrated: true) { client, _ in
            var edited = LectorSchema.migrations
            edited[0].sql += "\n-- an innocent-looking edit\n"
            let error = await #expect(throws: DatabaseError.self) {
                try await Migrator(migrations: edited, logger: logger).migrate(client)
            }
            #expect(error?.kind == .migration)
            #expect(error?.description.contains(edited[0].fileName) == true)
            let status = try await Migrator(migrations: edited, logger: logger).status(client)
            #expect(status[0].state == .edited)
        }
    }

    @Test func failingMigrationRollsBackAndKeepsEarlierOnes() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            let migrations = [
                Migration(version: 1, fileName: "0001_a.sql", sql: "CREATE SCHEMA lector_x; CREATE TABLE lector_x.a (id int)"),
                Migration(version: 2, fileName: "0002_b.sql", sql: "CREATE TABLE lector_x.b (id int); SELECT 1/0"),
            ]
            await #expect(throws: DatabaseError.self) {
                try await Migrator(migrations: migrations, logger: logger).migrate(client)
            }
            let tables = try await client.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'lector_x' ORDER BY 1")
            #expect(try tables.map { try $0.decode("table_name", as: String.self) } == ["a"])
            let status = try await Migrator(migrations: migrations, logger: logger).status(client)
            #expect(status.map(\.state) == [.applied, .pending])
        }
    }

    @Test func databaseNewerThanBinaryIsRefused() async throws {
        try await TestDatabase.with(migrated: true) { client, _ in
            let older = Array(LectorSchema.migrations.prefix(0))
            let error = await #expect(throws: DatabaseError.self) {
                try await Migrator(migrations: older, logger: logger).migrate(client)
            }
            #expect(error?.kind == .migration)
        }
    }

    @Test func everySQLFileInSchemaIsRegistered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: RepoPaths.root.appendingPathComponent("schema").path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == LectorSchema.migrations.map(\.fileName))
        for migration in LectorSchema.migrations {
            #expect(migration.fileName.hasPrefix(String(format: "%04d_", migration.version)))
            let onDisk = try String(contentsOf: RepoPaths.root.appendingPathComponent("schema/\(migration.fileName)"), encoding: .utf8)
            #expect(onDisk == migration.sql, "the binary's copy of \(migration.fileName) differs from the file")
        }
    }
}
