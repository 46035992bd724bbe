extension Spec {
    /// `linux`: namespaces, devices, cgroups and the rest of the Linux-only settings.
    public struct Linux: Codable, Sendable, Equatable {
        public var namespaces: [Namespace]?
        public var uidMappings: [IDMapping]?
        public var gidMappings: [IDMapping]?
        public var devices: [Device]?
        public var cgroupsPath: String?
        public var resources: Resources?
        public var rootfsPropagation: String?
        public var maskedPaths: [String]?
        public var readonlyPaths: [String]?
        public var sysctl: [String: String]?
        public var seccomp: JSONValue?
        public var mountLabel: String?

        public init(namespaces: [Namespace]? = nil, devices: [Device]? = nil,
                    cgroupsPath: String? = nil, resources: Resources? = nil,
                    maskedPaths: [String]? = nil, readonlyPaths: [String]? = nil,
                    sysctl: [String: String]? = nil) {
            self.namespaces = namespaces
            self.devices = devices
            self.cgroupsPath = cgroupsPath
            self.resources = resources
            self.maskedPaths = maskedPaths
            self.readonlyPaths = readonlyPaths
            self.sysctl = sysctl
        }
    }

    /// One entry of `linux.namespaces`: a new namespace, or the one at `path` joined.
    public struct Namespace: Codable, Sendable, Equatable {
        public var type: String
        public var path: String?

        public init(type: String, path: String? = nil) {
            self.type = type
            self.path = path
        }
    }

    /// One entry of `linux.uidMappings` or `linux.gidMappings`.
    public struct IDMapping: Codable, Sendable, Equatable {
        public var containerID: UInt32
        public var hostID: UInt32
        public var size: UInt32

        public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
            self.containerID = containerID
            self.hostID = hostID
            self.size = size
        }
    }

    /// One entry of `linux.devices`: a node created inside the container's /dev.
    public struct Device: Codable, Sendable, Equatable {
        public var type: String
        public var path: String
        public var major: Int64?
        public var minor: Int64?
        public var fileMode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?

        public init(type: String, path: String, major: Int64? = nil, minor: Int64? = nil,
                    fileMode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil) {
            self.type = type
            self.path = path
            self.major = major
            self.minor = minor
            self.fileMode = fileMode
            self.uid = uid
            self.gid = gid
        }
    }

    /// `linux.resources`: the cgroup limits.
    public struct Resources: Codable, Sendable, Equatable {
        public var devices: [DeviceRule]?
        public var memory: Memory?
        public var cpu: CPU?
        public var pids: Pids?
        public var hugepageLimits: [HugepageLimit]?
        /// cgroup v2 files written as they are; refused on cgroup v1.
        public var unified: [String: String]?

        public init(devices: [DeviceRule]? = nil, memory: Memory? = nil, cpu: CPU? = nil,
                    pids: Pids? = nil, hugepageLimits: [HugepageLimit]? = nil,
                    unified: [String: String]? = nil) {
            self.devices = devices
            self.memory = memory
            self.cpu = cpu
            self.pids = pids
            self.hugepageLimits = hugepageLimits
            self.unified = unified
        }
    }

    /// One entry of `linux.resources.hugepageLimits`: bytes of pages of one size.
    public struct HugepageLimit: Codable, Sendable, Equatable {
        public var pageSize: String
        public var limit: UInt64

        public init(pageSize: String, limit: UInt64) {
            self.pageSize = pageSize
            self.limit = limit
        }
    }

    /// One entry of `linux.resources.devices`.
    public struct DeviceRule: Codable, Sendable, Equatable {
        public var allow: Bool
        public var type: String?
        public var major: Int64?
        public var minor: Int64?
        public var access: String?

        public init(allow: Bool, type: String? = nil, major: Int64? = nil,
                    minor: Int64? = nil, access: String? = nil) {
            self.allow = allow
            self.type = type
            self.major = major
            self.minor = minor
            self.access = access
        }
    }

    /// `linux.resources.memory`, in bytes.
    public struct Memory: Codable, Sendable, Equatable {
        public var limit: Int64?
        public var reservation: Int64?
        public var swap: Int64?

        public init(limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil) {
            self.limit = limit
            self.reservation = reservation
            self.swap = swap
        }
    }

    /// `linux.resources.cpu`.
    public struct CPU: Codable, Sendable, Equatable {
        public var shares: UInt64?
        public var quota: Int64?
        public var period: UInt64?
        public var cpus: String?
        public var mems: String?
        /// Real-time scheduling time per period, in microseconds (cgroup v1 only).
        public var realtimeRuntime: Int64?
        public var realtimePeriod: UInt64?

        public init(shares: UInt64? = nil, quota: Int64? = nil, period: UInt64? = nil,
                    cpus: String? = nil, mems: String? = nil, realtimeRuntime: Int64? = nil,
                    realtimePeriod: UInt64? = nil) {
            self.shares = shares
            self.quota = quota
            self.period = period
            self.cpus = cpus
            self.mems = mems
            self.realtimeRuntime = realtimeRuntime
            self.realtimePeriod = realtimePeriod
        }
    }

    /// `linux.resources.pids`.
    public struct Pids: Codable, Sendable, Equatable {
        public var limit: Int64

        public init(limit: Int64) {
            self.limit = limit
        }
    }
}

extension Spec {
    /// Whether linux.namespaces gives the container a mount namespace, new or joined.
    var hasMountNamespace: Bool {
        linux?.namespaces?.contains { $0.type == "mount" } ?? false
    }
}
