// swift-tools-version: 6.1
// Coverage-guided fuzz targets (libFuzzer) for the Swift side of mynasim, in their own package so
// that `swift build` of the product never builds them. One executable per target; each defines
// LLVMFuzzerTestOneInput and links libFuzzer's main. Build and run them with `fuzz/run.sh`
// (it passes --sanitize=fuzzer --sanitize=address and -enable-testing); see docs/testing.md.
import PackageDescription

/// The targets: the name `fuzz/run.sh` and `fuzz/corpus/<name>/` use, and what each reaches.
let targets: [(name: String, dependencies: [String])] = [
    ("card", ["ISO7816", "MynaApplications", "MynaCard", "MynaPersona"]),
    ("script", ["Harness"]),
    ("persona", ["MynaPersona"]),
    ("profile", ["Harness"]),
    ("scenario", ["Harness"]),
    ("trace", ["Harness", "VirtualReader"]),
    ("simulator-wire", ["ISO7816", "VirtualReader", "MynaPersona"]),
    ("control-request", ["VirtualReader", "MynaPersona"]),
    ("t1", ["ISO7816", "MynaApplications", "CardTransmission", "MynaCard", "MynaPersona"]),
    ("vpcd", ["VirtualReader"]),
    ("qualification", ["QualificationAPI"]),
]

let package = Package(
    name: "mynasim-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "mynasim", path: "../..")],
    targets: [
        // Input decoding, checks that abort with a message, the repository's vectors, scratch files.
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "MynaPersona", package: "mynasim"), .product(name: "VirtualReader", package: "mynasim")])
    ]
        + targets.map { target in
            .executableTarget(
                name: "fuzz-\(target.name)",
                dependencies: ["FuzzSupport"] + target.dependencies.map { .product(name: $0, package: "mynasim") })
        },
    swiftLanguageModes: [.v6]
)
