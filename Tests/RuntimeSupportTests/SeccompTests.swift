import Glibc
import Testing
@testable import RuntimeSupport

/// Seccomp profiles parsed and compiled in the test process (compiling changes nothing),
/// and loaded for real in the probe process, which then makes the calls and reports.
@Suite(.enabled(if: Seccomp.isAvailable)) struct SeccompTests {
    /// Writes `json` to a private file and returns its path; the caller removes the
    /// directory.
    static func profileFile(_ json: String) throws -> (directory: String, path: String) {
        var template = Array("/tmp/runcs-seccomp-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        let directory = String(cString: made!)
        let path = directory + "/profile.json"
        let file = try #require(fopen(path, "w"))
        fputs(json, file)
        fclose(file)
        return (directory, path)
    }

    static func remove(_ file: (directory: String, path: String)) {
        unlink(file.path)
        rmdir(file.directory)
    }

    /// Runs the probe with a profile and calls; returns its lines.
    static func probe(_ json: String, _ calls: [String]) throws
        -> (status: Int32, lines: [String])
    {
        let file = try profileFile(json)
        defer { remove(file) }
        let run = try TestSupport.runProbe(["seccomp", file.path] + calls)
        return (run.status, run.output.split(separator: "\n").map(String.init))
    }

    @Test func parsesTheOCIShape() throws {
        let json = """
            {"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,
             "architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"],
             "flags":["SECCOMP_FILTER_FLAG_LOG"],
             "syscalls":[{"names":["dup","dup3"],"action":"SCMP_ACT_ALLOW",
                          "args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_NE"},
                                  {"index":1,"value":-1,"valueTwo":7,"op":"SCMP_CMP_MASKED_EQ"}]}]}
            """
        let profile = try SeccompProfile(json: Array(json.utf8))

        let expected = SeccompProfile(
            defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38,
            architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
            flags: ["SECCOMP_FILTER_FLAG_LOG"],
            syscalls: [
                SeccompRule(
                    names: ["dup", "dup3"], action: "SCMP_ACT_ALLOW",
                    args: [
                        SeccompArgument(index: 0, value: UInt64.max, op: "SCMP_CMP_NE"),
                        SeccompArgument(
                            index: 1, value: UInt64.max, valueTwo: 7, op: "SCMP_CMP_MASKED_EQ"),
                    ])
            ])
        #expect(profile == expected)
        #expect(try SeccompProfile(json: Array(profile.jsonText.utf8)) == profile)
    }

    @Test func refusesWhatItCannotHonourNamingIt() throws {
        #expect(throws: SeccompError.invalidProfile("defaultAction is missing")) {
            try SeccompProfile(json: Array(#"{"syscalls":[]}"#.utf8))
        }
        #expect(throws: SeccompError.unsupportedAction("SCMP_ACT_NOTIFY")) {
            _ = try SeccompFilter(profile: SeccompProfile(defaultAction: "SCMP_ACT_NOTIFY"))
        }
        #expect(throws: SeccompError.unknownArchitecture("SCMP_ARCH_VAX")) {
            let profile = SeccompProfile(
                defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_VAX"])
            _ = try SeccompFilter(profile: profile)
        }
        #expect(throws: SeccompError.unsupportedFlag("SECCOMP_FILTER_FLAG_NEW_LISTENER")) {
            let profile = SeccompProfile(
                defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_NEW_LISTENER"])
            _ = try SeccompFilter(profile: profile)
        }
        #expect(throws: SeccompError.unknownOperator("SCMP_CMP_SOMETIMES")) {
            let argument = SeccompArgument(index: 0, value: 1, op: "SCMP_CMP_SOMETIMES")
            let rule = SeccompRule(names: ["dup"], action: "SCMP_ACT_ERRNO", args: [argument])
            _ = try SeccompFilter(profile: SeccompProfile(defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [rule]))
        }
    }

    @Test func unknownSyscallNamesAreSkipped() throws {
        let rule = SeccompRule(
            names: ["no_such_call_in_any_kernel", "getppid"], action: "SCMP_ACT_ERRNO")
        let profile = SeccompProfile(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule])
        _ = try SeccompFilter(profile: profile)
        #expect(Seccomp.syscallNumber(named: "no_such_call_in_any_kernel") == nil)
        #expect(Seccomp.syscallNumber(named: "getppid") != nil)
    }

    @Test func rulesReturnTheirErrnoAndArgumentConditionsSelect() throws {
        let json = """
            {"defaultAction":"SCMP_ACT_ALLOW",
             "architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_AARCH64"],
             "syscalls":[
               {"names":["getppid"],"action":"SCMP_ACT_ERRNO","errnoRet":42},
               {"names":["keyctl","add_key"],"action":"SCMP_ACT_ERRNO"},
               {"names":["dup"],"action":"SCMP_ACT_ERRNO","errnoRet":77,
                "args":[{"index":0,"value":100,"op":"SCMP_CMP_EQ"},
                        {"index":0,"value":101,"op":"SCMP_CMP_EQ"}]},
               {"names":["unshare"],"action":"SCMP_ACT_ERRNO","errnoRet":13,
                "args":[{"index":0,"value":67108864,"valueTwo":67108864,
                         "op":"SCMP_CMP_MASKED_EQ"}]},
               {"names":["getpid"],"action":"SCMP_ACT_LOG"},
               {"names":["getuid"],"action":"SCMP_ACT_ALLOW"}]}
            """
        let run = try Self.probe(json, [
            "getppid", "keyctl", "dup:100", "dup:101", "dup:1", "unshare:0x4000000",
            "unshare:0", "getpid", "getuid",
        ])

        #expect(run.status == 0)
        #expect(
            run.lines == [
                "getppid=errno:42", "keyctl=errno:1", "dup=errno:77", "dup=errno:77",
                "dup=ok", "unshare=errno:13", "unshare=ok", "getpid=ok", "getuid=ok",
            ])
    }

    /// An allow-list profile refusing everything else with `errno` (EPERM when nil): it
    /// allows what the probe and the Swift runtime need after the filter is in place.
    static func allowingOnlyWhatTheProbeNeeds(errno: Int? = nil) -> String {
        let needed = [
            "write", "exit", "exit_group", "futex", "mmap", "munmap", "brk", "mprotect",
            "madvise", "rt_sigprocmask", "rt_sigreturn", "getpid",
        ]
        let names = needed.map { "\"\($0)\"" }.joined(separator: ",")
        let errnoRet = errno.map { ",\"defaultErrnoRet\":\($0)" } ?? ""
        return """
            {"defaultAction":"SCMP_ACT_ERRNO"\(errnoRet),
             "syscalls":[{"names":[\(names)],"action":"SCMP_ACT_ALLOW"}]}
            """
    }

    @Test func defaultErrnoRetAnswersEverythingNotAllowed() throws {
        let json = Self.allowingOnlyWhatTheProbeNeeds(errno: 95)
        let run = try Self.probe(json, ["getpid", "getppid", "getuid"])

        #expect(run.status == 0)
        #expect(run.lines == ["getpid=ok", "getppid=errno:95", "getuid=errno:95"])
    }

    /// A call newer than libseccomp's table fails with ENOSYS, not the refusing default,
    /// so that a libc newer than the profile falls back; a known call the profile does
    /// not allow still meets the default.
    @Test func callsNewerThanTheLibraryFailWithENOSYS() throws {
        let json = Self.allowingOnlyWhatTheProbeNeeds()
        let run = try Self.probe(json, ["getpid", "getuid", "nr1000", "nr1023"])

        #expect(run.status == 0)
        #expect(run.lines == ["getpid=ok", "getuid=errno:1", "nr1000=errno:38",
                              "nr1023=errno:38"])
    }

    @Test func killActionsEndTheProcessWithSIGSYS() throws {
        for action in ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_TRAP"] {
            let json = """
                {"defaultAction":"SCMP_ACT_ALLOW",
                 "syscalls":[{"names":["getppid"],"action":"\(action)"}]}
                """
            let run = try Self.probe(json, ["getpid", "getppid", "getuid"])

            #expect(run.status & 0x7f == SIGSYS, "\(action): status \(run.status)")
            #expect(run.lines == ["getpid=ok"], "\(action)")
        }
    }

    @Test func flagsAreAccepted() throws {
        let json = """
            {"defaultAction":"SCMP_ACT_ALLOW",
             "flags":["SECCOMP_FILTER_FLAG_TSYNC","SECCOMP_FILTER_FLAG_LOG",
                      "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
             "syscalls":[{"names":["getppid"],"action":"SCMP_ACT_ERRNO","errnoRet":5}]}
            """
        let run = try Self.probe(json, ["getppid", "getpid"])

        #expect(run.status == 0, "\(run.lines)")
        #expect(run.lines == ["getppid=errno:5", "getpid=ok"])
    }

    @Test func defaultProfileBlocksWhatDockerBlocks() throws {
        // CLONE_NEWUSER|CLONE_FS: blocked, EPERM; were it let through, the kernel would
        // refuse the pair with EINVAL, so no process is ever created here.
        let run = try TestSupport.runProbe([
            "seccomp", "default", "getpid", "unshare:0x4000000", "unshare:0x10000000",
            "setns:-1:0", "keyctl", "add_key", "mount", "umount2:0", "pivot_root",
            "kexec_load", "init_module", "reboot", "bpf", "perf_event_open", "swapoff",
            "acct", "clock_settime", "settimeofday", "clone:0x10000200", "clone3",
            "ptrace:0x10", "open_tree", "io_uring_setup",
        ])

        #expect(run.status == 0, "\(run.output)")
        let expected = [
            "getpid=ok", "unshare=errno:1", "unshare=errno:1", "setns=errno:1",
            "keyctl=errno:1", "add_key=errno:1", "mount=errno:1", "umount2=errno:1",
            "pivot_root=errno:1", "kexec_load=errno:1", "init_module=errno:1",
            "reboot=errno:1", "bpf=errno:1", "perf_event_open=errno:1", "swapoff=errno:1",
            "acct=errno:1", "clock_settime=errno:1", "settimeofday=errno:1",
            "clone=errno:1", "clone3=errno:38",
            // PTRACE_ATTACH to pid 0: allowed on this kernel (>= 4.8), so the kernel
            // itself answers ESRCH.
            "ptrace=errno:3", "open_tree=errno:1", "io_uring_setup=errno:1",
        ]
        #expect(run.output.split(separator: "\n").map(String.init) == expected)
        #expect(Seccomp.kernelIsAtLeast(4, 8))
    }

    @Test func missingLibraryFailsOnlyWhenSeccompIsAskedFor() throws {
        let run = try TestSupport.runProbe(["seccomp-without-library", "default"])

        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("available=false"))
        #expect(
            run.output.contains(
                "error: seccomp needs libseccomp.so.2, which could not be loaded: "
                    + "libseccomp.so.2: cannot open shared object file"),
            "\(run.output)")

        // The binary does not link libseccomp: it starts without it.
        let ldd = try TestSupport.spawnOutput(["/usr/bin/ldd", TestSupport.probePath])
        #expect(ldd.contains("libc.so"))
        #expect(!ldd.contains("libseccomp"))
    }
}
