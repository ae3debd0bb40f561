import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MultipartKit
import NIOCore

/// One uploaded PDF and its options, from a raw body (options in the query and `X-Lector-*` headers) or
/// a `multipart/form-data` body (a `file` part and option fields).
struct DocumentUpload: Sendable {
    var bytes: [UInt8]
    var filename: String
    var profile: String?
    var priority: Int = 0
    var labels: [String: String] = [:]
    /// The PDF's password; accepted in a header or form field only, never the query (URLs get logged).
    var password: String?

    static let passwordHeader = HTTPField.Name("X-Lector-PDF-Password")!
    static let filenameHeader = HTTPField.Name("X-Lector-Filename")!
    static let profileHeader = HTTPField.Name("X-Lector-Profile")!
    /// Room for the multipart framing and fields beyond the file itself.
    static let multipartOverhead = 64 * 1024
    static let maxFieldBytes = 4096

    /// Reads the request body (at most `maxBytes` of file) and its options.
    ///
    /// - Throws: ``APIError``: 413 past the limit, 400 for a malformed multipart body or option.
    static func read(_ request: Request, maxBytes: Int) async throws -> DocumentUpload {
        let contentType = request.headers[.contentType] ?? ""
        let isMultipart = contentType.lowercased().hasPrefix("multipart/form-data")
        let limit = isMultipart ? maxBytes + multipartOverhead : maxBytes
        // A declared length past the limit is refused before reading a byte of it.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError.tooLarge(limit: maxBytes)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: maxBytes)
        }
        var upload: DocumentUpload
        if isMultipart {
            upload = try multipart(body, contentType: contentType, maxBytes: maxBytes)
        } else {
            upload = DocumentUpload(bytes: Array(buffer: body), filename: "upload.pdf")
            let query = request.uri.queryParameters
            if let name = request.headers[filenameHeader] ?? query["filename"].map(String.init) { upload.filename = name }
            upload.profile = request.headers[profileHeader] ?? query["profile"].map(String.init)
            if let priority = query["priority"] { upload.priority = try parsePriority(String(priority)) }
            for label in query.getAll("label") { try upload.addLabel(String(label)) }
            upload.password = request.headers[passwordHeader]
        }
        if upload.bytes.isEmpty { throw APIError(.badRequest, code: "upload.empty", message: "the upload has no bytes") }
        upload.filename = sanitizedFilename(upload.filename)
        return upload
    }

    static func parsePriority(_ text: String) throws -> Int {
        guard let value = Int(text), (-100...100).contains(value) else {
            throw APIError.badRequest("priority must be an integer from -100 to 100")
        }
        return value
    }

    mutating func addLabel(_ text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex, text.count <= 512 else {
            throw APIError.badRequest("a label is key=value")
        }
        labels[String(text[..<equals])] = String(text[text.index(after: equals)...])
    }

    /// The last path component, without control characters, at most 255 bytes.
    static func sanitizedFilename(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init))
        let trimmed = clean.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return "upload.pdf" }
        return String(decoding: trimmed.utf8.prefix(255), as: UTF8.self)
    }

    // MARK: - multipart/form-data

    /// The parts of a form: name, file name, bytes; collected by the parser's callbacks.
    private final class Parts {
        struct Part {
            var headers: [(String, String)] = []
            var body: [UInt8] = []
            var name: String? { disposition["name"] }
            var filename: String? { disposition["filename"] }
            var disposition: [String: String] {
                guard let value = headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1 else { return [:] }
                return DocumentUpload.parameters(of: value)
            }
        }
        var current = Part()
        var complete: [Part] = []
        var tooLarge = false
        let maxBytes: Int
        init(maxBytes: Int) { self.maxBytes = maxBytes }
    }

    static func multipart(_ body: ByteBuffer, contentType: String, maxBytes: Int) throws -> DocumentUpload {
        guard let boundary = parameters(of: contentType)["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw APIError.malformedMultipart("the Content-Type has no boundary parameter")
        }
        let parts = Parts(maxBytes: maxBytes)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in parts.current.headers.append((name, value)) }
        parser.onBody = { buffer in
            if parts.current.body.count + buffer.readableBytes > parts.maxBytes { parts.tooLarge = true }
            if !parts.tooLarge { parts.current.body.append(contentsOf: buffer.readableBytesView) }
        }
        parser.onPartComplete = {
            parts.complete.append(parts.current)
            parts.current = Parts.Part()
        }
        do {
            try parser.execute(body)
        } catch {
            throw APIError.malformedMultipart("it does not follow RFC 7578 (bad boundary or part headers)")
        }
        if parts.tooLarge { throw APIError.tooLarge(limit: maxBytes) }
        guard !parts.complete.isEmpty else {
            throw APIError.malformedMultipart("no complete part (is the closing boundary missing?)")
        }
        var upload = DocumentUpload(bytes: [], filename: "upload.pdf")
        var sawFile = false
        for part in parts.complete {
            guard let name = part.name else {
                throw APIError.malformedMultipart("a part has no Content-Disposition name")
            }
            if name == "file" {
                guard !sawFile else { throw APIError.malformedMultipart("more than one file part") }
                sawFile = true
                upload.bytes = part.body
                if let filename = part.filename { upload.filename = filename }
                continue
            }
            guard part.body.count <= maxFieldBytes else {
                throw APIError.malformedMultipart("field '\(name)' is longer than \(maxFieldBytes) bytes")
            }
            let value = String(decoding: part.body, as: UTF8.self)
            switch name {
            case "filename": upload.filename = value
            case "profile": upload.profile = value
            case "priority": upload.priority = try parsePriority(value)
            case "label": try upload.addLabel(value)
            case "password": upload.password = value
            default:
                throw APIError.badRequest("unknown form field '\(name)' (file, filename, profile, priority, label, password)")
            }
        }
        guard sawFile else { throw APIError.malformedMultipart("no part named 'file'") }
        return upload
    }

    /// `type; key=value; key="quoted value"` as a dictionary of lower-cased keys.
    static func parameters(of header: String) -> [String: String] {
        var result: [String: String] = [:]
        for piece in header.split(separator: ";").dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let key = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            result[key] = value
        }
        return result
    }
}
