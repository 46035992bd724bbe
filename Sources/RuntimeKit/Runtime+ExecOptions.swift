#if canImport(Glibc)
import Glibc
#endif
import SystemKit

extension Runtime {
    /// What `exec` takes from the command line: either a whole OCI `process` object
    /// (`--process`, as containerd and conmon pass it) or a command with changes to the
    /// container's own process.
    public struct ExecOptions: Sendable {
        /// A file holding the OCI `process` object to run.
        public var processPath: String?
        /// The command and its arguments, when there is no process file.
        public var args: [String] = []
        /// `KEY=VALUE` entries that replace or add to the container's environment.
        public var env: [String] = []
        public var cwd: String?
        public var uid: UInt32?
        public var gid: UInt32?
        public var additionalGids: [UInt32] = []
        /// Capabilities added to the bounding, effective and permitted sets.
        public var addedCapabilities: [String] = []
        public var tty = false
        public var noNewPrivileges = false
        public var consoleSocket: String?
        public var detach = false
        public var pidFile: String?
        public var preserveFDs = 0
        public var ignorePaused = false
        /// `--cgroup` values: sub-cgroups of the container's to put the process in.
        public var subCgroups: [String] = []
        /// `--apparmor` and `--process-label`: the process's AppArmor profile and SELinux
        /// label in place of the container's.
        public var apparmorProfile: String?
        public var processLabel: String?

        public init() {}

        /// The process to run: the process file with what it leaves out taken from the
        /// container's process `base` (capabilities, rlimits, no_new_privs, OOM score,
        /// as runc does), or `base` with the command line's changes.
        func process(base: Spec.Process?) throws(RuntimeError) -> Spec.Process {
            if let processPath {
                guard args.isEmpty else {
                    throw RuntimeError(.invalidArgument,
                                       "exec: give either --process or a command, not both")
                }
                var process = try Self.loadProcess(processPath)
                process.capabilities = process.capabilities ?? base?.capabilities
                process.rlimits = process.rlimits ?? base?.rlimits
                process.noNewPrivileges = process.noNewPrivileges ?? base?.noNewPrivileges
                process.oomScoreAdj = process.oomScoreAdj ?? base?.oomScoreAdj
                process.apparmorProfile = process.apparmorProfile ?? base?.apparmorProfile
                process.selinuxLabel = process.selinuxLabel ?? base?.selinuxLabel
                return process
            }
            guard !args.isEmpty else {
                throw RuntimeError(.invalidArgument, "exec: a command is required")
            }
            var process = base ?? Spec.Process()
            process.args = args
            process.terminal = tty
            process.env = Self.merge(env, into: process.env ?? [])
            if let cwd {
                process.cwd = cwd
            }
            if let uid {
                process.user.uid = uid
            }
            if let gid {
                process.user.gid = gid
            }
            if !additionalGids.isEmpty {
                process.user.additionalGids = (process.user.additionalGids ?? []) + additionalGids
            }
            if !addedCapabilities.isEmpty {
                var sets = process.capabilities ?? Spec.Capabilities()
                let names = addedCapabilities.map(Self.capabilityName)
                sets.bounding = Self.union(sets.bounding, names)
                sets.effective = Self.union(sets.effective, names)
                sets.permitted = Self.union(sets.permitted, names)
                process.capabilities = sets
            }
            if noNewPrivileges {
                process.noNewPrivileges = true
            }
            if let apparmorProfile {
                process.apparmorProfile = apparmorProfile
            }
            if let processLabel {
                process.selinuxLabel = processLabel
            }
            return process
        }

        /// Reads an OCI `process` object from `path`.
        static func loadProcess(_ path: String) throws(RuntimeError) -> Spec.Process {
            let bytes: [UInt8]
            do {
                bytes = try FileSystem.read(path)
            } catch {
                if error.errno == ENOENT {
                    throw RuntimeError(.notFound, "process file \(path) does not exist")
                }
                throw RuntimeError(.internal, "\(error)")
            }
            do {
                // A process file without "user" runs as root, as with runc; config.json
                // itself must name its user.
                var parsed = try JSONValue.parse(bytes)
                if case .object(var fields) = parsed, fields["user"] == nil {
                    fields["user"] = .object(["uid": .whole(0), "gid": .whole(0)])
                    parsed = .object(fields)
                }
                return try Spec.Process(json: JSONObject(parsed, path: "process"))
            } catch {
                throw RuntimeError(.invalidArgument, "parse \(path): \(error.message)")
            }
        }

        /// `environment` with each `KEY=VALUE` of `changes` replacing the entry of the
        /// same key, or added at the end.
        static func merge(_ changes: [String], into environment: [String]) -> [String] {
            var result = environment
            for entry in changes {
                let key = entry.prefix { $0 != "=" }
                result.removeAll { $0.prefix { $0 != "=" } == key }
                result.append(entry)
            }
            return result
        }

        /// "net_raw" or "CAP_NET_RAW" → "CAP_NET_RAW".
        static func capabilityName(_ text: String) -> String {
            let upper = text.uppercased()
            return upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
        }

        static func union(_ list: [String]?, _ added: [String]) -> [String] {
            var result = list ?? []
            for name in added where !result.contains(name) {
                result.append(name)
            }
            return result
        }
    }
}
