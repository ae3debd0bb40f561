import Foundation
import LectorCore
import LectorDB
import LectorTestSupport
import Testing

@Suite("Binding and decoding every type against the real server")
struct PostgresDataTests {
    @Test func scalarsRoundTrip() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            let uuid = UUID()
            let date = Date(timeIntervalSince1970: 1_764_370_800.123456)
            let row = try await client.query(
                """
                SELECT $1::bigint AS i, $2::integer AS i32, $3::double precision AS d, $4::boolean AS b,
                       $5::text AS s, $6::uuid AS u, $7::timestamptz AS t, $8::jsonb AS j,
                       $9::bigint[] AS ai, $10::text[] AS at, $11::boolean AS f, $12::int AS small
                """,
                Int64.max, Int32.min, -1.5e-300, true, "Grüße, 契約書 — “quotes” \u{1F4C4}", uuid, date,
                PostgresJSON(text: #"{"a": [1, "x"], "b": null}"#), [1, -2, 3_000_000_000] as [Int],
                ["plain", "with space", "comma,here", "quote\"and\\backslash", "", "NULL"], false, 7
            ).one()
            #expect(try row.decode("i", as: Int64.self) == Int64.max)
            #expect(try row.decode("i32", as: Int32.self) == Int32.min)
            #expect(try row.decode("d", as: Double.self) == -1.5e-300)
            #expect(try row.decode("b", as: Bool.self) == true)
            #expect(try row.decode("f", as: Bool.self) == false)
            #expect(try row.decode("s", as: String.self) == "Grüße, 契約書 — “quotes” \u{1F4C4}")
            #expect(try row.decode("u", as: UUID.self) == uuid)
            let decoded = try row.decode("t", as: Date.self)
            #expect(abs(decoded.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
            let json = try row.decode("j", as: PostgresJSON.self)
            #expect(json.text == #"{"a": [1, "x"], "b": null}"#)
            #expect(try row.decode("ai", as: [Int].self) == [1, -2, 3_000_000_000])
            #expect(
                try row.decode("at", as: [String].self)
                    == ["plain", "with space", "comma,here", "quote\"and\\backslash", "", "NULL"])
            #expect(try row.decode("small", as: Int.self) == 7)
        } 
    }

    @Test func integerOutOfRangeIsAServerError() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            let error = await #expect(throws: DatabaseError.self) {
                try await client.query("SELECT $1::integer AS v", Int.max)
            }
            #expect(error?.sqlState == "22003")
        }
    }

    @Test func nullsDecodeAsNilAndFailAsNonOptional() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            let row = try await client.query(
                "SELECT $1::text AS s, $2::bigint AS i, $3::uuid AS u, $4::timestamptz AS t, $5::bytea AS b",
                String?.none, Int?.none, UUID?.none, Date?.none, PostgresBytes?.none
            ).one()
            #expect(try row.decode("s", as: String?.self) == nil)
            #expect(try row.decode("i", as: Int?.self) == nil)
            #expect(try row.decode("u", as: UUID?.self) == nil)
            #expect(try row.decode("t", as: Date?.self) == nil)
            #expect(try row.decode("b", as: PostgresBytes?.self) == nil)
            #expect(try row.isNull("s"))
            let error = #expect(throws: DatabaseError.self) { try row.decode("s", as: String.self) }
            #expect(error?.kind == .decoding)
            #expect(error?.description.contains("\"s\"") == true)
        }
    }

    @Test func mismatchedTypeNamesColumnAndTypes() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            let row = try await client.query("SELECT 'x'::text AS word, 5 AS n").one()
            let error = #expect(throws: DatabaseError.self) { try row.decode("word", as: Int.self) }
            #expect(error?.kind == .decoding)
            #expect(error?.description == "column \"word\" of type text cannot be decoded as Int")
            let missing = #expect(throws: DatabaseError.self) { try row.decode("nope", as: Int.self) }
            #expect(missing?.kind == .unexpectedResult)
            #expect(try row.decode("n", as: Int.self) == 5)
        }
    }

    @Test func fiftyMegabyteByteaRoundTrips() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            // Random bytes from the kernel: fast even in a debug build, which matters because this test
            // shares two cores and the cooperative pool with timing-sensitive suites.
            let urandom = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
            let bytes = [UInt8](urandom.readData(ofLength: 50 * 1024 * 1024))
            try urandom.close()
            #expect(bytes.count == 50 * 1024 * 1024)
            try await client.query("CREATE TABLE blobs (id int PRIMARY KEY, content bytea NOT NULL)")
            try await client.query("INSERT INTO blobs VALUES (1, $1)", PostgresBytes(bytes))
            let row = try await client.query("SELECT content, length(content) AS n FROM blobs").one()
            #expect(try row.decode("n", as: Int.self) == bytes.count)
            let back = try row.decode("content", as: PostgresBytes.self)
            #expect(back.bytes.count == bytes.count)
            #expect(back.bytes.withUnsafeBytes { a in bytes.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } })
        }
    }
}
