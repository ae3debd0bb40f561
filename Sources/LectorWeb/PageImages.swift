import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LectorAPI
import LectorDB
import LectorPDF
import LectorService
import NIOCore

/// `GET /review/documents/{id}/pages/{page}?w=`: the page as an image at about the asked width, rendered
/// from the stored PDF on first request and cached (``PageRenderStore``); `.../words`: its words with
/// their boxes (PDF points), for the text layer a reviewer selects a quote in.
extension ReviewDesk {
    struct PageWords: Encodable {
        var widthPt: Double
        var heightPt: Double
        var words: [PageRender.Word]
        enum CodingKeys: String, CodingKey {
            case widthPt = "width_pt", heightPt = "height_pt", words
        }
    }

    func render(_ request: Request, context: APIRequestContext) async throws -> PageRender {
        let session = try await session(request)
        let documentID = try Self.id(context, "id", what: "document")
        let page = try Self.id(context, "page", what: "page")
        let width = min(max(request.uri.queryParameters.get("w", as: Int.self) ?? configuration.imageWidth, 200), 2400)
        do {
            guard page <= Int64(Int32.max),
                let render = try await renders.render(tenant: session.tenant, documentID: documentID, page: Int(page), width: width)
            else { throw WebError.notFound("page") }
            return render
        } catch let error as PDFError {
            context.logger.warning("page render failed", metadata: ["document.id": "\(documentID)", "error": "\(error.code)"])
            throw WebError.badRequest("This page cannot be rendered (\(error.code)).")
        }
    }

    @Sendable func pageImage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let render = try await render(request, context: context)
        var headers = Templates.securityHeaders
        headers[.contentType] = render.mimeType
        headers[.cacheControl] = "private, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: render.png)))
    }

    @Sendable func pageWords(_ request: Request, context: APIRequestContext) async throws -> Response {
        let render = try await render(request, context: context)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let body = try encoder.encode(PageWords(widthPt: render.widthPoints, heightPt: render.heightPoints, words: render.words))
        var headers = Templates.securityHeaders
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "private, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
