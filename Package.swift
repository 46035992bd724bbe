// swift-tools-version:6.0
//
// contaird: a Linux container system. Targets, from the leaves up:
//
//   CShim, CSQLite, CArchive, CCrypto, CCurl   C code and system libraries
//   CLazyLibraries                             libcurl, libarchive, libcrypto loaded on use
//   SystemKit                                  the thin syscall layer, files, logging
//   CommandLineKit                             argument parsing shared by the binaries
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
        // The functions of libcurl, libarchive and libcrypto that the three modules above
        // declare, defined here to load their library at the first call (dlopen): the
        // idle daemon maps none of them, nor their 40 dependencies.
        .target(name: "CLazyLibraries", linkerSettings: [.linkedLibrary("dl")]),

        .target(name: "SystemKit", dependencies: ["CShim"]),
        // Paths and private directories for every test target (tests only).
        .target(name: "TestKit", dependencies: ["SystemKit"], path: "Tests/TestKit"),
        .testTarget(name: "SystemKitTests", dependencies: ["SystemKit", "CShim"]),

        // JSON values, a strict parser and a serializer, Codable bridging and base64: for
        // the binaries that must not pay for Foundation (all of them; the daemon's idle
        // memory was 1.3 MiB larger with FoundationEssentials).
        // (Tested through Varlink, whose messages they are: Tests/VarlinkTests/JSONTests.)
        .target(name: "JSON"),

        .target(name: "CommandLineKit"),
        .testTarget(name: "CommandLineKitTests", dependencies: ["CommandLineKit"]),

        // SHA-256 with the CPU's SHA extensions, or portable C (libcrypto stays unloaded).
        .target(name: "CSHA256"),
        .target(name: "ImageSpec", dependencies: ["CCrypto", "CSHA256", "CLazyLibraries"]),
        .testTarget(name: "ImageSpecTests", dependencies: ["ImageSpec", "CSHA256"]),

        // varlink: the protocol layer of contaird's socket API (docs/varlink.md), the
        // definitions of that API (docs/api, embedded as ContairdAPI), and a server of
        // org.varlink.certification proving the layer against the reference client.
        .target(name: "Varlink", dependencies: ["JSON", "SystemKit", "CShim"]),
        .target(name: "ContairdAPI"),
        .executableTarget(
            name: "varlink-certification-server",
            dependencies: ["Varlink", "SystemKit"],
            linkerSettings: staticStdlib
        ),
        .testTarget(
            name: "VarlinkTests",
            dependencies: ["TestKit", "Varlink", "JSON", "ContairdAPI", "SystemKit"]
        ),

        // PID 1 of containers run with --init: a static C reaper that runs in any image.
        .executableTarget(name: "contaird-init",
                         linkerSettings: [.unsafeFlags(["-static-executable"])]),

        // Images (issue 4): content store, metadata, import/export, unpack, snapshots.
        // Linked only into contaird: libarchive drags libxml2 and ICU in.
        .target(name: "ImageStore",
                dependencies: ["SystemKit", "ImageSpec", "JSON", "CShim", "CSQLite", "CArchive",
                               "CLazyLibraries"]),
        .testTarget(name: "ImageStoreTests",
                    dependencies: ["TestKit", "ImageStore", "SystemKit", "ImageSpec", "CArchive",
                                   "CShim"]),

        // Registry client (issue 4): the OCI distribution API over libcurl.
        .target(name: "Distribution",
                dependencies: ["SystemKit", "ImageSpec", "JSON", "CCurl", "CLazyLibraries"]),
        .testTarget(name: "DistributionTests", dependencies: ["TestKit", "Distribution"]),

        // runcs: the OCI runtime (library, C for the clone-to-exec window, thin CLI).
        .target(name: "CRuntime"),
        .target(name: "RuntimeKit",
                dependencies: ["CRuntime", "CShim", "SystemKit", "RuntimeSupport"]),
        .executableTarget(
            name: "runcs", dependencies: ["RuntimeKit", "SystemKit"],
            // Fully static: no dynamic loader, libstdc++ or libm to load, twice per
            // container (runcs, then runcs init), which is what kept it behind crun.
            // libseccomp is still dlopened at run time (glibc's static dlopen needs the
            // host's own glibc, as on the machine that built it).
            linkerSettings: [.unsafeFlags(["-static-executable"])]),
        .testTarget(name: "RuntimeKitTests",
                    dependencies: ["TestKit", "RuntimeKit", "RuntimeSupport", "SystemKit"]),

        // Monitor: the per-container monitor process and the library the daemon uses to
        // launch it and talk to it. The monitor is linked as a fully static executable:
        // with glibc's loader gone it costs about a third of the private memory of a
        // -static-stdlib build (docs/monitor.md, "Memory").
        .target(name: "MonitorClient", dependencies: ["JSON", "SystemKit", "CShim"]),
        .executableTarget(
            name: "contaird-monitor",
            dependencies: ["MonitorClient", "JSON", "SystemKit", "CShim"],
            linkerSettings: [.unsafeFlags(["-static-executable"])]
        ),
        .testTarget(name: "MonitorTests", dependencies: ["MonitorClient", "JSON", "SystemKit"]),

        // The daemon (issue 5): containers, tasks, the socket API, and its executable.
        .target(name: "ContainerService",
                dependencies: ["SystemKit", "CShim", "ImageSpec", "ImageStore", "Distribution",
                               "RuntimeKit", "RuntimeSupport", "Varlink", "ContairdAPI",
                               "MonitorClient"]),
        // Linked by GNU ld with packed relative relocations (DT_RELR, glibc 2.36): the
        // position-independent daemon's loader then reads 8 KB of relocations at start
        // instead of 950 KB, 0.7 MiB less resident memory (bench/README.md). gold, the
        // default linker, cannot pack them.
        .executableTarget(
            name: "contaird",
            dependencies: ["ContainerService", "CommandLineKit", "SystemKit", "CShim"],
            linkerSettings: staticStdlib + [.unsafeFlags([
                "-use-ld=bfd", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            ])]),
        .testTarget(name: "ContainerServiceTests",
                    dependencies: ["TestKit", "ContainerService", "Varlink", "SystemKit"]),

        // Runtime support: cgroups, capabilities, seccomp (branch cgroups-seccomp).
        .target(name: "CRuntimeSupport", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "RuntimeSupport", dependencies: ["SystemKit", "CShim", "CRuntimeSupport"]),
        .executableTarget(
            name: "runtime-support-probe", dependencies: ["RuntimeSupport", "SystemKit", "CShim"],
            linkerSettings: staticStdlib),
        // The tests start runtime-support-probe, which `swift build --build-tests` builds
        // (a dependency on it would pass its -static-stdlib to the test bundle's link).
        .testTarget(name: "RuntimeSupportTests",
                    dependencies: ["TestKit", "RuntimeSupport", "SystemKit"]),

        // ctrs (issue 5): the thin client of contaird. No Foundation, fully static: with no
        // dynamic loader and libraries to map it starts in 1 ms instead of 2.5, which every
        // command pays. Its tests drive the built contaird and ctrs.
        .executableTarget(
            name: "ctrs",
            dependencies: ["Varlink", "CommandLineKit", "SystemKit", "CShim"],
            linkerSettings: [.unsafeFlags(["-static-executable"])]),
        .testTarget(name: "CtrsTests", dependencies: ["TestKit", "SystemKit", "Varlink"]),

        // Packaging (issue 6): install.sh, the OpenRC and systemd services, man pages, the
        // socket's group and the static binaries on Alpine, driven through built binaries.
        .testTarget(name: "PackagingTests", dependencies: ["TestKit", "SystemKit", "Varlink"]),
    ],
    swiftLanguageModes: [.v6]
)
