import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LectorAPI
import LectorDB
import LectorService
import LectorTestSupport
import NIOCore
import Testing

/// The /v1 routes against a real PostgreSQL: tokens, tenants, uploads and their limits.
@Suite("HTTP API: documents, tokens, tenants, limits")
struct DocumentAPITests {
    @Test func uploadDedupeAndStatus() async throws {
        try await APITest.with { database, client in
            let auth = try await APITest.token("acme", database: database)
            let pdf = APITest.tinyPDF()
            var headers = auth
            headers[.contentType] = "application/pdf"
            let first = try await client.execute(
                uri: "/v1/documents?filename=dir/contract.pdf&priority=3&label=team=legal", method: .post, headers: headers,
                body: ByteBuffer(bytes: pdf))
            #expect(first.status == .accepted)
            let created = try JSONBody(first)
            #expect(created["duplicate"] as? Bool == false)
            #expect(created["new_job"] as? Bool == true)
            let documentID = try #require(created.int("document_id"))
            let jobID = try #require(created.int("job_id"))
            #expect(first.headers[.location] == "/v1/jobs/\(jobID)")

            // The same bytes again: the same document and job, flagged as a duplicate.
            let again = try JSONBody(
                try await client.execute(uri: "/v1/documents", method: .post, headers: headers, body: ByteBuffer(bytes: pdf)))
            #expect(again["duplicate"] as? Bool == true)
            #expect(again["new_job"] as? Bool == false)
            #expect(again.int("document_id") == documentID && again.int("job_id") == jobID)

            let stored = try await database.query(
                "SELECT tenant, filename, labels::text AS labels FROM lector.documents WHERE id = $1", documentID
            ).one()
            #expect(try stored.decode("tenant", as: String.self) == "acme")
            #expect(try stored.decode("filename", as: String.self) == "contract.pdf")
            #expect(try stored.decode("labels", as: String.self).contains("legal"))

            let job = try JSONBody(try await client.execute(uri: "/v1/jobs/\(jobID)", method: .get, headers: auth))
            #expect(job["state"] as? String == "available")
            #expect(job.int("document_id") == documentID)
            #expect(job["kind"] as? String == "analyze")

            let document = try JSONBody(try await client.execute(uri: "/v1/documents/\(documentID)", method: .get, headers: auth))
            #expect(document["filename"] as? String == "contract.pdf")
            #expect((document["job"] as? [String: Any])?["state"] as? String == "available")
            #expect(document["analysis"] == nil)

            // No analysis yet: a clear 409, not an empty list.
            let early = try await client.execute(uri: "/v1/documents/\(documentID)/findings", method: .get, headers: auth)
            #expect(early.status == .conflict)
            #expect(try JSONBody(early).errorCode == "document.not_analyzed")
        }
    }

    @Test func multipartUpload() async throws {
        try await APITest.with { database, client in
            var headers = try await APITest.token("acme", database: database)
            let boundary = "lector-\(UUID().uuidString)"
            headers[.contentType] = "multipart/form-data; boundary=\"\(boundary)\""
            let body = APITest.multipart(
                boundary: boundary,
                parts: [
                    ("profile", nil, Array("standard".utf8)), ("label", nil, Array("matter=42".utf8)),
                    ("file", "lease.pdf", APITest.tinyPDF()),
                ])
            let response = try await client.execute(uri: "/v1/documents", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(response.status == .accepted)
            let id = try #require(try JSONBody(response).int("document_id"))
            let row = try await database.query(
                """
                SELECT d.filename, j.args ->> 'profile' AS profile FROM lector.documents d
                JOIN lector.jobs j ON (j.args ->> 'document_id')::bigint = d.id WHERE d.id = $1
                """, id
            ).one()
            #expect(try row.decode("filename", as: String.self) == "lease.pdf")
            #expect(try row.decode("profile", as: String.self) == "standard")
        }
    }

    @Test func requestsWithoutAValidTokenGet401() async throws {
        try await APITest.with { database, client in
            let store = APITokenStore(database: database)
            let (token, record) = try await store.create(tenant: "acme", name: "ci")
            #expect(try await store.list(tenant: "acme").map(\.id) == [record.id])
            let stored = try await database.query("SELECT token_sha256 FROM lector.api_tokens").one().decode("token_sha256", as: String.self)
            #expect(stored == APITokenStore.hash(token) && stored != token)
            try await store.revoke(id: record.id)
            let headerSets: [HTTPFields] = [
                [:], [.authorization: "Basic YWJjOmRlZg=="], [.authorization: "Bearer lct_0000"],
                [.authorization: "Bearer \(token)"],  // revoked
            ]
            for headers in headerSets {
                for uri in ["/v1/jobs/1", "/v1/documents/1", "/v1/documents/1/findings"] {
                    let response = try await client.execute(uri: uri, method: .get, headers: headers)
                    #expect(response.status == .unauthorized)
                    #expect(try JSONBody(response).errorCode == "auth.unauthorized")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                }
                let upload = try await client.execute(
                    uri: "/v1/documents", method: .post, headers: headers, body: ByteBuffer(bytes: APITest.tinyPDF()))
                #expect(upload.status == .unauthorized)
            }
            #expect(try await database.query("SELECT count(*) AS n FROM lector.documents").one().decode("n", as: Int.self) == 0)
        }
    }

    @Test func anotherTenantsDocumentIsA404LikeAMissingOne() async throws {
        try await APITest.with { database, client in
            let acme = try await APITest.token("acme", database: database)
            let globex = try await APITest.token("globex", database: database)
            let created = try JSONBody(
                try await client.execute(uri: "/v1/documents", method: .post, headers: acme, body: ByteBuffer(bytes: APITest.tinyPDF())))
            let documentID = try #require(created.int("document_id"))
            let jobID = try #require(created.int("job_id"))
            for (uri, code) in [
                ("/v1/documents/\(documentID)", "document.not_found"), ("/v1/jobs/\(jobID)", "job.not_found"),
                ("/v1/documents/\(documentID)/findings", "document.not_found"),
            ] {
                let foreign = try await client.execute(uri: uri, method: .get, headers: globex)
                let missing = try await client.execute(uri: uri.replacingOccurrences(of: "/\(documentID)", with: "/999999")
                    .replacingOccurrences(of: "/\(jobID)", with: "/999999"), method: .get, headers: globex)
                #expect(foreign.status == .notFound)
                #expect(try JSONBody(foreign).errorCode == code)
                // Byte for byte what a missing id gets: nothing tells the two apart.
                #expect(foreign.body == missing.body)
                #expect(try await client.execute(uri: uri, method: .get, headers: acme).status != .notFound)
            }
            // The same bytes from the other tenant are a new document of its own, not a duplicate.
            let theirs = try JSONBody(
                try await client.execute(uri: "/v1/documents", method: .post, headers: globex, body: ByteBuffer(bytes: APITest.tinyPDF("x"))))
            #expect(theirs["duplicate"] as? Bool == false)
        }
    }

    @Test func uploadsOverTheLimitGet413() async throws {
        try await APITest.with(configuration: APIConfiguration(maxUploadBytes: 4096)) { database, client in
            var headers = try await APITest.token("acme", database: database)
            let big = APITest.tinyPDF() + [UInt8](repeating: 0x20, count: 8192)
            let raw = try await client.execute(uri: "/v1/documents", method: .post, headers: headers, body: ByteBuffer(bytes: big))
            #expect(raw.status == .contentTooLarge)
            #expect(try JSONBody(raw).errorCode == "upload.too_large")
            headers[.contentType] = "multipart/form-data; boundary=b0undary"
            let form = APITest.multipart(boundary: "b0undary", parts: [("file", "big.pdf", big)])
            let multipart = try await client.execute(uri: "/v1/documents", method: .post, headers: headers, body: ByteBuffer(bytes: form))
            #expect(multipart.status == .contentTooLarge)
            #expect(try JSONBody(multipart).errorCode == "upload.too_large")
            #expect(try await database.query("SELECT count(*) AS n FROM lector.documents").one().decode("n", as: Int.self) == 0)
        }
    }

    @Test func bytesThatAreNotAPDFGet415() async throws {
        try await APITest.with { database, client in
            var headers = try await APITest.token("acme", database: database)
            let raw = try await client.execute(
                uri: "/v1/documents", method: .post, headers: headers, body: ByteBuffer(string: "GIF89a not a contract"))
            #expect(raw.status == .unsupportedMediaType)
            #expect(try JSONBody(raw).errorCode == "upload.not_pdf")
            headers[.contentType] = "multipart/form-data; boundary=xyz"
            let form = APITest.multipart(boundary: "xyz", parts: [("file", "notes.txt", Array("hello".utf8))])
            let multipart = try await client.execute(uri: "/v1/documents", method: .post, headers: headers, body: ByteBuffer(bytes: form))
            #expect(multipart.status == .unsupportedMediaType)
        }
    }

    /// Malformed multipart bodies, each with the Content-Type it is sent with.
    static let malformed: [(name: String, contentType: String, body: [UInt8])] = [
        ("no boundary parameter", "multipart/form-data", APITest.multipart(boundary: "b", parts: [("file", "a.pdf", APITest.tinyPDF())])),
        ("not multipart at all", "multipart/form-data; boundary=abc", Array("%PDF-1.4 just bytes".utf8)),
        ("no closing boundary", "multipart/form-data; boundary=abc",
         Array(APITest.multipart(boundary: "abc", parts: [("file", "a.pdf", APITest.tinyPDF())], close: false).dropLast(40))),
        ("no file part", "multipart/form-data; boundary=abc", APITest.multipart(boundary: "abc", parts: [("profile", nil, Array("standard".utf8))])),
        ("a part without a name", "multipart/form-data; boundary=abc",
         Array("--abc\r\nContent-Disposition: form-data\r\n\r\nhello\r\n--abc--\r\n".utf8)),
        ("broken part headers", "multipart/form-data; boundary=abc",
         Array("--abc\r\nContent-Disposition form-data name=file\r\n\r\n%PDF-1.4\r\n--abc--\r\n".utf8)),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedMultipartBodiesGetAClear400(_ index: Int) async throws {
        let example = Self.malformed[index]
        try await APITest.with { database, client in
            var headers = try await APITest.token("acme", database: database)
            headers[.contentType] = example.contentType
            let response = try await client.execute(
                uri: "/v1/documents", method: .post, headers: headers, body: ByteBuffer(bytes: example.body))
            #expect(response.status == .badRequest, "\(example.name)")
            let body = try JSONBody(response)
            #expect(body.errorCode == "upload.malformed_multipart", "\(example.name)")
            #expect(((body["error"] as? [String: Any])?["message"] as? String)?.isEmpty == false)
        }
    }

    @Test func unknownRoutesAndBadIdsAreJSON404s() async throws {
        try await APITest.with { database, client in
            let auth = try await APITest.token("acme", database: database)
            let unknown = try await client.execute(uri: "/v2/nothing", method: .get, headers: auth)
            #expect(unknown.status == .notFound)
            #expect(try JSONBody(unknown).errorCode == "route.not_found")
            let bad = try await client.execute(uri: "/v1/jobs/abc", method: .get, headers: auth)
            #expect(bad.status == .notFound)
            #expect(try JSONBody(bad).errorCode == "job.not_found")
        }
    }
}
