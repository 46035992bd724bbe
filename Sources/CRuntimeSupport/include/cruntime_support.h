// C helpers of RuntimeSupport: the capset and bpf system calls, and libseccomp reached
// through dlopen so that binaries start (and run containers without seccomp) on hosts
// where libseccomp is not installed.
#ifndef CRUNTIME_SUPPORT_H
#define CRUNTIME_SUPPORT_H

#include <stdint.h>

/// capset(2), version 3, for the calling thread: the low and high 32 bits of each set.
/// Returns 0 or -1 with errno.
int crs_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);

/// capget(2), version 3, for process `pid` (0: the calling thread). Returns 0 or -1.
int crs_capget(int pid, uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);

/// One argument comparison, laid out as libseccomp's `struct scmp_arg_cmp`.
struct crs_seccomp_arg {
    unsigned int index;
    int op;
    uint64_t value;
    uint64_t value_two;
};

/// Loads libseccomp.so.2 and its functions, once. Returns 0, or -1 when the library or a
/// function is missing; `crs_seccomp_load_error` then says what.
int crs_seccomp_open(void);

/// The dynamic loader's message of the failed `crs_seccomp_open`, or NULL.
const char *crs_seccomp_load_error(void);

/// The libseccomp functions; call only after `crs_seccomp_open` returned 0. They return
/// what libseccomp returns: 0 or a negative errno, NULL for a failed init.
void *crs_seccomp_init(uint32_t default_action);
int crs_seccomp_rule_add_array(void *context, uint32_t action, int syscall,
                               unsigned int count, const struct crs_seccomp_arg *args);
int crs_seccomp_syscall_resolve_name(const char *name);
int crs_seccomp_arch_add(void *context, uint32_t arch);
uint32_t crs_seccomp_arch_resolve_name(const char *name);
uint32_t crs_seccomp_arch_native(void);
int crs_seccomp_attr_set(void *context, int attribute, uint32_t value);
int crs_seccomp_load(void *context);
void crs_seccomp_release(void *context);

/// The highest system call number libseccomp has a name for on the native architecture,
/// or -1 when it knows none (or lacks seccomp_syscall_resolve_num_arch).
int crs_seccomp_highest_known_syscall(void);

/// Installs the filter of `context` with seccomp(2) and `flags` (SECCOMP_FILTER_FLAG_*),
/// after libseccomp has compiled it (seccomp_export_bpf). When `enosys_above` is 0 or
/// more, a native-architecture call with a higher number fails with ENOSYS before the
/// filter proper sees it. Returns 0, the listener fd when `flags` asks for one, or a
/// negative errno.
int crs_seccomp_install(void *context, unsigned int flags, int enosys_above);

/// libseccomp's version (seccomp_version(3)). Returns 0, or -1 when the library is
/// missing or too old to say.
int crs_seccomp_version(unsigned int *major, unsigned int *minor, unsigned int *micro);

/// What libseccomp and the running kernel support together (seccomp_api_get(3)):
/// 2 and up sets TSYNC, 3 the LOG flag and action, 4 SPEC_ALLOW; 0 when unknown.
unsigned int crs_seccomp_api_level(void);

/// Loads `count` eBPF instructions (8 bytes each, `struct bpf_insn`) as a
/// BPF_PROG_TYPE_CGROUP_DEVICE program. Returns the program's fd (close-on-exec) or -1
/// with errno; the verifier's complaint, if any, is written to `log`.
int crs_bpf_load_device_program(const void *instructions, unsigned int count, char *log,
                                unsigned int log_size);

/// Attaches program `program_fd` to the cgroup directory `cgroup_fd` as its device
/// filter (BPF_CGROUP_DEVICE), replacing a program attached the same way before.
/// Returns 0 or -1 with errno.
int crs_bpf_attach_device_program(int program_fd, int cgroup_fd);

#endif
