// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The SQL migrations in schema/ are compiled into the binary (see schema/Migrations.swift).
let migrationFiles = ((try? FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/schema")) ?? [])
    .filter { $0.hasSuffix(".sql") }.sorted()

// One set of settings for every Swift target (as Hummingbird does).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "lector",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lector", targets: ["lector"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C libraries, found with pkg-config.
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CPoppler", pkgConfig: "poppler-glib",
            providers: [.apt(["libpoppler-glib-dev", "libcairo2-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"])]),

        // Shared vocabulary: error codes, configuration from the environment. Depends on nothing of ours.
        .target(
            name: "LectorCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        // PostgreSQL over libpq: connections, pool, LISTEN/NOTIFY, COPY, migrations.
        .target(
            name: "LectorDB",
            dependencies: [
                "CLibPQ", "LectorCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        // The numbered SQL migrations of schema/, embedded in the code.
        .target(
            name: "LectorSchema",
            dependencies: ["LectorDB"],
            path: "schema",
            exclude: ["README.md"],
            resources: migrationFiles.map { .embedInCode($0) },
            swiftSettings: swiftSettings),
        // JPEG and PNG encoders in C (libjpeg and libpng report errors by longjmp, which Swift cannot catch),
        // process spawning, and what poppler-glib 22.12 lacks through Poppler's C++ API: page rotations,
        // which pages draw images, a password check that does not crash.
        .target(
            name: "CLectorPDFShims",
            dependencies: ["CPNG", "CJPEG", "CPoppler"],
            // poppler-glib's pkg-config lists the core library as private: the C++ shim names it itself.
            linkerSettings: [.linkedLibrary("poppler"), .linkedLibrary("z")]),
        // Poppler: text, words, page images, vision policy, isolated extraction.
        .target(
            name: "LectorPDF",
            dependencies: [
                "CPoppler", "CPNG", "CJPEG", "CLectorPDFShims", "LectorCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // The job queue over lector.jobs; knows nothing of PDFs or engines.
        .target(
            name: "LectorQueue",
            dependencies: [
                "LectorDB", "LectorCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        // OpenAI-compatible engine client with dialects; knows nothing of the database.
        .target(
            name: "LectorEngine",
            dependencies: [
                "LectorCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        // Planning, findings schema, validation and quote grounding.
        .target(
            name: "LectorAnalysis",
            dependencies: [
                "LectorCore", "LectorEngine",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // Wires the modules into services: the analyze handler, submit, worker, scheduler, API.
        .target(
            name: "LectorService",
            dependencies: [
                "LectorCore", "LectorDB", "LectorPDF", "LectorQueue", "LectorEngine", "LectorAnalysis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        // The HTTP API (Hummingbird): upload, status, findings, health, readiness, metrics; bearer tokens
        // by tenant; the /metrics endpoint the workers serve too.
        .target(
            name: "LectorAPI",
            dependencies: [
                "LectorCore", "LectorDB", "LectorSchema", "LectorQueue", "LectorEngine", "LectorAnalysis", "LectorService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("openapi.yaml")],
            swiftSettings: swiftSettings),
        // The review desk in the browser (`lector serve`, /review): sign-in and sessions, the documents and
        // document pages with the highlighted evidence, reviewers' decisions, exports. Server-rendered HTML
        // from Mustache templates (compiled in) and one small plain script.
        .target(
            name: "LectorWeb",
            dependencies: [
                "LectorCore", "LectorDB", "LectorPDF", "LectorAnalysis", "LectorService", "LectorAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Templates/README.md"],
            resources: [
                .embedInCode("Templates/layout.mustache"), .embedInCode("Templates/signin.mustache"),
                .embedInCode("Templates/documents.mustache"), .embedInCode("Templates/document.mustache"),
                .embedInCode("Templates/batch.mustache"), .embedInCode("Templates/error.mustache"),
                .embedInCode("Assets/review.js"), .embedInCode("Assets/review.css"),
            ],
            swiftSettings: swiftSettings),
        // Nightly batches: definitions in jobs/*.yaml, sources, limits, bulk enqueue, progress, reports.
        .target(
            name: "LectorBatch",
            dependencies: [
                "LectorCore", "LectorDB", "LectorQueue", "LectorAnalysis", "LectorEngine", "LectorService",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
        // The CUAD evaluation harness: labels, the scorer, runs through the normal pipeline, stored runs
        // (lector.eval_runs).
        .target(
            name: "LectorEval",
            dependencies: [
                "LectorCore", "LectorDB", "LectorPDF", "LectorQueue", "LectorEngine", "LectorAnalysis", "LectorService",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // The executable: parses the command line and wires services, nothing more.
        .executableTarget(
            name: "lector",
            dependencies: [
                "LectorCore", "LectorDB", "LectorSchema", "LectorPDF", "LectorQueue", "LectorEngine", "LectorAnalysis", "LectorService",
                "LectorAPI", "LectorWeb",
                "LectorBatch",
                "LectorEval",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),

        // Helpers for tests: a scratch database per suite, the fake engine, generated PDFs.
        .target(
            name: "LectorTestSupport",
            dependencies: [
                "LectorCore", "LectorDB", "LectorSchema", "LectorAnalysis", "LectorEngine", "LectorFakeEngine", "LectorPDF",
                "LectorQueue", "LectorService", "CLectorPDFShims",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorCLITests",
            dependencies: ["LectorDB", "LectorTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorDBTests",
            dependencies: ["LectorCore", "LectorDB", "LectorSchema", "LectorTestSupport"],
            swiftSettings: swiftSettings),
        // A scriptable OpenAI-compatible server for the engine tests and benchmark: each dialect's shapes,
        // 429s, 5xx, stalls, resets, malformed bodies, context overflows; K slots with a fixed service time.
        .target(
            name: "LectorFakeEngine",
            dependencies: [
                "LectorEngine",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "lector-fake-engine",
            dependencies: [
                "LectorEngine", "LectorFakeEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        // `Benchmarks/run grounding`: verified quotes against edited ones, beside the grounding shipped before.
        .executableTarget(
            name: "lector-grounding-bench",
            dependencies: ["LectorAnalysis", "LectorPDF", "LectorEval", "LectorService"],
            path: "Benchmarks/grounding/Sources",
            swiftSettings: swiftSettings),
        // `Benchmarks/run queue`, `Benchmarks/run batch` and `Benchmarks/run pages`, and the test-handler worker the queue's crash
        // tests kill: destructive or test-only, so never part of the shipped `lector`.
        .executableTarget(
            name: "lector-bench",
            dependencies: [
                "LectorCore", "LectorDB", "LectorSchema", "LectorPDF", "LectorQueue", "LectorAnalysis", "LectorBatch",
                "LectorService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/Sources/lector-bench",
            swiftSettings: swiftSettings),
        // Drives the fake engine for `Benchmarks/run engine`: utilization and client overhead.
        .executableTarget(
            name: "lector-engine-bench",
            dependencies: [
                "LectorEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/engine/Sources",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorPDFTests",
            dependencies: ["LectorPDF", "LectorTestSupport", "CPoppler"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorQueueTests",
            dependencies: [
                "LectorQueue", "LectorDB", "LectorSchema", "LectorCore", "LectorTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorAnalysisTests",
            dependencies: [
                "LectorAnalysis", "LectorEngine", "LectorFakeEngine", "LectorTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorServiceTests",
            dependencies: [
                "LectorService", "LectorAnalysis", "LectorDB", "LectorTestSupport", "LectorQueue", "LectorEngine",
                "LectorFakeEngine", "LectorPDF",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorAPITests",
            dependencies: [
                "LectorAPI", "LectorService", "LectorDB", "LectorSchema", "LectorQueue", "LectorEngine", "LectorCore",
                "LectorFakeEngine", "LectorTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
        // The review desk through HTTP and in headless Chromium (LectorTestSupport's Browser).
        .testTarget(
            name: "LectorWebTests",
            dependencies: [
                "LectorWeb", "LectorAPI", "LectorService", "LectorAnalysis", "LectorDB", "LectorSchema", "LectorQueue",
                "LectorEngine", "LectorCore", "LectorPDF", "LectorFakeEngine", "LectorTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorBatchTests",
            dependencies: [
                "LectorBatch", "LectorService", "LectorAnalysis", "LectorDB", "LectorTestSupport", "LectorQueue",
                "LectorEngine", "LectorFakeEngine", "LectorPDF",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorEngineTests",
            dependencies: [
                "LectorEngine", "LectorFakeEngine", "LectorCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // The attacks of issue 15 in one suite ("Security"): tenants under every role a reader can take,
        // the PDF child's sandbox, DNS rebinding against the sovereignty guard, CSV formulas, batch query
        // sources.
        .testTarget(
            name: "LectorSecurityTests",
            dependencies: [
                "LectorCore", "LectorDB", "LectorSchema", "LectorService", "LectorQueue", "LectorPDF", "LectorEngine",
                "LectorFakeEngine", "LectorAnalysis", "LectorBatch", "LectorTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // The deployment files (systemd, container, compose, Kubernetes) checked against the binary.
        .testTarget(
            name: "LectorDeployTests",
            dependencies: [
                "LectorDB", "LectorQueue", "LectorTestSupport",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LectorEvalTests",
            dependencies: [
                "LectorEval", "LectorService", "LectorAnalysis", "LectorDB", "LectorQueue", "LectorEngine", "LectorPDF",
                "LectorFakeEngine", "LectorTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
    ]
)
