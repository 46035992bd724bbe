#if canImport(Glibc)
import Glibc
#endif
import SystemKit

/// The labels of the two Linux security modules config.json can name: an AppArmor
/// profile (`process.apparmorProfile`) and SELinux contexts (`process.selinuxLabel` for
/// the process, `linux.mountLabel` for the filesystems the container mounts).
///
/// The parent resolves them against the modules the host runs: a label whose module
/// runs goes into the init's plan and is applied; one whose module does not run is
/// dropped with a warning, and the process runs as unconfined by that module as every
/// other process of the host.
struct SecurityLabels: Codable, Equatable {
    /// The AppArmor profile the process changes to at its exec.
    var apparmorProfile: String?
    /// The SELinux context the process takes at its exec.
    var processLabel: String?
    /// The SELinux context of the filesystems the init mounts that take one.
    var mountLabel: String?

    var isEmpty: Bool {
        apparmorProfile == nil && processLabel == nil && mountLabel == nil
    }

    /// The security modules running on the host, as sysfs shows them.
    struct Host: Equatable {
        var apparmor: Bool
        var selinux: Bool

        /// AppArmor runs when its module parameter `enabled` says "Y"; SELinux when
        /// selinuxfs is mounted at `fs/selinux` (its `enforce` file exists, in enforcing
        /// and permissive mode alike). `sysfs` is "/sys" but for tests.
        static func read(sysfs: String = "/sys") -> Host {
            let parameter = try? FileSystem.read("\(sysfs)/module/apparmor/parameters/enabled")
            return Host(apparmor: parameter?.first == UInt8(ascii: "Y"),
                        selinux: FileSystem.exists("\(sysfs)/fs/selinux/enforce"))
        }
    }

    /// The labels of `process` and `mountLabel` that `host` can apply, and a warning for
    /// each one it cannot. Empty strings name no label.
    static func resolve(process: Spec.Process, mountLabel: String?, host: Host)
        -> (labels: SecurityLabels, warnings: [String])
    {
        var labels = SecurityLabels()
        var warnings: [String] = []
        if let profile = process.apparmorProfile, !profile.isEmpty {
            if host.apparmor {
                labels.apparmorProfile = profile
            } else {
                warnings.append("apparmorProfile \"\(profile)\" not applied: AppArmor is not "
                    + "enabled on this host (/sys/module/apparmor/parameters/enabled)")
            }
        }
        for (field, label) in [("selinuxLabel", process.selinuxLabel),
                               ("mountLabel", mountLabel)] {
            guard let label, !label.isEmpty else {
                continue
            }
            if host.selinux {
                if field == "selinuxLabel" {
                    labels.processLabel = label
                } else {
                    labels.mountLabel = label
                }
            } else {
                warnings.append("\(field) \"\(label)\" not applied: SELinux is not enabled "
                    + "on this host (no selinuxfs at /sys/fs/selinux)")
            }
        }
        return (labels, warnings)
    }

    /// The filesystem types whose mount takes an SELinux `context=` option here.
    static let labelledFilesystems: Set<String> = ["tmpfs", "devpts", "mqueue", "shm"]

    /// The `context="mountLabel"` option a mount of `type` with data options `data`
    /// gets: nil without a mount label, for a filesystem that takes none, or when the
    /// data names a context already.
    func contextOption(type: String, data: [String]) -> String? {
        guard let mountLabel, Self.labelledFilesystems.contains(type),
              !data.contains(where: { $0.hasPrefix("context=") })
        else {
            return nil
        }
        return "context=\"\(mountLabel)\""
    }

    /// Asks the kernel to put this thread under the labels at its next execve, through
    /// /proc/thread-self/attr: AppArmor's own `apparmor/exec` file (Linux 5.8), or the
    /// shared `exec` file before it; SELinux's context through `exec`. Needs the
    /// container's /proc mounted.
    func applyAtExec() throws {
        if let apparmorProfile {
            let own = "/proc/thread-self/attr/apparmor/exec"
            let path = FileSystem.exists(own) ? own : "/proc/thread-self/attr/exec"
            try write("exec \(apparmorProfile)", to: path, naming: "AppArmor profile")
        }
        if let processLabel {
            try write(processLabel, to: "/proc/thread-self/attr/exec", naming: "SELinux label")
        }
    }

    private func write(_ value: String, to path: String, naming what: String) throws {
        do {
            try FileSystem.writeKnob(path, value)
        } catch {
            throw RuntimeError(.invalidArgument, "apply \(what) \"\(value)\": \(error)")
        }
    }
}

extension SecurityLabels {
    var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        fields["apparmorProfile"] = apparmorProfile.map(JSONValue.string)
        fields["processLabel"] = processLabel.map(JSONValue.string)
        fields["mountLabel"] = mountLabel.map(JSONValue.string)
        return .object(fields)
    }

    init(json: JSONObject) throws(RuntimeError) {
        self.init(apparmorProfile: try json.string("apparmorProfile"),
                  processLabel: try json.string("processLabel"),
                  mountLabel: try json.string("mountLabel"))
    }
}
