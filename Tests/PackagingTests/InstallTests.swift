import Glibc
import SystemKit
import Testing

/// packaging/install.sh into a temporary DESTDIR: the layout it puts in place, the
/// prefix written into the service files, and what --uninstall and --purge remove.
/// `make install` builds release binaries first (3 minutes here), so the suite does not
/// run it: it forwards PREFIX, DESTDIR and INIT to this same script (checked by hand:
/// `make install DESTDIR=... INIT=openrc` then `make uninstall DESTDIR=... PURGE=1`).
@Suite("install.sh")
struct InstallTests {
    static let installScript = PackagingEnvironment.packageRoot + "/packaging/install.sh"

    static let manPages = ["share/man/man8/contaird.8", "share/man/man1/ctrs.1",
                           "share/man/man8/runcs.8"]

    func install(_ destdir: String, prefix: String, _ extra: [String]) throws -> CommandResult {
        try CommandResult.run([Self.installScript, "--destdir", destdir, "--prefix", prefix]
                              + extra)
    }

    @Test("OpenRC install into DESTDIR, uninstall keeps conf.d, purge removes it",
          .enabled(if: PackagingEnvironment.missingBinaries() == nil,
                   "the binaries are not built"))
    func openrcInstallAndUninstall() throws {
        let destdir = try PackagingEnvironment.temporaryDirectory("pkg-destdir")
        defer { try? FileSystem.removeTree(destdir) }
        let prefix = "/usr/local"
        let products = PackagingEnvironment.productsDirectory

        let installed = try install(destdir, prefix: prefix,
                                    ["--init", "openrc", "--bin-dir", products])
        try #require(installed.succeeded, "\(installed)")

        for binary in PackagingEnvironment.binaries + ["contaird-init"] {
            let path = destdir + prefix + "/bin/" + binary
            #expect(access(path, X_OK) == 0, "\(path) is not an executable")
        }
        for page in Self.manPages {
            #expect(FileSystem.exists(destdir + prefix + "/" + page), "\(page) is missing")
        }
        let initScript = destdir + "/etc/init.d/contaird"
        #expect(access(initScript, X_OK) == 0, "\(initScript) is not executable")
        let script = try FileSystem.readText(initScript)
        #expect(script.hasPrefix("#!/sbin/openrc-run"))
        #expect(script.contains("CONTAIRD_BINARY:=\(prefix)/bin/contaird}"))
        let settings = destdir + "/etc/conf.d/contaird"
        #expect(try FileSystem.readText(settings).contains("CONTAIRD_SOCKET="))
        #expect(!FileSystem.exists(destdir + "/lib/systemd"))
        #expect(!FileSystem.exists(destdir + prefix + "/lib/systemd"))

        // The manifest lists every file put in place, and only those.
        let manifest = try FileSystem.readText(destdir + prefix
                                               + "/share/contaird/install-manifest")
        let listed = manifest.split(separator: "\n").map(String.init)
        #expect(listed.contains("/etc/init.d/contaird"))
        #expect(listed.contains(prefix + "/bin/contaird"))
        #expect(listed.allSatisfy { FileSystem.exists(destdir + $0) })

        // A second install keeps the settings the administrator edited.
        try FileSystem.writeAtomically(settings, text: "CONTAIRD_LOG_LEVEL=debug\n")
        let again = try install(destdir, prefix: prefix,
                                ["--init", "openrc", "--bin-dir", products])
        try #require(again.succeeded, "\(again)")
        #expect(again.stdout.contains("keeping existing /etc/conf.d/contaird"))
        #expect(try FileSystem.readText(settings) == "CONTAIRD_LOG_LEVEL=debug\n")

        let removed = try install(destdir, prefix: prefix, ["--uninstall"])
        try #require(removed.succeeded, "\(removed)")
        for path in listed where path != "/etc/conf.d/contaird" {
            #expect(!FileSystem.exists(destdir + path), "\(path) is still there")
        }
        #expect(FileSystem.exists(settings), "--uninstall removed the settings")

        let purged = try install(destdir, prefix: prefix, ["--uninstall", "--purge"])
        try #require(purged.succeeded, "\(purged)")
        #expect(!FileSystem.exists(settings), "--purge left \(settings)")
    }

    @Test("systemd install under another prefix writes that prefix into the unit",
          .enabled(if: PackagingEnvironment.missingBinaries() == nil,
                   "the binaries are not built"))
    func systemdInstallWithPrefix() throws {
        let destdir = try PackagingEnvironment.temporaryDirectory("pkg-destdir")
        defer { try? FileSystem.removeTree(destdir) }
        let prefix = "/opt/contaird-" + PackagingEnvironment.uniqueSuffix()

        let installed = try install(destdir, prefix: prefix,
                                    ["--init", "systemd", "--bin-dir",
                                     PackagingEnvironment.productsDirectory])
        try #require(installed.succeeded, "\(installed)")

        // A prefix outside /usr puts the units where systemd looks for the admin's own.
        let unit = try FileSystem.readText(destdir + "/etc/systemd/system/contaird.service")
        #expect(unit.contains("ExecStart=\(prefix)/bin/contaird "))
        #expect(!unit.contains("/usr/local/bin"))
        #expect(unit.contains("Type=notify"))
        #expect(unit.contains("KillMode=process"))
        #expect(FileSystem.exists(destdir + "/etc/systemd/system/contaird.socket"))
        #expect(FileSystem.exists(destdir + "/etc/default/contaird"))
        #expect(!FileSystem.exists(destdir + "/etc/init.d/contaird"))
        #expect(access(destdir + prefix + "/bin/ctrs", X_OK) == 0)

        let removed = try install(destdir, prefix: prefix, ["--uninstall", "--purge"])
        try #require(removed.succeeded, "\(removed)")
        #expect(!FileSystem.exists(destdir + "/etc/systemd/system/contaird.service"))
        #expect(!FileSystem.exists(destdir + prefix + "/bin/contaird"))
        #expect(!FileSystem.exists(destdir + "/etc/default/contaird"))
    }

    @Test("systemd-analyze accepts the units", .enabled(
        if: PackagingEnvironment.hasProgram("systemd-analyze")
            && PackagingEnvironment.missingBinaries(["contaird"]) == nil,
        "systemd-analyze or contaird is missing"))
    func systemdUnitsVerify() throws {
        let directory = try PackagingEnvironment.temporaryDirectory("pkg-units")
        defer { try? FileSystem.removeTree(directory) }
        let source = PackagingEnvironment.packageRoot + "/packaging/systemd/"

        // verify checks that ExecStart's binary exists: point it at the built one.
        let service = try FileSystem.readText(source + "contaird.service")
            .replacing("/usr/local/bin/contaird", with: PackagingEnvironment.product("contaird"))
        try FileSystem.writeAtomically(directory + "/contaird.service", text: service)
        let socket = try FileSystem.readText(source + "contaird.socket")
        try FileSystem.writeAtomically(directory + "/contaird.socket", text: socket)

        let verified = try CommandResult.run(["systemd-analyze", "verify", "--man=no",
                                              directory + "/contaird.socket",
                                              directory + "/contaird.service"])
        #expect(verified.succeeded, "\(verified)")
        #expect(verified.stderr.isEmpty, "\(verified)")
    }

    @Test("an unknown option is refused with the usage")
    func unknownOption() throws {
        let refused = try CommandResult.run([Self.installScript, "--prefx", "/usr"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("unknown option '--prefx'"))
        #expect(refused.stderr.contains("--uninstall"))
    }
}
