// swift-tools-version:5.4
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM renames an executable's entry point to
// `<Module>_main` and links `main` to it, which a harness (whose `main` is libFuzzer's) does not have.
import PackageDescription

// libFuzzer harnesses for Sluice's parsers, in their own package (like Benchmarks/) so that the
// sanitizer flags and the harness executables stay out of the main build. Build and run them with
// `scripts/fuzz` from the repository root; each harness is an executable whose `main` is libFuzzer's.
let harnesses: [(name: String, product: String)] = [
    ("FuzzEventBatch", "SluiceCore"),
    ("FuzzQueryFilter", "SluiceCore"),
    ("FuzzOAuth", "SluiceClient"),
    ("FuzzSSE", "SluiceClient"),
    ("FuzzDelimited", "SluiceClient"),
]

let package = Package(
    name: "sluice-fuzz",
    dependencies: [
        .package(name: "sluice", path: "../")
    ],
    targets: [
        // What the harnesses share: `require` (a broken property is a crash libFuzzer reports) and chunkings.
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport")
    ]
        + harnesses.map { harness in
            .executableTarget(
                name: harness.name,
                dependencies: [
                    "FuzzSupport",
                    .product(name: "SluiceCore", package: "sluice"),
                ] + (harness.product == "SluiceClient" ? [.product(name: "SluiceClient", package: "sluice")] : []),
                // No top-level code: libFuzzer's `main` calls `LLVMFuzzerTestOneInput`.
                swiftSettings: [.unsafeFlags(["-parse-as-library"])]
            )
        }
)
