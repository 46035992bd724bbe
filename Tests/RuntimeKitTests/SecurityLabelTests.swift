@testable import RuntimeKit
import SystemKit
import Testing

/// AppArmor and SELinux labels: applied where the host runs the module, and otherwise a
/// warning that names the label, with the container running as it would without one.
@Suite struct SecurityLabelTests {
    static let processLabel = "system_u:system_r:container_t:s0:c7,c9"
    static let mountLabel = "system_u:object_r:container_file_t:s0:c7,c9"

    /// Whether this host runs neither module, so that every label is refused.
    static let hostRunsNeither = SecurityLabels.Host.read()
        == SecurityLabels.Host(apparmor: false, selinux: false)

    @Test func theHostsModulesAreReadFromSysfs() throws {
        let sysfs = try TestContainer.temporaryDirectory(prefix: "runcs-sysfs")
        defer { try? FileSystem.removeTree(sysfs) }
        #expect(SecurityLabels.Host.read(sysfs: sysfs)
                == SecurityLabels.Host(apparmor: false, selinux: false))

        let parameters = "\(sysfs)/module/apparmor/parameters"
        try FileSystem.createDirectory(parameters)
        try FileSystem.writeAtomically("\(parameters)/enabled", text: "N\n")
        #expect(!SecurityLabels.Host.read(sysfs: sysfs).apparmor)
        try FileSystem.writeAtomically("\(parameters)/enabled", text: "Y\n")
        #expect(SecurityLabels.Host.read(sysfs: sysfs).apparmor)

        // Permissive mode ("0") is SELinux running too: labels still apply.
        try FileSystem.createDirectory("\(sysfs)/fs/selinux")
        try FileSystem.writeAtomically("\(sysfs)/fs/selinux/enforce", text: "0")
        #expect(SecurityLabels.Host.read(sysfs: sysfs)
                == SecurityLabels.Host(apparmor: true, selinux: true))
    }

    @Test func labelsOfModulesTheHostRunsAreKeptAndEveryOtherIsWarnedAbout() {
        var process = Spec.Process()
        process.apparmorProfile = "container-default"
        process.selinuxLabel = Self.processLabel

        let neither = SecurityLabels.resolve(process: process, mountLabel: Self.mountLabel,
                                             host: .init(apparmor: false, selinux: false))
        #expect(neither.labels.isEmpty)
        #expect(neither.warnings.count == 3)
        #expect(neither.warnings[0].hasPrefix("apparmorProfile \"container-default\" not "
                                              + "applied: AppArmor is not enabled"))
        #expect(neither.warnings[1].hasPrefix("selinuxLabel \"\(Self.processLabel)\""))
        #expect(neither.warnings[2].hasPrefix("mountLabel \"\(Self.mountLabel)\""))

        let apparmorOnly = SecurityLabels.resolve(process: process, mountLabel: nil,
                                                  host: .init(apparmor: true, selinux: false))
        #expect(apparmorOnly.labels == SecurityLabels(apparmorProfile: "container-default"))
        #expect(apparmorOnly.warnings.count == 1)

        let both = SecurityLabels.resolve(process: process, mountLabel: Self.mountLabel,
                                          host: .init(apparmor: true, selinux: true))
        #expect(both.labels == SecurityLabels(apparmorProfile: "container-default",
                                              processLabel: Self.processLabel,
                                              mountLabel: Self.mountLabel))
        #expect(both.warnings.isEmpty)

        // Empty strings, as some callers write for "none", name no label.
        process.apparmorProfile = ""
        process.selinuxLabel = ""
        let empty = SecurityLabels.resolve(process: process, mountLabel: "",
                                           host: .init(apparmor: false, selinux: false))
        #expect(empty.labels.isEmpty && empty.warnings.isEmpty)
    }

    @Test func theMountLabelGoesOnFilesystemsThatTakeAContext() {
        let labels = SecurityLabels(mountLabel: Self.mountLabel)
        #expect(labels.contextOption(type: "tmpfs", data: ["mode=755"])
                == "context=\"\(Self.mountLabel)\"")
        #expect(labels.contextOption(type: "devpts", data: []) != nil)
        #expect(labels.contextOption(type: "proc", data: []) == nil)
        #expect(labels.contextOption(type: "tmpfs", data: ["context=\"other\""]) == nil)
        #expect(SecurityLabels().contextOption(type: "tmpfs", data: []) == nil)
    }

    @Test(.enabled(if: hostRunsNeither, "the host runs AppArmor or SELinux"))
    func aContainerWithLabelsThisHostCannotApplyRunsAndSaysSo() throws {
        let container = try TestContainer(args: ["sh", "-c", "mount | grep ' /dev/shm '"])
        defer { container.cleanUp() }
        container.spec.process?.apparmorProfile = "runcs-test-profile"
        container.spec.process?.selinuxLabel = Self.processLabel
        container.spec.linux?.mountLabel = Self.mountLabel

        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        // The tmpfs was mounted without a context option the kernel would refuse.
        #expect(result.output.contains("tmpfs"))
        #expect(!result.output.contains("context="))
        // One warning line per label, naming it and the module (the log quotes its
        // message, so the label's own quotes come escaped).
        let warnings = result.error.split(separator: "\n").filter {
            $0.contains("level=warning") && $0.contains("not applied")
        }
        #expect(warnings.count == 3, "\(result.error)")
        for (label, module) in [("runcs-test-profile", "AppArmor"),
                                (Self.processLabel, "SELinux"), (Self.mountLabel, "SELinux")] {
            #expect(warnings.contains { $0.contains(label) && $0.contains(module) },
                    "\(result.error)")
        }
    }

    @Test(.enabled(if: hostRunsNeither, "the host runs AppArmor or SELinux"))
    func execWithItsOwnProfileSaysItIsNotApplied() throws {
        let container = try TestContainer(args: ["sleep", "300"])
        defer { container.cleanUp() }
        let id = try container.runDetached("label")

        let result = try container.runcs(["exec", "--apparmor", "exec-profile",
                                          "--process-label", Self.processLabel, id,
                                          "echo", "ran"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "ran\n")
        let warnings = result.error.split(separator: "\n").filter {
            $0.contains("level=warning") && $0.contains("not applied")
        }
        #expect(warnings.count == 2, "\(result.error)")
        #expect(warnings.contains { $0.contains("exec-profile") && $0.contains("AppArmor") })
        #expect(warnings.contains { $0.contains(Self.processLabel) && $0.contains("SELinux") })
    }

    /// On an AppArmor host the process changes profile at its exec. "unconfined" is a
    /// profile every AppArmor host has without loading one.
    @Test(.enabled(if: SecurityLabels.Host.read().apparmor, "the host does not run AppArmor"))
    func anAppArmorProfileIsTheProcesssAfterItsExec() throws {
        let container = try TestContainer(args: ["cat", "/proc/self/attr/apparmor/current"])
        defer { container.cleanUp() }
        container.spec.process?.apparmorProfile = "unconfined"
        let result = try container.run()
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.hasPrefix("unconfined"))
        #expect(!result.error.contains("not applied"), "\(result.error)")
    }
}
