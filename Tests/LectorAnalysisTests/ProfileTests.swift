import Foundation
import LectorAnalysis
import LectorEngine
import LectorTestSupport
import Testing

@Suite("Profiles")
struct ProfileTests {
    static let folder = RepoPaths.root.appendingPathComponent("jobs/profiles")

    @Test("the shipped profiles load")
    func shipped() throws {
        let profiles = try AnalysisProfile.loadAll(from: Self.folder)
        #expect(Set(profiles.keys).isSuperset(of: ["contract-review", "fast-text", "local-small"]))
        let review = try #require(profiles[AnalysisProfile.defaultName])
        #expect(review.categories.count == 43)
        #expect(review.reasoningEffort == .high)
        #expect(review.imagePolicy == .auto)
        let fast = try #require(profiles["fast-text"])
        #expect(fast.reasoningEffort == .off)
        #expect(fast.imagePolicy == .none)
        let small = try #require(profiles["local-small"])
        #expect(small.categories.count <= 5)
        #expect(small.contextTokens == 4096)
        #expect(small.maxOutputTokens < 1024)
    }

    @Test("errors name the file, the field and the reason", arguments: [
        (#"{"prompt_version": "1", "reasoning_efort": "high"}"#, "reasoning_efort", "unknown field"),
        (#"{"reasoning_effort": "high"}"#, "prompt_version", "is required"),
        (#"{"prompt_version": "1", "reasoning_effort": "medium"}"#, "reasoning_effort", "must be none, low or high"),
        (#"{"prompt_version": "1", "categories": ["governing_law", "gouverning"]}"#, "categories", "unknown category 'gouverning'"),
        (#"{"prompt_version": "1", "max_output_tokens": "many"}"#, "max_output_tokens", "must be Int"),
        (#"{"prompt_version": "1", "image_policy": "some"}"#, "image_policy", "must be auto, all or none"),
        (#"{"prompt_version": "1", "max_output_tokens": 4096, "context_tokens": 4096}"#, "context_tokens", "must exceed"),
    ])
    func errors(json: String, field: String, reason: String) throws {
        let error = try #require(throws: AnalysisError.self) {
            try AnalysisProfile.parse(Data(json.utf8), name: "broken", file: "broken.json")
        }
        #expect(error.code == "analysis.profile_invalid")
        #expect(error.file == "broken.json")
        #expect(error.field == field)
        #expect(error.description.hasPrefix("broken.json: \(field): "))
        #expect(error.description.contains(reason))
    }

    @Test("a missing profile names the file")
    func missing() throws {
        let error = try #require(throws: AnalysisError.self) { try AnalysisProfile.load(named: "nope", from: Self.folder) }
        #expect(error.description.hasPrefix("nope.json: "))
        #expect(throws: AnalysisError.self) { try AnalysisProfile.load(named: "../etc", from: Self.folder) }
    }
}
