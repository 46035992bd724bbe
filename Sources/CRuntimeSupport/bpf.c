#define _GNU_SOURCE
#include "cruntime_support.h"

#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int crs_bpf_load_device_program(const void *instructions, unsigned int count, char *log,
                                unsigned int log_size) {
    static const char license[] = "Apache-2.0";
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insn_cnt = count;
    attr.insns = (__u64)(unsigned long)instructions;
    attr.license = (__u64)(unsigned long)license;
    if (log != NULL && log_size > 0) {
        log[0] = 0;
        attr.log_buf = (__u64)(unsigned long)log;
        attr.log_size = log_size;
        attr.log_level = 1;
    }
    // The kernel makes every new BPF program fd close-on-exec.
    return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}

int crs_bpf_attach_device_program(int program_fd, int cgroup_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (__u32)cgroup_fd;
    attr.attach_bpf_fd = (__u32)program_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = 0;
    return (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr);
}
