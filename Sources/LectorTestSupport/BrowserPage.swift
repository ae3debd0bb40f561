import Foundation
import LectorEngine
import Synchronization

/// One tab of a ``Browser``: navigation with the main document's HTTP status, JavaScript, keys and
/// screenshots.
///
/// Waits are bounded by ``Browser/defaultSeconds`` and say what they waited for when they give up.
public final class BrowserPage: Sendable {
    let browser: Browser
    let session: String
    let mainFrame: String
    private let errorLog = Mutex<[String]>([])

    private init(browser: Browser, session: String, mainFrame: String) {
        self.browser = browser
        self.session = session
        self.mainFrame = mainFrame
    }

    /// Records the page's uncaught exceptions and console errors until the browser closes.
    private func recordErrors() {
        let events = browser.pipe.subscribe(session: session).events
        // Unstructured: it lives as long as the page's event stream, which ends when the browser closes.
        Task { [self] in
            for await event in events {
                switch event.method {
                case "Runtime.exceptionThrown":
                    let details = event.params["exceptionDetails"]
                    let text = details?["exception"]?["description"]?.stringValue ?? details?["text"]?.stringValue ?? "exception"
                    self.errorLog.withLock { $0.append(text) }
                case "Runtime.consoleAPICalled" where event.params["type"]?.stringValue == "error":
                    let text = (event.params["args"]?.arrayValue ?? []).map {
                        $0["value"]?.stringValue ?? $0["description"]?.stringValue ?? ""
                    }.joined(separator: " ")
                    self.errorLog.withLock { $0.append("console.error: \(text)") }
                default:
                    break
                }
            }
        }
    }

    static func attach(browser: Browser, session: String, width: Int, height: Int) async throws -> BrowserPage {
        let pipe = browser.pipe
        let seconds = Browser.defaultSeconds
        _ = try await pipe.send("Page.enable", session: session, seconds: seconds)
        _ = try await pipe.send("Network.enable", session: session, seconds: seconds)
        _ = try await pipe.send("Runtime.enable", session: session, seconds: seconds)
        // Key events go to the focused page.
        _ = try await pipe.send("Page.bringToFront", session: session, seconds: seconds)
        // The viewport the page lays out in and screenshots have, whatever the window manager of a
        // headless browser makes of --window-size.
        _ = try await pipe.send(
            "Emulation.setDeviceMetricsOverride",
            ["width": .number(Double(width)), "height": .number(Double(height)), "deviceScaleFactor": .number(1),
             "mobile": .bool(false)],
            session: session, seconds: seconds)
        let tree = try await pipe.send("Page.getFrameTree", session: session, seconds: seconds)
        guard let frame = tree["frameTree"]?["frame"]?["id"]?.stringValue else {
            throw BrowserError("Page.getFrameTree answered without the main frame's id")
        }
        let page = BrowserPage(browser: browser, session: session, mainFrame: frame)
        page.recordErrors()
        return page
    }

    /// Sends a DevTools command to this page and returns its result (for what the methods here do not
    /// cover).
    public func send(_ method: String, _ params: [String: JSONValue] = [:]) async throws -> JSONValue {
        try await browser.pipe.send(method, params, session: session, seconds: Browser.defaultSeconds)
    }

    /// Navigates and waits for the load event; returns the HTTP status of the main document (Network events).
    /// - Throws: ``BrowserError`` when the navigation fails (no server, a refused URL) or does not load.
    @discardableResult public func navigate(to url: String) async throws -> Int {
        try await waitForNavigation {
            let result = try await self.send("Page.navigate", ["url": .string(url)])
            // An HTTP error page still loads (and reports its status); a network error does not.
            if let error = result["errorText"]?.stringValue, error != "net::ERR_HTTP_RESPONSE_CODE_FAILURE" {
                throw BrowserError("navigating to \(url) failed: \(error)")
            }
        }
    }

    /// Runs `action` (e.g. an evaluate that submits a form or clicks a link) and waits for the resulting
    /// navigation's load event; returns its HTTP status.
    ///
    /// The status is that of the last main-frame document response before the load event (after any
    /// redirects, such as a form's 303).
    /// - Throws: ``BrowserError`` when no navigation loads within the bound, or what `action` throws.
    @discardableResult public func waitForNavigation(_ action: () async throws -> Void) async throws -> Int {
        // Subscribed before the action, so that no event of the navigation it starts can be missed.
        let subscription = browser.pipe.subscribe(session: session)
        defer { browser.pipe.unsubscribe(subscription) }
        let events = subscription.events
        try await action()
        let mainFrame = self.mainFrame
        return try await withDeadline(Browser.defaultSeconds, "a navigation's document and load event") {
            var status: Int?
            for await event in events {
                switch event.method {
                case "Network.responseReceived" where event.params["type"]?.stringValue == "Document"
                    && event.params["frameId"]?.stringValue == mainFrame:
                    status = event.params["response"]?["status"]?.intValue
                case "Page.loadEventFired":
                    if let status { return status }
                default:
                    break
                }
            }
            throw BrowserError(
                "the page's events ended before its navigation loaded: \(self.browser.pipe.endedReason ?? "stream ended")")
        }
    }

    /// Runtime.evaluate with awaitPromise and returnByValue, decoded as `type`.
    /// - Throws: ``BrowserError`` with the exception's text when the script throws (or its promise
    ///   rejects), or when the value does not decode as `type`.
    public func evaluate<T: Decodable & Sendable>(_ expression: String, as type: T.Type) async throws -> T {
        let result = try await evaluateResult(expression)
        guard let value = result["value"] else {
            throw BrowserError("\(expression.prefix(80)) returned \(result["type"]?.stringValue ?? "nothing"), not a value")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(value.serialized()))
        } catch {
            throw BrowserError("\(expression.prefix(80)) returned \(String(decoding: value.serialized().prefix(200), as: UTF8.self)), not a \(T.self): \(error)")
        }
    }

    /// Runs `expression` (awaiting a returned promise) and ignores its value.
    /// - Throws: ``BrowserError`` with the exception's text when the script throws.
    public func evaluate(_ expression: String) async throws {
        _ = try await evaluateResult(expression)
    }

    private func evaluateResult(_ expression: String) async throws -> JSONValue {
        let answer = try await send(
            "Runtime.evaluate",
            ["expression": .string(expression), "awaitPromise": .bool(true), "returnByValue": .bool(true),
             "userGesture": .bool(true)])
        if let details = answer["exceptionDetails"] {
            let text = details["exception"]?["description"]?.stringValue ?? details["text"]?.stringValue ?? "an exception"
            throw BrowserError("JavaScript threw: \(text)")
        }
        return answer["result"] ?? .object([:])
    }

    /// Presses and releases `key` (a DOM key value such as "j", "k", "Enter", "ArrowDown") on the
    /// focused element, as Input.dispatchKeyEvent keyDown and keyUp.
    public func press(key: String) async throws {
        var down: [String: JSONValue] = ["type": .string("keyDown"), "key": .string(key)]
        if let (code, keyCode) = Self.specialKeys[key] {
            down["code"] = .string(code)
            down["windowsVirtualKeyCode"] = .number(Double(keyCode))
            if key == "Enter" { down["text"] = .string("\r") }
            if key == " " { down["text"] = .string(" ") }
        } else if key.count == 1, let scalar = key.unicodeScalars.first {
            // A printable key types its character too (keypress, input events).
            down["text"] = .string(key)
            if scalar.properties.isAlphabetic, scalar.isASCII {
                down["code"] = .string("Key\(key.uppercased())")
                down["windowsVirtualKeyCode"] = .number(Double(key.uppercased().unicodeScalars.first!.value))
            } else if ("0"..."9").contains(key) {
                down["code"] = .string("Digit\(key)")
                down["windowsVirtualKeyCode"] = .number(Double(scalar.value))
            }
        }
        _ = try await send("Input.dispatchKeyEvent", down)
        var up = down
        up["type"] = .string("keyUp")
        up["text"] = nil
        _ = try await send("Input.dispatchKeyEvent", up)
    }

    private static let specialKeys: [String: (String, Int)] = [
        "Enter": ("Enter", 13), "Tab": ("Tab", 9), "Escape": ("Escape", 27), "Backspace": ("Backspace", 8),
        "ArrowLeft": ("ArrowLeft", 37), "ArrowUp": ("ArrowUp", 38), "ArrowRight": ("ArrowRight", 39),
        "ArrowDown": ("ArrowDown", 40), "Home": ("Home", 36), "End": ("End", 35), "PageUp": ("PageUp", 33),
        "PageDown": ("PageDown", 34), " ": ("Space", 32),
    ]

    /// Clicks at `x`, `y` (CSS pixels of the viewport) with the left mouse button: a real mouse press
    /// and release, so the page sees mousedown, mouseup and click where a person would click.
    public func click(x: Double, y: Double) async throws {
        try await mouse("mouseMoved", x: x, y: y)
        try await mouse("mousePressed", x: x, y: y, buttons: 1)
        try await mouse("mouseReleased", x: x, y: y)
    }

    /// Clicks the middle of the first element matching the CSS `selector`, scrolled into view first.
    /// - Throws: ``BrowserError`` when no element matches or it has no area.
    public func click(selector: String) async throws {
        let box = try await boundingBox(of: selector, scrollIntoView: true)
        try await click(x: box.x + box.width / 2, y: box.y + box.height / 2)
    }

    /// Presses the left button at `from`, moves to `to` in a few steps and releases it: a selection drag.
    public func drag(from: (x: Double, y: Double), to: (x: Double, y: Double), steps: Int = 8) async throws {
        try await mouse("mouseMoved", x: from.x, y: from.y)
        try await mouse("mousePressed", x: from.x, y: from.y, buttons: 1)
        let steps = max(1, steps)
        for step in 1...steps {
            let t = Double(step) / Double(steps)
            try await mouse("mouseMoved", x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t, buttons: 1)
        }
        try await mouse("mouseReleased", x: to.x, y: to.y)
    }

    private func mouse(_ type: String, x: Double, y: Double, buttons: Int = 0) async throws {
        var params: [String: JSONValue] = [
            "type": .string(type), "x": .number(x), "y": .number(y), "buttons": .number(Double(buttons)),
        ]
        if type != "mouseMoved" {
            params["button"] = .string("left")
            params["clickCount"] = .number(1)
        } else if buttons != 0 {
            params["button"] = .string("left")
        }
        _ = try await send("Input.dispatchMouseEvent", params)
    }

    /// A rectangle in CSS pixels of the viewport.
    public struct Box: Sendable, Decodable, Equatable {
        public var x, y, width, height: Double
        public init(x: Double, y: Double, width: Double, height: Double) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
        /// Whether the two boxes share some area.
        public func overlaps(_ other: Box) -> Bool {
            x < other.x + other.width && other.x < x + width && y < other.y + other.height && other.y < y + height
        }
    }

    /// The bounding box (getBoundingClientRect) of the first element matching the CSS `selector`.
    /// - Throws: ``BrowserError`` when no element matches or it has no area.
    public func boundingBox(of selector: String, scrollIntoView: Bool = false) async throws -> Box {
        let quoted = String(decoding: JSONValue.string(selector).serialized(), as: UTF8.self)
        let box = try await evaluate(
            """
            (() => { const e = document.querySelector(\(quoted)); if (!e) return null;
                     if (\(scrollIntoView)) e.scrollIntoView({ block: 'center', inline: 'center' });
                     const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })()
            """, as: Box?.self)
        guard let box else { throw BrowserError("no element matches \(selector)") }
        guard box.width > 0, box.height > 0 else { throw BrowserError("\(selector) has no area: \(box)") }
        return box
    }

    /// Waits until the JavaScript `expression` is truthy (polled), for what a page does after it loaded
    /// (an image that arrives, a script that draws boxes).
    /// - Throws: ``BrowserError`` naming the expression when it stays false for ``Browser/defaultSeconds``.
    public func waitUntil(_ expression: String) async throws {
        try await withDeadline(Browser.defaultSeconds, "\(expression.prefix(120)) to hold") {
            while true {
                if try await self.evaluate("Boolean(\(expression))", as: Bool.self) { return }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Uncaught JavaScript exceptions and `console.error` messages of this page so far: a test can
    /// expect none.
    public var errors: [String] { errorLog.withLock { $0 } }

    /// Writes a PNG of the viewport to `file` (Page.captureScreenshot).
    public func screenshot(to file: URL) async throws {
        let shot = try await send("Page.captureScreenshot", ["format": .string("png")])
        guard let base64 = shot["data"]?.stringValue, let data = Data(base64Encoded: base64) else {
            throw BrowserError("Page.captureScreenshot answered without PNG data")
        }
        try data.write(to: file)
    }

    /// The page's current address.
    public var url: String {
        get async throws { try await evaluate("location.href", as: String.self) }
    }
}
