/// One rule of OCI `linux.resources.devices`: allow or deny access to a class of devices.
public struct CgroupDeviceRule: Sendable, Equatable {
    /// Whether the rule grants access (true) or takes it away (false).
    public var allow: Bool
    /// "a" (all), "b" (block) or "c" (character); nil means all.
    public var type: String?
    /// The device's major number; nil matches every major.
    public var major: Int64?
    /// The device's minor number; nil matches every minor.
    public var minor: Int64?
    /// Some of "r", "w", "m" (read, write, mknod); nil means all three.
    public var access: String?

    public init(
        allow: Bool,
        type: String? = nil,
        major: Int64? = nil,
        minor: Int64? = nil,
        access: String? = nil
    ) {
        self.allow = allow
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// The rule as the v1 devices controller reads it: "c 1:3 rwm", "a *:* rwm".
    public var v1Line: String {
        let kind = type ?? "a"
        let majorText = major.map { String($0) } ?? "*"
        let minorText = minor.map { String($0) } ?? "*"
        return "\(kind) \(majorText):\(minorText) \(access ?? "rwm")"
    }

    /// The devices every container may use whatever its config says: the nodes a runtime
    /// creates in /dev (null, zero, full, random, urandom, tty, console, the devpts ptmx
    /// and pseudo-terminals). A runtime appends them after the config's own rules, which
    /// usually begin by denying every device, so that these stay allowed.
    public static let defaultAllowed: [CgroupDeviceRule] = [
        CgroupDeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
        CgroupDeviceRule(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),
        CgroupDeviceRule(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),
        CgroupDeviceRule(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),
        CgroupDeviceRule(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),
        CgroupDeviceRule(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),
        CgroupDeviceRule(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),
        CgroupDeviceRule(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),
        CgroupDeviceRule(allow: true, type: "c", major: 136, minor: nil, access: "rwm"),
    ]
}
