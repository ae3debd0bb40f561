@testable import LectorEngine
import Testing

@Suite("Token estimates, schema checks and small parsers")
struct TokenEstimateTests {
    @Test("image tokens: ceil(H/28) * (ceil(W/28) + 1) after capping the long side at 1540", arguments: [
        (1540, 1540, 55 * 56), (28, 28, 1 * 2), (1, 1, 1 * 2), (1000, 1400, 50 * 37),
        // 3080 x 1000 scales to 1540 x 500: 18 rows of 55 + 1.
        (3080, 1000, 18 * 56),
        // An A4 page rendered at 200 dpi (1654 x 2339) scales to 1089 x 1540.
        (1654, 2339, 55 * 40),
    ])
    func imageTokens(width: Int, height: Int, expected: Int) {
        #expect(TokenEstimate.imageTokens(width: width, height: height) == expected)
    }

    @Test("image sizes are read from PNG and JPEG headers and data URIs")
    func imageSizes() {
        let image = ImageInput(bytes: tinyPNG, mimeType: "image/png")
        #expect(image.width == 1 && image.height == 1)
        #expect(ImageSize.read(dataURI: image.url)?.width == 1)
        // A minimal JPEG header: SOI, APP0 (length 16), SOF0 with height 300 and width 200.
        var jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + [UInt8](repeating: 0, count: 14)
        jpeg += [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x00, 0xC8, 0x03] + [UInt8](repeating: 0, count: 12)
        let size = ImageSize.read(jpeg)
        #expect(size?.width == 200 && size?.height == 300)
        #expect(TokenEstimate.imageTokens(ImageInput(bytes: jpeg, mimeType: "image/jpeg")) == 11 * 9)
    }

    @Test("text estimates err on the high side")
    func textTokens() {
        #expect(TokenEstimate.textTokens("") == 0)
        #expect(TokenEstimate.textTokens("hello world, this is a test") == 9)  // llama.cpp's Gemma tokenizer: 7
        let request = sampleRequest(images: 1)
        #expect(TokenEstimate.promptTokens(request) > TokenEstimate.textTokens(request.system))
    }

    @Test("base64 round-trips")
    func base64() {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64.decode(Substring(Base64.encode(bytes))) == bytes)
        }
        #expect(Base64.encode(Array("Man".utf8)) == "TWFu")
        #expect(Base64.encode(Array("Ma".utf8)) == "TWE=")
    }

    @Test("the schema validator covers what strict schemas use")
    func schema() throws {
        let schema: JSONValue = [
            "type": "object",
            "$defs": ["date": ["type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"]],
            "properties": [
                "parties": ["type": "array", "items": ["type": "string", "minLength": 1], "minItems": 1],
                "renewal": ["$ref": "#/$defs/date"],
                "cap": ["anyOf": [["type": "number", "minimum": 0], ["type": "null"]]],
                "kind": ["enum": ["msa", "nda"]],
            ],
            "required": ["parties", "renewal", "cap", "kind"],
            "additionalProperties": false,
        ]
        let validator = JSONSchemaValidator(schema: schema)
        let good = try JSONValue.parse(#"{"parties":["A","B"],"renewal":"2026-01-31","cap":1000000,"kind":"msa"}"#)
        #expect(validator.problems(in: good).isEmpty)
        let nulls = try JSONValue.parse(#"{"parties":["A"],"renewal":null,"cap":null,"kind":"nda"}"#)
        #expect(validator.problems(in: nulls).isEmpty)
        let bad = try JSONValue.parse(#"{"parties":[],"renewal":"31.01.2026","cap":-1,"kind":"sow","x":1}"#)
        let problems = validator.problems(in: bad)
        #expect(problems.count == 5)
        #expect(problems.allSatisfy { !$0.contains("31.01.2026") })
        #expect(validator.problems(in: try JSONValue.parse("[]")) == ["/: expected object, found array"])
    }

    @Test("engine URLs: base path, root, IPv6", arguments: [
        ("http://127.0.0.1:8088/v1", "http://127.0.0.1:8088/v1/chat/completions", "http://127.0.0.1:8088/health"),
        ("http://vllm:8000", "http://vllm:8000/v1/chat/completions", "http://vllm:8000/health"),
        ("https://api.mistral.ai/v1/", "https://api.mistral.ai/v1/chat/completions", "https://api.mistral.ai/health"),
        ("http://[::1]:9000/v1", "http://[::1]:9000/v1/chat/completions", "http://[::1]:9000/health"),
        ("http://gw.corp/engines/a/v1", "http://gw.corp/engines/a/v1/chat/completions", "http://gw.corp/engines/a/health"),
    ])
    func urls(text: String, api: String, root: String) throws {
        let url = try #require(EngineURL(text))
        #expect(url.api("/chat/completions") == api)
        #expect(url.root("/health") == root)
    }

    @Test("Retry-After as seconds or an HTTP date")
    func retryAfter() {
        #expect(EngineError.parseRetryAfter("12") == 12)
        #expect(EngineError.parseRetryAfter("1.5") == 1.5)
        #expect(EngineError.parseRetryAfter(nil) == nil)
        #expect(EngineError.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == 0)  // in the past
        #expect(EngineError.parseRetryAfter("soon") == nil)
    }
}
