import LectorDB
import LectorEngine
import LectorPDF
import LectorQueue
@testable import LectorService
import Testing

/// How the analyze job classifies what went wrong: the document's fault, the machine's, or the engine's.
@Suite("Analyze job failure classes")
struct FailureClassificationTests {
    @Test("a SIGKILLed child or the wall-clock limit is retried once; CPU limit and parse failures never", arguments: [
        (PDFError(.crashed, "killed", transient: true), 1, "retryable"),
        (PDFError(.crashed, "killed", transient: true), 2, "permanent"),
        (PDFError(.timedOut, "wall clock", transient: true), 1, "retryable"),
        (PDFError(.timedOut, "cpu limit"), 1, "permanent"),
        (PDFError(.crashed, "SIGSEGV"), 1, "permanent"),
        (PDFError(.damaged, "broken xref"), 1, "permanent"),
        (PDFError(.isolationFailed, "spawn failed"), 3, "retryable"),
    ] as [(PDFError, Int, String)])
    func extraction(error: PDFError, attempt: Int, expected: String) {
        let failure = AnalyzeJob.classify(error, attempt: attempt)
        let label =
            switch failure.class {
            case .permanent: "permanent"
            case .retryable: "retryable"
            default: "other"
            }
        #expect(label == expected)
    }

    @Test("values PostgreSQL refuses (classes 22 and 23) fail the job once; other database errors do not", arguments: [
        ("22003", true), ("22008", true), ("22P02", true), ("23514", true), ("23505", true), ("40001", false),
        ("57014", false), ("08006", false),
    ])
    func dataErrors(sqlState: String, isData: Bool) {
        #expect(AnalyzeJob.isDataError(DatabaseError(kind: .other, sqlState: sqlState, message: "x")) == isData)
        #expect(!AnalyzeJob.isDataError(DatabaseError(kind: .connectionLost, message: "x")))
    }

    @Test("engine failures: down or misconfigured wait for the engine; a mid-answer failure asks the engine first")
    func engine() async {
        let refused = EngineError(.unavailable, detail: "connection refused", beforeResponse: true)
        #expect(await AnalyzeJob.classify(refused) { nil } is DependencyUnavailable)
        let unauthorized = EngineError(.authentication, status: 401, detail: "key")
        #expect((await AnalyzeJob.classify(unauthorized) { nil } as? DependencyUnavailable)?.misconfigured == true)
        // A stream cut mid-answer, and the engine answers the probe: the job's attempt.
        let cut = EngineError(.unavailable, detail: "the engine closed the connection")
        #expect((await AnalyzeJob.classify(cut) { nil } as? JobFailure)?.class == .retryable)
        // The same, but the probe is refused too: the engine is down.
        #expect(await AnalyzeJob.classify(cut) { refused } is DependencyUnavailable)
        let overflow = EngineError(.contextOverflow, status: 400, detail: "too long")
        #expect((await AnalyzeJob.classify(overflow) { refused } as? JobFailure)?.class == .permanent)
    }
}
