import Foundation
import LectorDB
import LectorService
import LectorTestSupport
import LectorWeb
import Testing

/// The review desk in headless Chromium (Debian's `chromium`, driven over the DevTools protocol): sign in,
/// the documents page, a document with its quote highlighted over the quote's words, a confirmation and a
/// correction that survive a reload, keyboard navigation, CSRF and tenant refusals. Screenshots for people
/// are kept under `.build/screenshots/review`.
@Suite("Review desk in a browser")
struct DeskBrowserTests {
    static let screenshots = RepoPaths.root.appendingPathComponent(".build/screenshots/review")

    struct Rect: Decodable, Sendable {
        var left: Double
        var top: Double
        var right: Double
        var bottom: Double
        func overlaps(_ other: Rect) -> Bool {
            left < other.right && other.left < right && top < other.bottom && other.top < bottom
        }
    }

    @Test(.enabled(if: Browser.executable != nil, "needs Debian's chromium (deploy/local/setup installs it)"))
    func signInReviewHighlightConfirmCorrectAndReload() async throws {
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        try await DeskTest.with { database, _, base, seeded in
            let (credential, _) = try await ReviewerStore(database: database).create(tenant: "acme", name: "Dana Reviewer")
            let browser = try await Browser.launch(width: 1280, height: 800)
            do {
                let page = try await browser.newPage()
                // Signing in: the desk sends an anonymous browser to the form.
                #expect(try await page.navigate(to: base + "/review") == 200)
                #expect(try await page.url.contains("/review/sign-in"))
                let signedIn = try await page.waitForNavigation {
                    try await page.evaluate(
                        "document.getElementById('credential').value = \(Self.js(credential)); document.querySelector('form.sign-in').submit()")
                }
                #expect(signedIn == 200)
                #expect(try await page.url == base + "/review")
                let listed = try await page.evaluate(
                    "[...document.querySelectorAll('table.documents tbody tr a')].map(a => a.textContent)", as: [String].self)
                #expect(listed == ["nda-northwind.pdf"])
                try await page.screenshot(to: Self.screenshots.appendingPathComponent("documents.png"))
                #expect(try await page.evaluate(Self.accessibilityProblems, as: [String].self) == [])

                // The document, with the governing-law quote selected: the highlight lies over the quote's
                // words on the rendered page (the text layer's words, from Poppler's boxes of the page).
                let law = try await DeskTest.finding("governing_law", document: seeded.acmeDocument, database: database)
                #expect(try await page.navigate(to: base + "/review/documents/\(seeded.acmeDocument)?finding=\(law)&quote=0") == 200)
                try await Self.waitForPage(page)
                let highlights = try await page.evaluate(Self.rects(".highlight"), as: [Rect].self)
                #expect(!highlights.isEmpty, "the selected quote has boxes")
                #expect(highlights.allSatisfy { $0.top >= 0 && $0.bottom <= 800 }, "the highlight is scrolled into view: \(highlights)")
                let words = try await page.evaluate(
                    "[...document.querySelectorAll('#text-layer span')].map(s => { const r = s.getBoundingClientRect(); "
                        + "return {text: s.textContent, rect: {left: r.left, top: r.top, right: r.right, bottom: r.bottom}}; })",
                    as: [Word].self)
                let quoteWords = Set(DeskTest.lawQuote.split(separator: " ").map(String.init))
                let covered = words.filter { word in highlights.contains { $0.overlaps(word.rect) } }
                #expect(
                    Set(covered.map { $0.text.trimmingCharacters(in: .punctuationCharacters) }).isSuperset(of: ["governed", "England", "Wales"]),
                    "highlight covers \(covered.map(\.text))")
                let strangers = covered.filter { !quoteWords.contains($0.text.trimmingCharacters(in: .punctuationCharacters)) }
                #expect(strangers.count <= 2, "the highlight covers words outside the quote: \(strangers.map(\.text))")
                let image = try await page.evaluate(
                    "(() => { const i = document.getElementById('page-image'); return [i.naturalWidth, i.naturalHeight]; })()", as: [Int].self)
                #expect(image.first ?? 0 >= 800, "the page image is rendered at screen width")
                try await page.screenshot(to: Self.screenshots.appendingPathComponent("document-highlight.png"))
                #expect(try await page.evaluate(Self.accessibilityProblems, as: [String].self) == [])

                // Confirm the governing law with the keyboard's "c".
                let confirmed = try await page.waitForNavigation { try await page.press(key: "c") }
                #expect(confirmed == 200)
                #expect(try await page.evaluate("document.querySelector('.notice')?.textContent ?? ''", as: String.self) == "Decision recorded.")

                // "j" moves to the next finding.
                let before = try await page.url
                _ = try await page.waitForNavigation { try await page.press(key: "j") }
                #expect(try await page.url != before)

                // Correct the termination finding: the quote chosen by selecting its words on the page.
                let termination = try await DeskTest.finding("termination_for_convenience", document: seeded.acmeDocument, database: database)
                #expect(try await page.navigate(to: base + "/review/documents/\(seeded.acmeDocument)?finding=\(termination)") == 200)
                try await Self.waitForPage(page)
                // A reader's mouse drag from the quote's first word to its last, over the text layer.
                let span = try await page.evaluate(Self.quoteSpan(DeskTest.terminationQuote), as: [Rect].self)
                #expect(span.count == 2, "the quote's words are on the page's text layer")
                let (first, last) = (span[0], span[span.count - 1])
                try await page.drag(
                    from: (first.left + 1, (first.top + first.bottom) / 2), to: (last.right - 0.5, (last.top + last.bottom) / 2))
                let chosen = try await page.evaluate("document.getElementById('quote-text').value", as: String.self)
                #expect(chosen == DeskTest.terminationQuote)
                #expect(try await page.evaluate("document.getElementById('quote-page').value", as: String.self) == "1")
                let corrected = try await page.waitForNavigation {
                    try await page.evaluate(
                        "document.getElementById('value').value = '30 days'; document.getElementById('note').value = 'Clause 5 says thirty days.'; "
                            + "document.getElementById('correct').click()")
                }
                #expect(corrected == 200)
                #expect(try await page.evaluate("document.querySelector('.error')?.textContent ?? ''", as: String.self) == "")

                // Reload: both decisions persisted and shown.
                #expect(try await page.navigate(to: base + "/review/documents/\(seeded.acmeDocument)") == 200)
                let reviews = try await page.evaluate(
                    "Object.fromEntries([...document.querySelectorAll('.finding')].map(f => [f.querySelector('h2').textContent.trim(), "
                        + "f.querySelector('.review').textContent.trim()]))", as: [String: String].self)
                #expect(reviews["Governing Law"] == "Confirmed by Dana Reviewer")
                #expect(reviews["Termination For Convenience"]?.hasPrefix("Corrected by Dana Reviewer → present: “30 days”") == true)
                #expect(reviews["Effective Date"] == "Not reviewed yet")
                let reviewersQuote = try await page.evaluate("document.querySelector('.review-quote')?.textContent ?? ''", as: String.self)
                #expect(reviewersQuote == "Reviewer's quote, p. 1: “\(DeskTest.terminationQuote)”")
                #expect(try await DeskTest.status("governing_law", document: seeded.acmeDocument, database: database) == "reviewed")
                #expect(try await DeskTest.status("termination_for_convenience", document: seeded.acmeDocument, database: database) == "corrected")
                try await page.screenshot(to: Self.screenshots.appendingPathComponent("document-reviewed.png"))

                #expect(page.errors.isEmpty, "JavaScript errors: \(page.errors)")

                // A form whose CSRF token was taken out is refused, and nothing is recorded.
                let refused = try await page.waitForNavigation {
                    try await page.evaluate(
                        "document.querySelector('#decision input[name=csrf]').remove(); document.getElementById('reject').click()")
                }
                #expect(refused == 403)
                #expect(try await DeskTest.status("effective_date", document: seeded.acmeDocument, database: database) == "pending")

                // Another tenant's document: 404.
                #expect(try await page.navigate(to: base + "/review/documents/\(seeded.globexDocument)") == 404)

                // The documents page now shows the progress.
                #expect(try await page.navigate(to: base + "/review?review=in_progress") == 200)
                #expect(try await page.evaluate("document.querySelector('.progress')?.textContent ?? ''", as: String.self)
                    == "2 of 3 decided (1 corrected)")
            } catch {
                await browser.close()
                throw error
            }
            await browser.close()
        }
    }

    struct Word: Decodable, Sendable {
        var text: String
        var rect: Rect
    }

    /// Waits until the page image has loaded and the text layer holds the page's words.
    static func waitForPage(_ page: BrowserPage) async throws {
        try await page.waitUntil(
            "(() => { const i = document.getElementById('page-image'); const l = document.getElementById('text-layer'); "
                + "return !!(i && i.complete && i.naturalWidth > 0 && l && l.dataset.ready === 'true'); })()")
    }

    /// What a screen reader user would stumble on: a control without a label, an image without a text
    /// alternative, a button or link without a name, focus order changed by positive tabindex, no language,
    /// no main landmark or heading.
    static let accessibilityProblems = """
        (() => {
          const problems = [];
          if (!document.documentElement.lang) problems.push('no lang');
          if (!document.querySelector('main')) problems.push('no main landmark');
          if (!document.querySelector('h1')) problems.push('no h1');
          for (const c of document.querySelectorAll('input:not([type=hidden]), select, textarea'))
            if (!c.labels || c.labels.length === 0) problems.push('unlabelled ' + c.outerHTML.slice(0, 80));
          for (const i of document.querySelectorAll('img')) if (!i.alt) problems.push('image without alt');
          for (const e of document.querySelectorAll('a, button'))
            if (!(e.textContent.trim() || e.getAttribute('aria-label'))) problems.push('nameless ' + e.outerHTML.slice(0, 80));
          for (const e of document.querySelectorAll('[tabindex]'))
            if (Number(e.getAttribute('tabindex')) > 0) problems.push('positive tabindex');
          return problems;
        })()
        """

    static func rects(_ selector: String) -> String {
        "[...document.querySelectorAll('\(selector)')].map(e => { const r = e.getBoundingClientRect(); "
            + "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })"
    }

    /// The rectangles of the first and last text-layer words of the first run of words that spells `quote`
    /// (scrolled into view), or none.
    static func quoteSpan(_ quote: String) -> String {
        """
        (() => {
          const want = \(js(quote)).split(' ');
          const spans = [...document.querySelectorAll('#text-layer span')];
          for (let i = 0; i + want.length <= spans.length; i++) {
            if (want.every((w, k) => spans[i + k].textContent === w)) {
              spans[i].scrollIntoView({block: 'center'});
              return [spans[i], spans[i + want.length - 1]].map(e => { const r = e.getBoundingClientRect();
                return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; });
            }
          }
          return [];
        })()
        """
    }

    /// A JavaScript string literal.
    static func js(_ text: String) -> String {
        let data = try! JSONEncoder().encode(text)
        return String(decoding: data, as: UTF8.self)
    }
}
