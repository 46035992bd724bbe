/// OCI `linux.seccomp`: what a filter does by default and for which system calls.
public struct SeccompProfile: Sendable, Equatable {
    /// The action for calls no rule matches, such as "SCMP_ACT_ERRNO".
    public var defaultAction: String
    /// The errno returned when `defaultAction` is ERRNO (EPERM when nil).
    public var defaultErrnoRet: UInt32?
    /// "SCMP_ARCH_X86_64", ...; the native architecture is always included.
    public var architectures: [String]
    /// "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    /// "SECCOMP_FILTER_FLAG_SPEC_ALLOW".
    public var flags: [String]
    /// Rules, applied in order.
    public var syscalls: [SeccompRule]

    public init(
        defaultAction: String,
        defaultErrnoRet: UInt32? = nil,
        architectures: [String] = [],
        flags: [String] = [],
        syscalls: [SeccompRule] = []
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.flags = flags
        self.syscalls = syscalls
    }

    /// The profile in `json`, the text of a `linux.seccomp` object.
    public init(json: [UInt8]) throws {
        let parsed: ProfileJSON
        do {
            parsed = try ProfileJSON(parsing: json)
        } catch {
            throw SeccompError.invalidProfile(error.description)
        }
        try self.init(parsed: parsed)
    }

    /// The profile in a parsed `linux.seccomp` object.
    init(parsed json: ProfileJSON) throws {
        guard let defaultAction = json["defaultAction"]?.string else {
            throw SeccompError.invalidProfile("defaultAction is missing")
        }
        self.defaultAction = defaultAction
        self.defaultErrnoRet = try Self.errno(json["defaultErrnoRet"], "defaultErrnoRet")
        self.architectures = try Self.strings(json["architectures"], "architectures")
        self.flags = try Self.strings(json["flags"], "flags")
        self.syscalls = try (json["syscalls"]?.array ?? []).map(SeccompRule.init(parsed:))
    }

    static func strings(_ value: ProfileJSON?, _ field: String) throws -> [String] {
        guard let value, value != .null else { return [] }
        guard let items = value.array else {
            throw SeccompError.invalidProfile("\(field) is not an array")
        }
        return try items.map { item in
            guard let text = item.string else {
                throw SeccompError.invalidProfile("\(field) holds a non-string")
            }
            return text
        }
    }

    static func errno(_ value: ProfileJSON?, _ field: String) throws -> UInt32? {
        guard let value, value != .null else { return nil }
        guard let number = value.uint64, number <= 0xFFFF else {
            throw SeccompError.invalidProfile("\(field) is not an errno number")
        }
        return UInt32(number)
    }
}

/// One entry of `linux.seccomp.syscalls`.
public struct SeccompRule: Sendable, Equatable {
    public var names: [String]
    public var action: String
    public var errnoRet: UInt32?
    /// Conditions on the arguments; all must hold (see `SeccompFilter` for repeats of one
    /// argument).
    public var args: [SeccompArgument]

    public init(
        names: [String], action: String, errnoRet: UInt32? = nil,
        args: [SeccompArgument] = []
    ) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
    }

    init(parsed json: ProfileJSON) throws {
        names = try SeccompProfile.strings(json["names"], "syscalls.names")
        if let single = json["name"]?.string {
            names.append(single)
        }
        guard let action = json["action"]?.string else {
            throw SeccompError.invalidProfile("a syscalls entry has no action")
        }
        self.action = action
        errnoRet = try SeccompProfile.errno(json["errnoRet"], "syscalls.errnoRet")
        args = try (json["args"]?.array ?? []).map(SeccompArgument.init(parsed:))
    }
}

/// A condition on one system call argument.
public struct SeccompArgument: Sendable, Equatable {
    public var index: UInt32
    public var value: UInt64
    public var valueTwo: UInt64
    /// "SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT",
    /// "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ" (value is the mask, valueTwo the result).
    public var op: String

    public init(index: UInt32, value: UInt64, valueTwo: UInt64 = 0, op: String) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
    }

    init(parsed json: ProfileJSON) throws {
        guard let index = json["index"]?.uint64, index < 6 else {
            throw SeccompError.invalidProfile("an argument index is missing or above 5")
        }
        guard let op = json["op"]?.string else {
            throw SeccompError.invalidProfile("an argument condition has no op")
        }
        self.index = UInt32(index)
        self.op = op
        // Negative values are accepted as their 64-bit two's complement.
        self.value = try Self.number(json["value"])
        self.valueTwo = try Self.number(json["valueTwo"])
    }

    private static func number(_ value: ProfileJSON?) throws -> UInt64 {
        guard let value, value != .null else { return 0 }
        if let unsigned = value.uint64 { return unsigned }
        if let signed = value.int64 { return UInt64(bitPattern: signed) }
        throw SeccompError.invalidProfile("an argument value is not an integer")
    }
}
