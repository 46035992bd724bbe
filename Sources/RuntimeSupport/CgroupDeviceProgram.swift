#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CRuntimeSupport
import SystemKit

/// The device rules of a cgroup v2, compiled to an eBPF program of type
/// BPF_PROG_TYPE_CGROUP_DEVICE, which the kernel runs on every open or mknod of a device
/// node by a process of the cgroup (cgroup v2 has no devices controller files).
///
/// The program gives the rules v1's meaning: the last rule that matches a request
/// decides, and a request no rule matches is allowed (a v1 cgroup starts allowing every
/// device; configs begin with a rule that denies all). An allow rule matches when it
/// grants every access asked for; a deny rule when it refuses any of them.
public struct CgroupDeviceProgram: Sendable, Equatable {
    /// The program, as `struct bpf_insn` values.
    public let instructions: [Instruction]

    /// One eBPF instruction: opcode, destination and source registers, offset, immediate.
    public struct Instruction: Sendable, Equatable {
        var code: UInt8
        var destination: UInt8
        var source: UInt8
        var offset: Int16
        var immediate: Int32

        /// The 8 bytes of `struct bpf_insn` (little-endian hosts: destination register in
        /// the low nibble).
        var bytes: [UInt8] {
            let off = UInt16(bitPattern: offset)
            let imm = UInt32(bitPattern: immediate)
            return [
                code, (source << 4) | (destination & 0x0F), UInt8(off & 0xFF), UInt8(off >> 8),
                UInt8(imm & 0xFF), UInt8((imm >> 8) & 0xFF), UInt8((imm >> 16) & 0xFF),
                UInt8(imm >> 24),
            ]
        }
    }

    // Opcodes (linux/bpf_common.h, linux/bpf.h).
    private static let loadWord: UInt8 = 0x61  // BPF_LDX | BPF_MEM | BPF_W
    private static let moveRegister: UInt8 = 0xBF  // BPF_ALU64 | BPF_MOV | BPF_X
    private static let moveImmediate: UInt8 = 0xB7  // BPF_ALU64 | BPF_MOV | BPF_K
    private static let andImmediate: UInt8 = 0x57  // BPF_ALU64 | BPF_AND | BPF_K
    private static let shiftRightImmediate: UInt8 = 0x77  // BPF_ALU64 | BPF_RSH | BPF_K
    private static let jumpIfEqual: UInt8 = 0x15  // BPF_JMP | BPF_JEQ | BPF_K
    private static let jumpIfNotEqual: UInt8 = 0x55  // BPF_JMP | BPF_JNE | BPF_K
    private static let exit: UInt8 = 0x95  // BPF_JMP | BPF_EXIT

    // Registers: r1 holds the context (struct bpf_cgroup_dev_ctx); the rest are ours.
    private static let context: UInt8 = 1
    private static let deviceType: UInt8 = 2
    private static let access: UInt8 = 3
    private static let major: UInt8 = 4
    private static let minor: UInt8 = 5
    private static let scratch: UInt8 = 6

    /// BPF_DEVCG_ACC_* and BPF_DEVCG_DEV_*.
    private static let allAccess: Int32 = 0b111

    /// Compiles `rules`; throws on a rule type or access letter that is not a, b, c or
    /// r, w, m.
    public init(rules: [CgroupDeviceRule]) throws {
        // access_type holds the device type in its low 16 bits and the access in the high.
        var program: [Instruction] = [
            Self.make(Self.loadWord, Self.deviceType, Self.context, offset: 0),
            Self.make(Self.moveRegister, Self.access, Self.deviceType),
            Self.make(Self.shiftRightImmediate, Self.access, immediate: 16),
            Self.make(Self.andImmediate, Self.deviceType, immediate: 0xFFFF),
            Self.make(Self.loadWord, Self.major, Self.context, offset: 4),
            Self.make(Self.loadWord, Self.minor, Self.context, offset: 8),
        ]
        for rule in rules.reversed() {
            let block = try Self.block(for: rule)
            program += block.instructions
            // A rule that matches every request ends the program: the verifier refuses
            // code that can never run, so earlier rules and the fallback are left out.
            if block.matchesAll {
                instructions = program
                return
            }
        }
        program += [
            Self.make(Self.moveImmediate, 0, immediate: 1),
            Self.make(Self.exit, 0),
        ]
        instructions = program
    }

    /// The tests of one rule, each jumping past the block when it fails, then the verdict.
    private static func block(for rule: CgroupDeviceRule) throws
        -> (instructions: [Instruction], matchesAll: Bool)
    {
        var tests: [(code: UInt8, register: UInt8, value: Int32)] = []
        var prelude: [Instruction] = []

        switch rule.type ?? "a" {
        case "a":
            break
        case "b":
            tests.append((jumpIfNotEqual, deviceType, 1))
        case "c":
            tests.append((jumpIfNotEqual, deviceType, 2))
        default:
            throw CgroupError.invalidValue(name: "device type", value: rule.type ?? "")
        }

        let wanted = try accessMask(rule.access ?? "rwm")
        if wanted != allAccess {
            prelude = [
                make(moveRegister, scratch, access),
                make(andImmediate, scratch, immediate: rule.allow ? ~wanted & allAccess : wanted),
            ]
        }
        if let major = rule.major {
            tests.append((jumpIfNotEqual, Self.major, Int32(clamping: major)))
        }
        if let minor = rule.minor {
            tests.append((jumpIfNotEqual, Self.minor, Int32(clamping: minor)))
        }
        if !prelude.isEmpty {
            // Allow: no access outside the rule's. Deny: some access inside it.
            tests.append((rule.allow ? jumpIfNotEqual : jumpIfEqual, scratch, 0))
        }

        let verdict = [make(moveImmediate, 0, immediate: rule.allow ? 1 : 0), make(exit, 0)]
        let length = prelude.count + tests.count + verdict.count
        var block = prelude
        for (position, test) in tests.enumerated() {
            let remaining = length - (prelude.count + position) - 1
            block.append(
                make(test.code, test.register, offset: Int16(remaining), immediate: test.value))
        }
        return (block + verdict, tests.isEmpty)
    }

    private static func accessMask(_ letters: String) throws -> Int32 {
        var mask: Int32 = 0
        for letter in letters {
            switch letter {
            case "m": mask |= 1
            case "r": mask |= 2
            case "w": mask |= 4
            default: throw CgroupError.invalidValue(name: "device access", value: letters)
            }
        }
        return mask
    }

    private static func make(
        _ code: UInt8, _ destination: UInt8, _ source: UInt8 = 0, offset: Int16 = 0,
        immediate: Int32 = 0
    ) -> Instruction {
        Instruction(
            code: code, destination: destination, source: source, offset: offset,
            immediate: immediate)
    }

    /// Loads the program into the kernel and attaches it to the cgroup directory
    /// `cgroupPath`, replacing the program this library attached there before.
    public func attach(to cgroupPath: String) throws {
        let bytes = instructions.flatMap(\.bytes)
        var log = [CChar](repeating: 0, count: 4096)
        let program = bytes.withUnsafeBytes { raw in
            crs_bpf_load_device_program(
                raw.baseAddress, UInt32(instructions.count), &log, UInt32(log.count))
        }
        if program < 0 {
            let code = currentErrno()
            let verifier = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                as: UTF8.self)
            throw SystemError(
                call: "bpf BPF_PROG_LOAD",
                path: verifier.isEmpty ? cgroupPath : cgroupPath + " (\(verifier))", errno: code)
        }
        defer { _ = close(program) }

        let directory = try FileDescriptor.open(cgroupPath, O_RDONLY | O_DIRECTORY)
        defer { directory.close() }
        try Syscall.check("bpf BPF_PROG_ATTACH", path: cgroupPath) {
            crs_bpf_attach_device_program(program, directory.rawValue)
        }
    }
}
