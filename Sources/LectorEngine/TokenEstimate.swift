import LectorCore

/// Token counts for planning: exact from the engine's `/tokenize` when it has one, conservative
/// estimates otherwise.
public enum TokenEstimate {
    /// The long side the engine scales images down to (Mistral's Pixtral-style encoder).
    public static var imageLongSideCap: Int { ImageTokens.longSideCap }

    /// Tokens for an image of `width` x `height` pixels (``ImageTokens/cost(width:height:)``).
    public static func imageTokens(width: Int, height: Int) -> Int {
        ImageTokens.cost(width: width, height: height)
    }

    /// Tokens for an image part: from its stated size, else its PNG/JPEG header, else a full-size page.
    public static func imageTokens(_ image: ImageInput) -> Int {
        if let w = image.width, let h = image.height { return imageTokens(width: w, height: h) }
        if let size = ImageSize.read(dataURI: image.url) { return imageTokens(width: size.width, height: size.height) }
        return imageTokens(width: imageLongSideCap, height: imageLongSideCap)
    }

    /// A conservative estimate for text without a tokenizer: one token per 3 UTF-8 bytes, rounded up.
    ///
    /// Real tokenizers average about 4 characters per token on English prose; contracts with numbers,
    /// names and other languages come closer to 3, so this rarely undercounts.
    public static func textTokens(_ text: String) -> Int { (text.utf8.count + 2) / 3 }

    /// Per-message overhead for chat templates (role markers, separators).
    public static let messageOverhead = 8

    /// A conservative estimate for a whole request's prompt (without the output budget).
    public static func promptTokens(_ request: ChatRequest) -> Int {
        var total = 2 * messageOverhead + textTokens(request.system)
        for part in request.user {
            switch part {
            case .text(let text): total += textTokens(text)
            case .image(let image): total += imageTokens(image)
            }
        }
        if let schema = request.schema { total += textTokens(schema.schema.jsonText) }
        return total
    }
}
