// swift-tools-version:6.0
//
// contaird: a Linux container system. Targets, from the leaves up:
//
//   CShim, CSQLite, CArchive, CCrypto, CCurl   C code and system libraries
//   SystemKit                                  the thin syscall layer, files, logging
//   ImageSpec                                  OCI image types, digests, platforms
//   (see docs/ARCHITECTURE.md for the rest)
//
// Every executable links the Swift standard library statically, so that it starts in a
// few milliseconds and runs on hosts without a Swift toolchain.
import PackageDescription

let staticStdlib: [LinkerSetting] = [.unsafeFlags(["-static-stdlib"])]

let package = Package(
    name: "contaird",
    platforms: [.macOS(.v15)],
    products: [],
    targets: [
        .target(name: "CShim"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CArchive", path: "Sources/CArchive"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),

        .target(name: "SystemKit", dependencies: ["CShim"]),
        .testTarget(name: "SystemKitTests", dependencies: ["SystemKit"]),

        .target(name: "ImageSpec", dependencies: ["CCrypto"]),
        .testTarget(name: "ImageSpecTests", dependencies: ["ImageSpec"]),

        // runcs: the OCI runtime (library, C for the clone-to-exec window, thin CLI).
        .target(name: "CRuntime"),
        .target(name: "RuntimeKit",
                dependencies: ["CRuntime", "CShim", "SystemKit", "RuntimeSupport"]),
        .executableTarget(
            name: "runcs", dependencies: ["RuntimeKit", "SystemKit"],
            linkerSettings: staticStdlib),
        .testTarget(name: "RuntimeKitTests", dependencies: ["RuntimeKit", "SystemKit"]),

        // Runtime support: cgroups, capabilities, seccomp (branch cgroups-seccomp).
        .target(name: "CRuntimeSupport", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "RuntimeSupport", dependencies: ["SystemKit", "CShim", "CRuntimeSupport"]),
        .executableTarget(
            name: "runtime-support-probe", dependencies: ["RuntimeSupport", "SystemKit", "CShim"],
            linkerSettings: staticStdlib),
        // The tests start runtime-support-probe, which `swift build --build-tests` builds
        // (a dependency on it would pass its -static-stdlib to the test bundle's link).
        .testTarget(name: "RuntimeSupportTests", dependencies: ["RuntimeSupport", "SystemKit"]),
    ],
    swiftLanguageModes: [.v6]
)
