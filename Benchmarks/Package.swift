// swift-tools-version: 6.1
// Benchmarks live in their own package so `swift build` of mynasim never builds them.
// Run: `make bench` (or `swift package --package-path Benchmarks benchmark`).
import PackageDescription

/// The card as both executables drive it: a persona's card, in-process.
let card: [Target.Dependency] = ["ISO7816", "MynaCard", "MynaPersona"].map { .product(name: $0, package: "mynasim") }

let package = Package(
    name: "mynasim-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "mynasim", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // COMPUTE DIGITAL SIGNATURE timed by the clock alone: libcrypto runs twice as slowly under the
        // harness's malloc interposer (docs/performance.md). Outside Benchmarks/, where the benchmark
        // plugin would take it for one of its own.
        .executableTarget(name: "SignatureTiming", dependencies: card, path: "Timing/SignatureTiming"),
        .executableTarget(
            name: "CardBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark")] + card,
            path: "Benchmarks/CardBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
