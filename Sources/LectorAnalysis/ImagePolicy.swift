/// Which pages are sent as images.
public enum ImagePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Only pages that need vision (scanned, image-heavy, too little text).
    case auto
    /// Every page.
    case all
    /// No page: text only (a page that needs vision is sent as its text, and the plan says so).
    case none
}
