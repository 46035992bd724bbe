import RuntimeKit
import SystemKit
import Testing

/// features: the runtime-spec features document, naming what runcs does.
@Suite struct FeaturesTests {
    @Test func theDocumentParsesAndNamesWhatRuncsDoes() throws {
        let result = try TestContainer.execute([TestContainer.runcsPath, "features"])
        #expect(result.status == 0, "\(result.error)")
        let document = try JSONValue.parse(Array(result.output.utf8))
        #expect(document["ociVersionMin"]?.string == "1.0.0")
        #expect(document["ociVersionMax"]?.string == Spec.version)
        #expect(document["hooks"]?.strings == ["prestart", "createRuntime", "createContainer",
                                              "startContainer", "poststart", "poststop"])
        let options = try #require(document["mountOptions"]?.strings)
        for option in ["bind", "rbind", "ro", "nosuid", "rprivate", "relatime"] {
            #expect(options.contains(option))
        }
        #expect(!options.contains("tmpcopyup"))

        let linux = try #require(document["linux"])
        let namespaces = try #require(linux["namespaces"]?.strings)
        for namespace in ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"] {
            #expect(namespaces.contains(namespace))
        }
        let capabilities = try #require(linux["capabilities"]?.strings)
        #expect(capabilities.first == "CAP_CHOWN")
        #expect(capabilities.contains("CAP_SYS_ADMIN"))
        #expect(linux["cgroup"] == .object(["v1": .bool(true), "v2": .bool(true),
                                            "systemd": .bool(false),
                                            "systemdUser": .bool(false)]))
        #expect(linux["apparmor"]?["enabled"] == .bool(true))
        #expect(linux["selinux"]?["enabled"] == .bool(true))
        #expect(linux["intelRdt"]?["enabled"] == .bool(false))

        // Seccomp is on exactly when libseccomp is here, and then its version is named.
        let libseccomp = ["/usr/lib/x86_64-linux-gnu/libseccomp.so.2",
                          "/usr/lib/aarch64-linux-gnu/libseccomp.so.2",
                          "/usr/lib/libseccomp.so.2", "/lib/libseccomp.so.2"]
            .contains(where: FileSystem.exists)
        let seccomp = try #require(linux["seccomp"])
        #expect(seccomp["enabled"] == .bool(libseccomp))
        let version = document["annotations"]?["io.github.seccomp.libseccomp.version"]
        #expect((version != nil) == libseccomp)
        if libseccomp {
            #expect(seccomp["actions"]?.strings?.contains("SCMP_ACT_ERRNO") == true)
            #expect(seccomp["operators"]?.strings?.contains("SCMP_CMP_MASKED_EQ") == true)
            #expect(seccomp["archs"]?.strings?.contains("SCMP_ARCH_X86_64") == true)
            let known = try #require(seccomp["knownFlags"]?.strings)
            let supported = try #require(seccomp["supportedFlags"]?.strings)
            #expect(supported.allSatisfy(known.contains))
        }
    }
}
