/// What the parent sends the child on its standard input: the request, then the document's bytes.
struct ChildRequest: Equatable {
    var options: ExtractionOptions
    var limits: ExtractionLimits
    var password: String?
    var byteCount: Int

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.string(options.vision.rawValue)
        w.int(options.thresholds.minVisibleChars)
        w.f64(options.thresholds.maxGarbageShare)
        w.f64(options.thresholds.minImageCoverage)
        w.bool(options.renderImages)
        w.string(options.imageFormat.rawValue)
        w.int(options.jpegQuality)
        w.int(options.maxSide)
        w.optionalInt(options.maxWidth)
        w.bool(options.words)
        w.bool(options.bypassOutputIntents)
        w.bool(options.cutOffPageText)
        w.optionalInt(options.pages?.lowerBound)
        w.optionalInt(options.pages?.upperBound)
        w.f64(limits.wallClockSeconds)
        w.int(limits.cpuSeconds)
        w.int(limits.addressSpaceBytes)
        w.int(limits.maxBytes)
        w.int(limits.maxPages)
        w.int(limits.maxImagePixels)
        w.f64(limits.maxPageSidePoints)
        w.optionalString(password)
        w.int(byteCount)
        var framed = WireWriter()
        framed.blob(w.bytes)
        return framed.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(WireReader.Truncated) -> ChildRequest {
        var r = WireReader(bytes)
        var options = ExtractionOptions()
        options.vision = VisionPolicy(rawValue: try r.string()) ?? .auto
        options.thresholds.minVisibleChars = try r.int()
        options.thresholds.maxGarbageShare = try r.f64()
        options.thresholds.minImageCoverage = try r.f64()
        options.renderImages = try r.bool()
        options.imageFormat = ImageFormat(rawValue: try r.string()) ?? .jpeg
        options.jpegQuality = try r.int()
        options.maxSide = try r.int()
        options.maxWidth = try r.optionalInt()
        options.words = try r.bool()
        options.bypassOutputIntents = try r.bool()
        options.cutOffPageText = try r.bool()
        let lower = try r.optionalInt()
        let upper = try r.optionalInt()
        if let lower, let upper, lower <= upper { options.pages = lower...upper }
        var limits = ExtractionLimits()
        limits.wallClockSeconds = try r.f64()
        limits.cpuSeconds = try r.int()
        limits.addressSpaceBytes = try r.int()
        limits.maxBytes = try r.int()
        limits.maxPages = try r.int()
        limits.maxImagePixels = try r.int()
        limits.maxPageSidePoints = try r.f64()
        let password = try r.optionalString()
        let byteCount = try r.int()
        return ChildRequest(options: options, limits: limits, password: password, byteCount: byteCount)
    }
}

/// What the child streams back on its standard output, one frame at a time:
/// `u32 length, u8 kind, payload`.
enum ChildMessage: Equatable {
    case document(PDFDocumentInfo)
    case page(ExtractedPage)
    case failure(PDFError)
    case done

    func framed() -> [UInt8] {
        var w = WireWriter()
        switch self {
        case .document(let info):
            w.u8(1)
            w.int(info.pageCount)
            w.optionalString(info.title)
            w.optionalString(info.author)
            w.optionalString(info.creator)
            w.optionalString(info.producer)
            w.bool(info.creationDate != nil)
            w.i64(info.creationDate ?? 0)
            w.bool(info.modificationDate != nil)
            w.i64(info.modificationDate ?? 0)
            w.string(info.pdfVersion)
            w.optionalString(info.pdfSubtype)
            w.bool(info.encrypted)
            w.bool(info.declaresOutputIntents)
            w.bool(info.outputIntentsBypassed)
        case .page(let page):
            w.u8(2)
            w.int(page.number)
            w.f64(page.width)
            w.f64(page.height)
            w.int(page.rotation)
            w.string(page.text)
            w.u32(UInt32(page.words.count))
            for word in page.words {
                w.string(word.text)
                w.f32(word.box.x1)
                w.f32(word.box.y1)
                w.f32(word.box.x2)
                w.f32(word.box.y2)
            }
            w.int(page.chars)
            w.int(page.visibleChars)
            w.f64(page.imageCoverage)
            w.bool(page.needsVision)
            w.optionalInt(page.imageWidth)
            w.optionalInt(page.imageHeight)
            w.bool(page.image != nil)
            if let image = page.image {
                w.string(image.format.rawValue)
                w.int(image.width)
                w.int(image.height)
                w.blob(image.bytes)
            }
        case .failure(let error):
            w.u8(3)
            w.string(error.kind.rawValue)
            w.string(error.reason)
        case .done:
            w.u8(4)
        }
        var framed = WireWriter()
        framed.blob(w.bytes)
        return framed.bytes
    }

    static func decode(_ payload: [UInt8]) throws(WireReader.Truncated) -> ChildMessage {
        var r = WireReader(payload)
        switch try r.u8() {
        case 1:
            var info = PDFDocumentInfo(pageCount: try r.int())
            info.title = try r.optionalString()
            info.author = try r.optionalString()
            info.creator = try r.optionalString()
            info.producer = try r.optionalString()
            let hasCreation = try r.bool()
            let creation = try r.i64()
            info.creationDate = hasCreation ? creation : nil
            let hasModification = try r.bool()
            let modification = try r.i64()
            info.modificationDate = hasModification ? modification : nil
            info.pdfVersion = try r.string()
            info.pdfSubtype = try r.optionalString()
            info.encrypted = try r.bool()
            info.declaresOutputIntents = try r.bool()
            info.outputIntentsBypassed = try r.bool()
            return .document(info)
        case 2:
            let number = try r.int()
            let width = try r.f64()
            let height = try r.f64()
            let rotation = try r.int()
            let text = try r.string()
            let wordCount = Int(try r.u32())
            var words: [PDFWord] = []
            words.reserveCapacity(wordCount)
            for _ in 0..<wordCount {
                let word = try r.string()
                let box = PDFRect(x1: try r.f32(), y1: try r.f32(), x2: try r.f32(), y2: try r.f32())
                words.append(PDFWord(text: word, box: box))
            }
            var page = ExtractedPage(
                number: number, width: width, height: height, rotation: rotation, text: text, words: words,
                chars: try r.int(), visibleChars: try r.int(), imageCoverage: try r.f64(), needsVision: try r.bool())
            page.imageWidth = try r.optionalInt()
            page.imageHeight = try r.optionalInt()
            if try r.bool() {
                let format = ImageFormat(rawValue: try r.string()) ?? .jpeg
                page.image = RenderedImage(format: format, width: try r.int(), height: try r.int(), bytes: try r.blob())
            }
            return .page(page)
        case 3:
            let kind = PDFError.Kind(rawValue: try r.string()) ?? .crashed
            return .failure(PDFError(kind, try r.string()))
        case 4:
            return .done
        default:
            throw WireReader.Truncated()
        }
    }
}
