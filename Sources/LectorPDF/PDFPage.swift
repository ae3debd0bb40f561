import CPoppler
import Foundation

/// A page of an open ``PDFDocument``: the one Swift owner of a `PopplerPage`.
///
/// Same thread rules as its document: blocking, one thread at a time. Keeps its document alive.
public final class PDFPage {
    let handle: OpaquePointer
    /// 1-based page number.
    public let number: Int
    let document: PDFDocument

    init(handle: OpaquePointer, number: Int, document: PDFDocument) {
        self.handle = handle
        self.number = number
        self.document = document
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(handle))
    }

    /// Size in points as displayed (rotation applied).
    public var size: (width: Double, height: Double) {
        var width = 0.0
        var height = 0.0
        poppler_page_get_size(handle, &width, &height)
        return (width, height)
    }

    /// Plain text in reading order (Poppler's text layout analysis).
    public func text() -> String {
        PDFDocument.take(poppler_page_get_text(handle)) ?? ""
    }

    /// The words of ``text()`` with their boxes in points (rotation applied, origin top left).
    ///
    /// Poppler gives one rectangle per character of the text; a word is a run of non-whitespace
    /// characters and its box the union of theirs.
    public func words(text: String) -> [PDFWord] {
        var rectangles: UnsafeMutablePointer<PopplerRectangle>?
        var count: guint = 0
        guard poppler_page_get_text_layout(handle, &rectangles, &count) != 0, let rectangles else { return [] }
        defer { g_free(rectangles) }
        let scalars = text.unicodeScalars
        // A mismatch means the layout and the text disagree; no boxes beat wrong boxes.
        guard scalars.count == Int(count) else { return [] }
        var words: [PDFWord] = []
        var current = String.UnicodeScalarView()
        var box = PDFRect(x1: 0, y1: 0, x2: 0, y2: 0)
        var index = 0
        func flush() {
            if !current.isEmpty {
                words.append(PDFWord(text: String(current), box: box))
                current.removeAll(keepingCapacity: true)
            }
        }
        for scalar in scalars {
            let r = rectangles[index]
            index += 1
            if scalar.isWhitespaceFast {
                flush()
                continue
            }
            let x1 = min(r.x1, r.x2)
            let x2 = max(r.x1, r.x2)
            let y1 = min(r.y1, r.y2)
            let y2 = max(r.y1, r.y2)
            if current.isEmpty {
                box = PDFRect(x1: x1, y1: y1, x2: x2, y2: y2)
            } else {
                box = PDFRect(x1: min(box.x1, x1), y1: min(box.y1, y1), x2: max(box.x2, x2), y2: max(box.y2, y2))
            }
            current.append(scalar)
        }
        flush()
        return words
    }

    /// The share of the page area covered by images, 0...1 (overlaps counted once).
    ///
    /// Poppler finds images by interpreting the whole page again; pages whose resources draw no image
    /// XObject skip that pass and count as 0 (images inlined in the content stream are then not seen; a
    /// scan made of those has no text layer and needs vision anyway). Poppler's pass draws the page's
    /// contents only, never its annotations, so annotations do not call for it.
    public func imageCoverage() -> Double {
        let (width, height) = size
        guard width > 0, height > 0 else { return 0 }
        if number <= document.mayHaveImages.count, !document.mayHaveImages[number - 1] { return 0 }
        var rects: [PDFRect] = []
        let list = poppler_page_get_image_mapping(handle)
        var node = list
        while let current = node {
            if let data = current.pointee.data {
                let area = data.assumingMemoryBound(to: PopplerImageMapping.self).pointee.area
                let rect = PDFRect(
                    x1: max(0, min(area.x1, area.x2)), y1: max(0, min(area.y1, area.y2)),
                    x2: min(width, max(area.x1, area.x2)), y2: min(height, max(area.y1, area.y2)))
                if rect.area > 0 { rects.append(rect) }
            }
            node = current.pointee.next
        }
        if let list { poppler_page_free_image_mapping(list) }
        return min(1, Self.unionArea(rects) / (width * height))
    }

    /// Area of the union of rectangles: exact by coordinate compression for a few, a capped sum for
    /// many (hundreds of tiny images, where the exact figure does not change any decision).
    static func unionArea(_ rects: [PDFRect]) -> Double {
        guard rects.count > 1 else { return rects.first?.area ?? 0 }
        guard rects.count <= 64 else { return rects.reduce(0) { $0 + $1.area } }
        let xs = Array(Set(rects.flatMap { [$0.x1, $0.x2] })).sorted()
        let ys = Array(Set(rects.flatMap { [$0.y1, $0.y2] })).sorted()
        var total = 0.0
        for i in 0..<(xs.count - 1) {
            for j in 0..<(ys.count - 1) {
                let cx = (xs[i] + xs[i + 1]) / 2
                let cy = (ys[j] + ys[j + 1]) / 2
                if rects.contains(where: { $0.x1 <= cx && cx <= $0.x2 && $0.y1 <= cy && cy <= $0.y2 }) {
                    total += (xs[i + 1] - xs[i]) * (ys[j + 1] - ys[j])
                }
            }
        }
        return total
    }

    /// The page's rotation in degrees clockwise (0, 90, 180 or 270).
    public var rotation: Int {
        if number <= document.rotations.count { return document.rotations[number - 1] }
        // Without the C++ view, the crop box (unrotated) against the displayed size tells at least
        // portrait from landscape.
        var crop = PopplerRectangle()
        poppler_page_get_crop_box(handle, &crop)
        let (width, _) = size
        return abs(abs(crop.x2 - crop.x1) - width) > 0.5 ? 90 : 0
    }
}
