// runtime-support-probe: a helper the RuntimeSupport tests start as a separate process,
// so that capabilities and seccomp filters, which cannot be undone, change only it.
//
//   caps BOUNDING EFFECTIVE INHERITABLE PERMITTED AMBIENT [--user UID] [-- PROGRAM ARGS...]
//       applies the sets (comma-separated names, "-" for none), as UID when given, then
//       execs PROGRAM or prints the Cap* lines of /proc/self/status
//   seccomp PROFILE CALL...
//       loads PROFILE (a JSON file, or "default") and makes each CALL, written
//       name[:arg0[:arg1...]], printing "name=ok" or "name=errno:N" per call
//   seccomp-without-library PROFILE
//       covers the system's library directories in a private mount namespace, then
//       tries to load PROFILE and prints whether libseccomp was available and the error
import CShim
import Glibc
import RuntimeSupport
import SystemKit

/// Prints `message` to stderr and exits with status 2.
func fail(_ message: String) -> Never {
    var line = "runtime-support-probe: " + message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}

/// Writes one line to stdout, unbuffered (the process may exec or die right after).
func say(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
}

func names(_ argument: String) -> [String] {
    argument == "-" ? [] : argument.split(separator: ",").map(String.init)
}

func runCapabilities(_ arguments: [String]) throws {
    guard arguments.count >= 5 else { fail("caps needs five sets") }
    let sets = CapabilitySets(
        bounding: names(arguments[0]), effective: names(arguments[1]),
        inheritable: names(arguments[2]), permitted: names(arguments[3]),
        ambient: names(arguments[4]))
    var rest = Array(arguments.dropFirst(5))

    if rest.first == "--user", rest.count >= 2, let uid = uid_t(rest[1]) {
        rest.removeFirst(2)
        // What a container init does: keep the capabilities across setuid, then set them.
        try Capabilities.setKeepOnSetuid(true)
        try Syscall.check("setgroups") { setgroups(0, nil) }
        try Syscall.check("setgid") { setgid(uid) }
        try Syscall.check("setuid") { setuid(uid) }
        try Capabilities.setKeepOnSetuid(false)
    }
    for warning in try Capabilities.apply(sets) {
        say("warning: " + warning)
    }

    if rest.first == "--", rest.count >= 2 {
        let program = Array(rest.dropFirst())
        let argv = program.map { strdup($0) } + [nil]
        execv(program[0], argv)
        fail("execv \(program[0]): \(String(cString: strerror(errno)))")
    }
    let status = try FileSystem.readText("/proc/self/status")
    for line in status.split(separator: "\n") where line.hasPrefix("Cap") {
        say(String(line))
    }
}

func profileBytes(_ argument: String) throws -> [UInt8] {
    argument == "default" ? Seccomp.defaultProfileJSON : try FileSystem.read(argument)
}

func runSeccomp(_ arguments: [String]) throws {
    guard let profile = arguments.first else { fail("seccomp needs a profile") }
    // Resolve every call before the filter is in place.
    var calls: [(name: String, number: Int32, args: [Int])] = []
    for call in arguments.dropFirst() {
        let parts = call.split(separator: ":").map(String.init)
        // "nr1000" is a bare number, such as one no kernel or library has yet.
        let bare = parts[0].hasPrefix("nr") ? Int32(parts[0].dropFirst(2)) : nil
        guard let number = bare ?? Seccomp.syscallNumber(named: parts[0]) else {
            fail("unknown system call \(parts[0])")
        }
        let args = parts.dropFirst().map { text in
            text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) ?? 0 : Int(text) ?? 0
        }
        calls.append((parts[0], number, args + Array(repeating: 0, count: 6 - args.count)))
    }

    try Seccomp.load(profileJSON: profileBytes(profile))

    for call in calls {
        let a = call.args
        let result = cshim_syscall6(Int(call.number), a[0], a[1], a[2], a[3], a[4], a[5])
        say(result >= 0 ? "\(call.name)=ok" : "\(call.name)=errno:\(errno)")
    }
}

/// unshare(2)'s number, from the kernel's syscall tables (libseccomp must not be asked).
#if arch(x86_64)
let unshareSyscallNumber = 272
#elseif arch(arm64)
let unshareSyscallNumber = 97
#endif
/// CLONE_NEWNS.
let newMountNamespace = 0x0002_0000

func runSeccompWithoutLibrary(_ arguments: [String]) throws {
    guard let profile = arguments.first else { fail("seccomp-without-library needs a profile") }
    let bytes = try profileBytes(profile)

    // libseccomp has not been opened in this process yet. The libraries already mapped
    // (the C library, the loader) stay mapped when their directories are covered.
    try Syscall.check("unshare") {
        cshim_syscall6(unshareSyscallNumber, newMountNamespace, 0, 0, 0, 0, 0)
    }
    try Syscall.check("mount", path: "/") { mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil) }
    for directory in ["/usr/lib", "/lib", "/usr/local/lib", "/lib64", "/usr/lib64"]
    where FileSystem.isDirectory(directory) {
        try Syscall.check("mount", path: directory) {
            mount("tmpfs", directory, "tmpfs", 0, nil)
        }
    }

    say("available=\(Seccomp.isAvailable)")
    do {
        try Seccomp.load(profileJSON: bytes)
        say("loaded")
    } catch {
        say("error: \(error)")
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "caps":
        try runCapabilities(Array(arguments.dropFirst()))
    case "seccomp":
        try runSeccomp(Array(arguments.dropFirst()))
    case "seccomp-without-library":
        try runSeccompWithoutLibrary(Array(arguments.dropFirst()))
    default:
        fail("usage: caps|seccomp|seccomp-without-library ...")
    }
} catch {
    fail("\(error)")
}
