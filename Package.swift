// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "mynasim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mynasim", targets: ["mynasim"]),
        .library(name: "ISO7816", targets: ["ISO7816"]),
        .library(name: "MynaApplications", targets: ["MynaApplications"]),
        .library(name: "MynaCard", targets: ["MynaCard"]),
        .library(name: "MynaPersona", targets: ["MynaPersona"]),
        .library(name: "VirtualReader", targets: ["VirtualReader"]),
        // For the fuzz package (fuzz/swift), which reaches the parsers of these modules.
        .library(name: "CardTransmission", targets: ["CardTransmission"]),
        .library(name: "Harness", targets: ["Harness"]),
        .library(name: "QualificationAPI", targets: ["QualificationAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // The mock qualification service: HTTP (Hummingbird, without swift-configuration) and SQLite (GRDB).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // Command and response APDUs, status words, BER-TLV, ATR, card-reading helpers. No dependencies.
        .target(name: "ISO7816"),
        // Every piece of card knowledge, once: the ATRs, the five applications' AIDs, files,
        // credentials, tags, layouts and what is signed over what.
        .target(name: "MynaApplications", dependencies: ["ISO7816"]),
        // ISO/IEC 7816-3 transmission, card side, sans-IO: T=1 blocks, T=0 procedure bytes, PPS.
        .target(name: "CardTransmission", dependencies: ["ISO7816"]),
        // The virtual card: file system, security state, PINs, signing, durable state.
        .target(
            name: "MynaCard",
            dependencies: [
                "ISO7816", "MynaApplications", "CLibCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // OpenSSL 3 libcrypto: the card's RSA (Debian: libssl-dev).
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Persona files, the test PKI, and the card image built from a persona.
        .target(
            name: "MynaPersona",
            dependencies: [
                "ISO7816",
                "MynaApplications",
                "MynaCard",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // prctl(2) for the sandbox (a child subreaper): Swift cannot call a variadic C function.
        .target(name: "CProcessControl"),
        // The simulator service behind our IFD handler: slots, wire protocol, timing, faults, traces.
        .target(
            name: "VirtualReader",
            dependencies: ["ISO7816", "MynaApplications", "MynaCard", "MynaPersona", "CardTransmission", "CProcessControl"]),
        // libpcsclite, for PC/SC readers (ours through pcscd, or real ones).
        .systemLibrary(name: "CPCSCLite", pkgConfig: "libpcsclite", providers: [.apt(["libpcsclite-dev"])]),
        .target(name: "PCSC", dependencies: ["CPCSCLite", "ISO7816"]),
        // The reference client behind `mynasim read`.
        .target(
            name: "MynaClient",
            dependencies: [
                "ISO7816", "MynaApplications", "MynaCard", "MynaPersona", "QualificationAPI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // The API types shared by the mock qualification service and its clients.
        .target(name: "QualificationAPI"),
        // The mock qualification service (資格確認限定型): HTTP API, SQLite store, staff console.
        .target(
            name: "QualificationService",
            dependencies: [
                "ISO7816", "MynaApplications", "MynaPersona", "QualificationAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // Scripts, runner, channels, verdicts and reports.
        .target(
            name: "Harness",
            dependencies: ["ISO7816", "MynaApplications", "MynaCard", "MynaPersona", "PCSC", "VirtualReader", "CardTransmission"]),
        .executableTarget(
            name: "mynasim",
            dependencies: [
                "ISO7816",
                "MynaApplications",
                "MynaCard",
                "MynaPersona",
                "VirtualReader",
                "PCSC",
                "Harness",
                "MynaClient",
                "QualificationService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fixtures and external oracles (openssl, the built CLI) shared by the test targets.
        .target(
            name: "TestSupport",
            dependencies: ["ISO7816", "MynaApplications", "MynaCard", "MynaPersona"],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "ISO7816Tests", dependencies: ["ISO7816", "MynaApplications", "MynaCard"]),
        .testTarget(name: "MynaApplicationsTests", dependencies: ["ISO7816", "MynaApplications"]),
        .testTarget(name: "CardTransmissionTests", dependencies: ["ISO7816", "CardTransmission", "TestSupport"]),
        .testTarget(
            name: "VirtualReaderTests", dependencies: ["ISO7816", "MynaApplications", "MynaPersona", "VirtualReader", "TestSupport"]),
        .testTarget(
            name: "MynaClientTests", dependencies: ["ISO7816", "MynaApplications", "MynaCard", "MynaClient", "MynaPersona", "TestSupport"]),
        .testTarget(
            name: "MynaCardTests",
            dependencies: ["ISO7816", "MynaApplications", "MynaCard", "MynaPersona", "TestSupport"]
        ),
        .testTarget(
            name: "MynaPersonaTests",
            dependencies: [
                "ISO7816", "MynaApplications", "MynaCard", "MynaPersona", "TestSupport",
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "HarnessTests",
            dependencies: [
                "Harness", "ISO7816", "MynaApplications", "MynaPersona", "VirtualReader", "CardTransmission", "PCSC", "TestSupport",
            ]),
        .testTarget(
            name: "QualificationServiceTests",
            dependencies: [
                "QualificationService", "QualificationAPI", "MynaClient", "MynaApplications", "MynaCard", "MynaPersona", "ISO7816",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "ISO7816", "MynaApplications", "MynaCard", "MynaPersona", "TestSupport", .product(name: "Yams", package: "Yams"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
