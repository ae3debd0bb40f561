import Foundation
import LectorTestSupport
import Testing

/// The headless-Chromium driver the web pages' tests use (issue 20), against a tiny local HTTP server:
/// navigation with statuses, a form posted and redirected, JavaScript values and exceptions, keys, layout
/// and screenshots.
@Suite(
    "Browser driver (headless Chromium over the DevTools pipe)",
    .enabled(if: Browser.executable != nil, "chromium is not installed; deploy/local/setup installs it"))
struct BrowserTests {
    static let formPage = """
        <!doctype html><html><head><title>Form</title>
        <style>body { margin: 0 } #box { position: absolute; left: 100px; top: 50px; width: 200px; height: 40px;
        background: #c33 }</style></head>
        <body><form method="post" action="/submit"><label>Name <input id="name" name="name"></label>
        <button type="submit">Send</button></form><div id="box"></div><p id="keys"></p>
        <button id="count" type="button" onclick="this.textContent = String(Number(this.textContent) + 1)">0</button>
        <p id="para" style="position: absolute; top: 200px; left: 20px; font: 20px sans-serif">Alpha beta gamma delta</p>
        <script>
        document.addEventListener('keydown', (event) => {
          if (event.target.tagName === 'INPUT') return;
          const keys = document.getElementById('keys');
          keys.textContent = (keys.textContent ? keys.textContent + ' ' : '') + event.key;
        });
        </script></body></html>
        """

    static func handle(_ request: LocalHTTPServer.Request) -> LocalHTTPServer.Response {
        switch (request.method, request.target) {
        case ("GET", "/"):
            return .init(status: 200, body: formPage)
        case ("POST", "/submit"):
            let name = request.body.split(separator: "&").first { $0.hasPrefix("name=") }.map { $0.dropFirst(5) } ?? ""
            return .init(status: 303, headers: ["Location": "/result?name=\(name)"], body: "")
        case ("GET", let target) where target.hasPrefix("/result?name="):
            let name = target.dropFirst("/result?name=".count).removingPercentEncoding ?? ""
            let safe = name.filter { $0.isLetter || $0.isNumber }
            return .init(status: 200, body: "<!doctype html><title>Result</title><p id=\"greeting\">Hello \(safe)</p>")
        default:
            return .init(status: 404, body: "<!doctype html><title>Not found</title><h1>Not found</h1>")
        }
    }

    struct Rect: Decodable, Equatable {
        var x, y, width, height: Double
    }

    @Test("navigate, post a form through its redirect, read values, press keys, measure, screenshot, 404")
    func drivesAPage() async throws {
        let server = try LocalHTTPServer(Self.handle)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let browser = try await Browser.launch()
        do {
            let page = try await browser.newPage()
            #expect(try await page.navigate(to: base + "/") == 200)
            #expect(try await page.evaluate("document.title", as: String.self) == "Form")

            // Fill and submit: the POST answers 303, the redirected page 200.
            try await page.evaluate("document.getElementById('name').value = 'Ada'")
            let status = try await page.waitForNavigation {
                try await page.evaluate("document.querySelector('form').submit()")
            }
            #expect(status == 200)
            #expect(try await page.url == base + "/result?name=Ada")
            #expect(try await page.evaluate("document.getElementById('greeting').textContent", as: String.self) == "Hello Ada")
            #expect(server.requests.contains { $0.method == "POST" && $0.target == "/submit" && $0.body == "name=Ada" })

            // Keys reach the page's own handler, in order.
            try await page.navigate(to: base + "/")
            for key in ["j", "k", "ArrowDown", "j"] { try await page.press(key: key) }
            #expect(try await page.evaluate("document.getElementById('keys').textContent", as: String.self) == "j k ArrowDown j")

            // Layout in CSS pixels of the 1280 x 800 viewport.
            let box = try await page.evaluate(
                """
                (() => { const r = document.getElementById('box').getBoundingClientRect();
                         return { x: r.x, y: r.y, width: r.width, height: r.height }; })()
                """, as: Rect.self)
            #expect(box == Rect(x: 100, y: 50, width: 200, height: 40))
            #expect(try await page.boundingBox(of: "#box") == BrowserPage.Box(x: 100, y: 50, width: 200, height: 40))
            await #expect(throws: BrowserError.self) { _ = try await page.boundingBox(of: "#nothing-here") }

            // Real mouse clicks and a selection drag.
            try await page.click(selector: "#count")
            try await page.click(selector: "#count")
            #expect(try await page.evaluate("document.getElementById('count').textContent", as: String.self) == "2")
            let paragraph = try await page.boundingBox(of: "#para")
            try await page.drag(
                from: (paragraph.x + 1, paragraph.y + paragraph.height / 2),
                to: (paragraph.x + paragraph.width - 1, paragraph.y + paragraph.height / 2))
            let selected = try await page.evaluate("window.getSelection().toString()", as: String.self)
            #expect(selected.contains("beta gamma"), "selected: \(selected)")

            // Waiting for what a script does later; errors it throws later are recorded.
            try await page.evaluate("setTimeout(() => { document.body.dataset.ready = 'yes' }, 20)")
            try await page.waitUntil("document.body.dataset.ready === 'yes'")
            #expect(page.errors.isEmpty, "\(page.errors)")
            try await page.evaluate("setTimeout(() => { throw new Error('late failure') }, 0)")
            #expect(try await eventually { page.errors.contains { $0.contains("late failure") } }, "\(page.errors)")
            #expect(try await page.evaluate("[window.innerWidth, window.innerHeight]", as: [Int].self) == [1280, 800])

            // Promises are awaited; exceptions become errors with their text; a wrong type is an error.
            #expect(try await page.evaluate("new Promise(resolve => setTimeout(() => resolve(42), 5))", as: Int.self) == 42)
            let thrown = await #expect(throws: BrowserError.self) {
                try await page.evaluate("(() => { throw new Error('boom at the desk') })()")
            }
            #expect(thrown?.description.contains("boom at the desk") == true, "\(String(describing: thrown))")
            await #expect(throws: BrowserError.self) { _ = try await page.evaluate("'text'", as: Int.self) }

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("browser-\(UUID().uuidString).png")
            defer { try? FileManager.default.removeItem(at: file) }
            try await page.screenshot(to: file)
            let png = [UInt8](try Data(contentsOf: file))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(png.count > 24 && Self.bigEndian(png[16..<20]) == 1280 && Self.bigEndian(png[20..<24]) == 800)

            // A real click on the submit button posts the form too.
            try await page.navigate(to: base + "/")
            try await page.evaluate("document.getElementById('name').value = 'Grace'")
            #expect(try await page.waitForNavigation { try await page.click(selector: "button[type=submit]") } == 200)
            #expect(try await page.url == base + "/result?name=Grace")

            #expect(try await page.navigate(to: base + "/missing") == 404)
            #expect(try await page.evaluate("document.querySelector('h1').textContent", as: String.self) == "Not found")
        } catch {
            await browser.close()
            throw error
        }
        await browser.close()
    }

    @Test("a refused connection is an error naming it; a closed browser refuses commands")
    func failuresAreErrors() async throws {
        // A port that was just free: nothing listens on it.
        let server = try LocalHTTPServer { _ in .init(status: 200, body: "") }
        let port = server.port
        server.stop()
        let browser = try await Browser.launch(width: 800, height: 600)
        let page: BrowserPage
        do {
            page = try await browser.newPage()
            let refused = await #expect(throws: BrowserError.self) { try await page.navigate(to: "http://127.0.0.1:\(port)/") }
            #expect(refused?.description.contains("ERR_CONNECTION_REFUSED") == true, "\(String(describing: refused))")
            #expect(try await page.evaluate("[window.innerWidth, window.innerHeight]", as: [Int].self) == [800, 600])
        } catch {
            await browser.close()
            throw error
        }
        await browser.close()
        await #expect(throws: BrowserError.self) { try await page.evaluate("1") }

        // A browser that dies on its own: what waits and what comes after fail, nothing hangs or crashes.
        let doomed = try await Browser.launch()
        let orphan = try await doomed.newPage()
        let died = await #expect(throws: BrowserError.self) { _ = try await doomed.send("Browser.crash") }
        #expect(died?.description.contains("the browser ended") == true, "\(String(describing: died))")
        await #expect(throws: BrowserError.self) { try await orphan.evaluate("1") }
        await #expect(throws: BrowserError.self) { _ = try await doomed.newPage() }
        await doomed.close()
    }

    static func bigEndian(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 << 8 | Int($1) }
    }
}
