/// What a page image costs a Pixtral-style vision encoder (Mistral Small), in tokens: the one home of
/// the formula, for the extractor (a rendered page's cost) and the engine client (planning).
public enum ImageTokens {
    /// The long side the encoder scales images down to.
    public static let longSideCap = 1540
    /// The encoder's patch size in pixels.
    public static let patch = 28

    /// `ceil(H/28) * (ceil(W/28) + 1)` after scaling the long side down to ``longSideCap``: one token per
    /// 28×28 patch plus one row-break token per row. Zero for an empty image.
    public static func cost(width: Int, height: Int) -> Int {
        guard width > 0, height > 0 else { return 0 }
        var w = Double(width)
        var h = Double(height)
        let longSide = max(w, h)
        if longSide > Double(longSideCap) {
            let scale = Double(longSideCap) / longSide
            w = (w * scale).rounded()
            h = (h * scale).rounded()
        }
        let rows = Int((h / Double(patch)).rounded(.up))
        let columns = Int((w / Double(patch)).rounded(.up))
        return rows * (columns + 1)
    }
}
