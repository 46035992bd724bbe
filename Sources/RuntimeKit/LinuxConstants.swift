// Linux constants that Swift's Glibc module leaves out (they sit behind _GNU_SOURCE or
// in headers it does not import), with the values from the kernel's uapi headers.

let O_PATH: Int32 = 0o10000000
let PR_SET_PDEATHSIG: Int32 = 1
let PR_SET_DUMPABLE: Int32 = 4
let PR_SET_NAME: Int32 = 15
let PR_SET_NO_NEW_PRIVS: Int32 = 38
let ST_RDONLY: UInt = 1
let ST_NOSUID: UInt = 2
let ST_NODEV: UInt = 4
let ST_NOEXEC: UInt = 8
let ST_NOATIME: UInt = 1024
let ST_NODIRATIME: UInt = 2048
let ST_RELATIME: UInt = 4096
