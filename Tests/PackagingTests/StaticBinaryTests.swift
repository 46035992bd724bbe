import Glibc
import SystemKit
import Testing
import Varlink

/// Release binaries that run where OpenRC lives: built with `-static-executable` (the
/// Swift runtime, FoundationEssentials and glibc linked in), they run in the Alpine
/// 3.20.3 minirootfs, which has musl and no glibc, under Debian's runc.
///
/// The static release builds take minutes on this machine (3 minutes for the suite from
/// a cold scratch path), so it runs only when CONTAIRD_STATIC_TESTS=1 (.ci/run sets it).
/// They go to their own scratch path, CONTAIRD_STATIC_SCRATCH or `.build-static`, so
/// they never disturb the debug build. contaird does not link statically with Debian's
/// libcurl.a (docs/static-binaries.md says why): it runs on Alpine with its glibc and
/// libraries beside it (packaging/bundle-libraries.sh).
@Suite("static binaries on Alpine", .serialized)
struct StaticBinaryTests {
    /// The products built here with -static-executable, and those the package always
    /// links statically (Package.swift), taken from the ordinary build.
    static let builtHere = ["runcs"]
    static let alwaysStatic = ["ctrs", "contaird-monitor", "contaird-init"]

    static var isEnabled: Bool {
        getenv("CONTAIRD_STATIC_TESTS").map { String(cString: $0) } == "1"
    }

    static var scratchPath: String {
        getenv("CONTAIRD_STATIC_SCRATCH").map { String(cString: $0) }
            ?? PackagingEnvironment.packageRoot + "/.build-static"
    }

    static let reasonToSkip: String? = {
        guard isEnabled else {
            return "set CONTAIRD_STATIC_TESTS=1 to build static release binaries (minutes)"
        }
        guard PackagingEnvironment.isRoot else {
            return "needs root to run the Alpine container"
        }
        guard FileSystem.exists(PackagingEnvironment.alpineRootfsArchive) else {
            return "\(PackagingEnvironment.alpineRootfsArchive) is missing"
        }
        guard FileSystem.exists("/usr/sbin/runc") else {
            return "Debian's runc is missing"
        }
        guard PackagingEnvironment.hasProgram("patchelf") else {
            return "patchelf is missing (scripts/install-deps.sh)"
        }
        return PackagingEnvironment.missingBinaries(alwaysStatic + ["contaird"])
    }()

    @Test("runcs, ctrs, contaird and the monitor run inside Alpine 3.20.3",
          .enabled(if: reasonToSkip == nil, "\(reasonToSkip ?? "")"),
          .timeLimit(.minutes(30)))
    func versionsOnAlpine() throws {
        var binaries: [String: String] = [:]
        for product in Self.builtHere {
            binaries[product] = try Self.buildStatic(product)
        }
        for product in Self.alwaysStatic {
            binaries[product] = PackagingEnvironment.product(product)
        }
        for (product, path) in binaries {
            #expect(try Self.isStaticExecutable(path), "\(product) at \(path) is dynamic")
        }

        let directory = try PackagingEnvironment.temporaryDirectory("pkg-alpine")
        let container = "pkg-alpine-" + PackagingEnvironment.uniqueSuffix()
        let runcRoot = directory + "/runc"
        defer {
            _ = try? CommandResult.run(["runc", "--root", runcRoot, "delete", "-f", container])
            try? FileSystem.removeTree(directory)
        }

        // The binaries, side by side in one directory bind-mounted into the container.
        let bin = directory + "/bin"
        try FileSystem.createDirectory(bin)
        for (product, path) in binaries {
            let copied = try CommandResult.run(["install", "-m", "0755", path, bin + "/"
                                                + product])
            try #require(copied.succeeded, "\(copied)")
        }

        // contaird uses libcurl, which has no fully static form on Debian: it goes with
        // its shared libraries and glibc's loader, found through its interpreter path,
        // and with the libraries it loads on use (named in its .note.dlopen section).
        let bundled = try CommandResult.run([
            PackagingEnvironment.packageRoot + "/packaging/bundle-libraries.sh",
            PackagingEnvironment.product("contaird"), bin + "/contaird", bin + "/lib",
            "/opt/contaird/lib",
        ])
        try #require(bundled.succeeded, "\(bundled)")

        // The bundle: Alpine's rootfs and runc's own default config, edited.
        let bundle = directory + "/bundle"
        try FileSystem.createDirectory(bundle + "/rootfs")
        let unpacked = try CommandResult.run(["tar", "-xzf",
                                              PackagingEnvironment.alpineRootfsArchive,
                                              "-C", bundle + "/rootfs"])
        try #require(unpacked.succeeded, "\(unpacked)")
        #expect(FileSystem.exists(bundle + "/rootfs/lib/ld-musl-x86_64.so.1"))
        #expect(!FileSystem.exists(bundle + "/rootfs/lib64/ld-linux-x86-64.so.2"))
        let spec = try CommandResult.run(["runc", "spec", "--bundle", bundle])
        try #require(spec.succeeded, "\(spec)")
        let script = """
            for b in runcs ctrs contaird; do \
            echo "$b: $(/opt/contaird/$b --version 2>&1 | head -n 1)"; done; \
            echo "contaird-monitor: $(/opt/contaird/contaird-monitor 2>&1 | \
            grep -c '^usage: contaird-monitor') usage line"; \
            /opt/contaird/contaird-init -- /bin/echo "contaird-init: ran echo"; \
            for l in libcurl.so.4 libarchive.so.13; do \
            found=$(/opt/contaird/lib/ld-linux-x86-64.so.2 --library-path /opt/contaird/lib \
            --list /opt/contaird/lib/$l 2>&1) && ! echo "$found" | grep -q 'not found' \
            && echo "$l: loads"; done
            """
        try Self.editConfig(bundle + "/config.json", binDirectory: bin,
                            arguments: ["/bin/sh", "-c", script])

        let ran = try CommandResult.run(["runc", "--root", runcRoot, "run", "--bundle",
                                         bundle, container], timeout: 60)
        #expect(ran.succeeded, "\(ran)")
        let lines = ran.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("runcs: runcs version ") }, "\(ran)")
        #expect(lines.contains { $0.hasPrefix("ctrs: ctrs version ") }, "\(ran)")
        #expect(lines.contains { $0.hasPrefix("contaird: contaird version ") }, "\(ran)")
        #expect(lines.contains("contaird-monitor: 1 usage line"), "\(ran)")
        #expect(lines.contains("contaird-init: ran echo"), "\(ran)")
        #expect(lines.contains("libcurl.so.4: loads"), "\(ran)")
        #expect(lines.contains("libarchive.so.13: loads"), "\(ran)")
    }

    /// Builds `product` in release mode with -static-executable; its path.
    static func buildStatic(_ product: String) throws -> String {
        let command = ["swift", "build", "--package-path", PackagingEnvironment.packageRoot,
                       "-c", "release", "-Xswiftc", "-static-executable", "--product",
                       product, "--scratch-path", scratchPath]
        let built = try CommandResult.run(command, timeout: 1500)
        guard built.succeeded else {
            throw SetupFailure("static build of \(product) failed: \(built)")
        }
        return scratchPath + "/release/" + product
    }

    /// Whether the ELF file at `path` has no program interpreter and no dynamic section,
    /// read from its program headers.
    static func isStaticExecutable(_ path: String) throws -> Bool {
        let bytes = try FileSystem.read(path)
        func integer(_ offset: Int, _ size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        guard bytes.count > 64, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46], bytes[4] == 2 else {
            throw SetupFailure("\(path) is not a 64-bit ELF file")
        }
        let headerOffset = integer(0x20, 8)
        let headerSize = integer(0x36, 2)
        let headerCount = integer(0x38, 2)
        let interpreter = 3
        let dynamic = 2
        for index in 0..<headerCount {
            let type = integer(headerOffset + index * headerSize, 4)
            if type == interpreter || type == dynamic {
                return false
            }
        }
        return true
    }

    /// Rewrites runc's default config: `arguments` without a terminal, the binaries
    /// read-only at /opt/contaird.
    static func editConfig(_ path: String, binDirectory: String, arguments: [String]) throws {
        guard case .object(var config) = try JSONParser.parse(try FileSystem.readText(path)),
              case .object(var process)? = config["process"],
              case .array(var mounts)? = config["mounts"] else {
            throw SetupFailure("\(path) is not runc's default config")
        }
        process["terminal"] = .bool(false)
        process["args"] = .array(arguments.map { .string($0) })
        config["process"] = .object(process)
        mounts.append(.object([
            "destination": "/opt/contaird", "type": "bind", "source": .string(binDirectory),
            "options": ["rbind", "ro"],
        ]))
        config["mounts"] = .array(mounts)
        try FileSystem.writeAtomically(path, text: JSONValue.object(config).jsonText)
    }
}
