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

        // Images (issue 4): content store, metadata, import/export, unpack, snapshots.
        // Linked only into contaird: libarchive drags libxml2 and ICU in.
        .target(name: "ImageStore",
                dependencies: ["SystemKit", "ImageSpec", "CShim", "CSQLite", "CArchive",
                               "CCrypto"]),
        .testTarget(name: "ImageStoreTests",
                    dependencies: ["ImageStore", "SystemKit", "ImageSpec", "CShim"]),
    ],
    swiftLanguageModes: [.v6]
)
