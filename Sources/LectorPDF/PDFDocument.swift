import CLectorPDFShims
import CPoppler
import Foundation

/// An open PDF: the one Swift owner of a `PopplerDocument`.
///
/// Every call blocks while Poppler works and may take long on a hostile file: use it only in the
/// isolated child process (see ``PDFExtractor``) or on a dedicated thread, never on Swift's cooperative
/// pool. Not thread-safe: one document is used by one thread at a time (different documents may be used
/// on different threads).
public final class PDFDocument {
    let handle: OpaquePointer
    /// Facts about the document.
    public let info: PDFDocumentInfo
    /// `/Rotate` of each page, read once at open (empty when the C++ view failed).
    let rotations: [Int]
    /// Whether each page may draw images; pages that cannot skip Poppler's image-mapping pass.
    let mayHaveImages: [Bool]

    /// Opens a document from its bytes.
    ///
    /// - Parameters:
    ///   - password: the user (or owner) password; tried as UTF-8, as Latin-1 and SASLprep-normalised
    ///     (PDF 2.0 AES-256 passwords are SASLprep'd UTF-8).
    ///   - bypassOutputIntents: hide `/OutputIntents` from Poppler (see ``OutputIntentsBypass``).
    ///   - cutOffPageText: the pages whose text far outside the page is cut before Poppler reads it
    ///     (see ``OffPageText``); nil to cut nothing.
    /// - Throws: ``PDFError`` (not a PDF, damaged, password required or wrong, no pages, too large).
    public init(
        bytes: [UInt8], password: String? = nil, bypassOutputIntents: Bool = true,
        cutOffPageText pages: ClosedRange<Int>? = nil, limits: ExtractionLimits = .init()
    ) throws(PDFError) {
        guard !bytes.isEmpty else { throw PDFError(.notPDF, "the file is empty") }
        guard bytes.count <= limits.maxBytes else {
            throw PDFError(.tooLarge, "the file has \(bytes.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        let bypass = bypassOutputIntents ? OutputIntentsBypass.apply(to: bytes) : OutputIntentsBypass.Outcome(
            declaresOutputIntents: !OutputIntentsBypass.occurrences(of: OutputIntentsBypass.key, in: bytes).isEmpty,
            patched: nil)

        var opened: (document: OpaquePointer, password: String?)?
        var bypassed = false
        if let pages, let cut = OffPageText.cut(bypass.patched ?? bytes, pages: pages),
            let document = try? Self.open(cut.bytes, password: password)
        {
            opened = document
            bypassed = bypass.patched != nil
        }
        if opened == nil, let patched = bypass.patched {
            // Any failure with the patched bytes is a doubt: the untouched bytes decide.
            if let document = try? Self.open(patched, password: password) {
                opened = document
                bypassed = true
            }
        }
        let document: OpaquePointer
        let usedPassword: String?
        if let opened {
            (document, usedPassword) = opened
        } else {
            do {
                (document, usedPassword) = try Self.open(bytes, password: password)
            } catch where error.kind == .damaged {
                // Poppler reads files whose header is missing or late (as readers do); only when it
                // cannot, a file without any `%PDF-` is called what it is.
                if OutputIntentsBypass.occurrences(of: Array("%PDF-".utf8), in: bytes, wholeToken: false).isEmpty {
                    throw PDFError(.notPDF, "no %PDF- header and Poppler cannot read it: not a PDF")
                }
                throw error
            }
        }
        handle = document

        let pageCount = Int(poppler_document_get_n_pages(document))
        (rotations, mayHaveImages) = Self.readPageFacts(
            bytes, password: usedPassword.map { $0.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } },
            count: min(pageCount, limits.maxPages))
        let encrypted = (password.map { !$0.isEmpty } ?? false)
            || !OutputIntentsBypass.occurrences(of: Array("/Encrypt".utf8), in: bytes).isEmpty
        info = PDFDocumentInfo(
            pageCount: pageCount,
            title: Self.take(poppler_document_get_title(document)),
            author: Self.take(poppler_document_get_author(document)),
            creator: Self.take(poppler_document_get_creator(document)),
            producer: Self.take(poppler_document_get_producer(document)),
            creationDate: Self.date(poppler_document_get_creation_date(document)),
            modificationDate: Self.date(poppler_document_get_modification_date(document)),
            pdfVersion: Self.take(poppler_document_get_pdf_version_string(document)) ?? "",
            pdfSubtype: Self.take(poppler_document_get_pdf_subtype_string(document)),
            encrypted: encrypted,
            declaresOutputIntents: bypass.declaresOutputIntents,
            outputIntentsBypassed: bypassed)
        // Checked after `handle` is set so that deinit releases the document.
        guard pageCount > 0 else { throw PDFError(.noPages, "the document has no pages") }
        guard pageCount <= limits.maxPages else {
            throw PDFError(.tooLarge, "the document has \(pageCount) pages, more than the limit of \(limits.maxPages)")
        }
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(handle))
    }

    /// Number of pages.
    public var pageCount: Int { info.pageCount }

    /// The page with 1-based `number`.
    public func page(_ number: Int) throws(PDFError) -> PDFPage {
        guard number >= 1, number <= pageCount,
            let page = poppler_document_get_page(handle, Int32(number - 1))
        else { throw PDFError(.damaged, "page \(number) cannot be loaded") }
        return PDFPage(handle: page, number: number, document: self)
    }

    /// Page rotations and image hints through the C++ shim; empty when that second view of the file
    /// cannot be opened.
    private static func readPageFacts(_ bytes: [UInt8], password: [UInt8]?, count: Int) -> ([Int], [Bool]) {
        guard count > 0 else { return ([], []) }
        var rotations = [Int32](repeating: 0, count: count)
        var images = [Int32](repeating: 1, count: count)
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                rotations.withUnsafeMutableBufferPointer { rotationsOut in
                    images.withUnsafeMutableBufferPointer { imagesOut in
                        if let password {
                            (password + [0]).withUnsafeBufferPointer { secret in
                                secret.withMemoryRebound(to: CChar.self) {
                                    lector_page_facts(
                                        chars.baseAddress, chars.count, $0.baseAddress, rotationsOut.baseAddress,
                                        imagesOut.baseAddress, Int32(count))
                                }
                            }
                        } else {
                            lector_page_facts(
                                chars.baseAddress, chars.count, nil, rotationsOut.baseAddress, imagesOut.baseAddress,
                                Int32(count))
                        }
                    }
                }
            }
        }
        guard status == 0 else { return ([], []) }
        return (rotations.map { ((Int($0) % 360) + 360) % 360 }, images.map { $0 != 0 })
    }

    private static func open(_ bytes: [UInt8], password: String?) throws(PDFError) -> (OpaquePointer, String?) {
        guard let password, !password.isEmpty else { return (try openOnce(bytes, password: nil), nil) }
        // The security handler compares bytes: UTF-8 (AES-256), Latin-1 (RC4/AES-128, PDFDocEncoding),
        // SASLprep'd UTF-8 (PDF 2.0). Find the one that opens the file with Poppler's C++ API, then hand
        // poppler-glib exactly those bytes (see lector_check_password for why glib gets no wrong ones).
        var candidates: [[UInt8]] = [Array(password.utf8)]
        if password.unicodeScalars.allSatisfy({ $0.value < 0x100 }) {
            candidates.append(password.unicodeScalars.map { UInt8($0.value) })
        }
        if let prepared = SASLprep.prepare(password) { candidates.append(Array(prepared.utf8)) }
        for candidate in candidates where !candidate.contains(0) {
            let verdict = bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    candidate.withUnsafeBufferPointer { secret in
                        secret.withMemoryRebound(to: CChar.self) {
                            lector_check_password(chars.baseAddress, chars.count, $0.baseAddress, $0.count)
                        }
                    }
                }
            }
            switch verdict {
            case 0:
                // glib converts its UTF-8 argument to Latin-1 first: spelling each byte as the Latin-1
                // character of that value makes that first attempt use exactly these bytes.
                let latin1Spelling = String(String.UnicodeScalarView(candidate.map { Unicode.Scalar($0) }))
                return (try openOnce(bytes, password: latin1Spelling), latin1Spelling)
            case 1:
                continue
            default:
                return (try openOnce(bytes, password: nil), nil)
            }
        }
        throw PDFError(.wrongPassword, "the document is encrypted and the password given does not open it")
    }

    private static func openOnce(_ bytes: [UInt8], password: String?) throws(PDFError) -> OpaquePointer {
        let data = bytes.withUnsafeBytes { g_bytes_new($0.baseAddress, gsize($0.count)) }
        defer { g_bytes_unref(data) }
        var error: UnsafeMutablePointer<GError>?
        let document: OpaquePointer? =
            if let password {
                password.withCString { poppler_document_new_from_bytes(data, $0, &error) }
            } else {
                poppler_document_new_from_bytes(data, nil, &error)
            }
        if let document { return document }
        let code = error?.pointee.code ?? -1
        let message = error.flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "unknown error"
        if let error { g_error_free(error) }
        switch code {
        case Int32(POPPLER_ERROR_ENCRYPTED.rawValue):
            if password == nil || password == "" {
                throw PDFError(.passwordRequired, "the document is encrypted: give its password")
            }
            throw PDFError(.wrongPassword, "the document is encrypted and the password given does not open it")
        default:
            throw PDFError(.damaged, "Poppler cannot open the document (\(message))")
        }
    }

    /// Takes ownership of a "transfer full" string.
    static func take(_ string: UnsafeMutablePointer<gchar>?) -> String? {
        guard let string else { return nil }
        defer { g_free(string) }
        let value = String(cString: string)
        return value.isEmpty ? nil : value
    }

    private static func date(_ value: time_t) -> Int64? {
        value == -1 ? nil : Int64(value)
    }
}

/// SASLprep (RFC 4013) as PDF 2.0 asks for AES-256 passwords: map non-ASCII spaces to space, drop
/// characters mapped to nothing, normalise with NFKC.
enum SASLprep {
    static func prepare(_ password: String) -> String? {
        guard password.unicodeScalars.contains(where: { !$0.isASCII }) else { return nil }
        var mapped = String.UnicodeScalarView()
        for scalar in password.unicodeScalars {
            switch scalar.value {
            case 0x00A0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000:
                mapped.append(" ")
            case 0x00AD, 0x034F, 0x1806, 0x180B...0x180D, 0x200B...0x200D, 0x2060, 0xFE00...0xFE0F, 0xFEFF:
                continue
            default:
                mapped.append(scalar)
            }
        }
        return String(mapped).precomposedStringWithCompatibilityMapping
    }
}
