#define _GNU_SOURCE
#include "cruntime_support.h"

#include <dlfcn.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// The libseccomp functions used, with the signatures of seccomp_init(3),
// seccomp_rule_add(3), seccomp_syscall_resolve_name(3), seccomp_arch_add(3),
// seccomp_attr_set(3), seccomp_load(3) and seccomp_release(3).
typedef void *(*init_fn)(uint32_t);
typedef int (*rule_add_array_fn)(void *, uint32_t, int, unsigned int,
                                 const struct crs_seccomp_arg *);
typedef int (*resolve_name_fn)(const char *);
typedef int (*arch_add_fn)(void *, uint32_t);
typedef uint32_t (*arch_resolve_fn)(const char *);
typedef uint32_t (*arch_native_fn)(void);
typedef int (*attr_set_fn)(void *, int, uint32_t);
typedef int (*load_fn)(void *);
typedef void (*release_fn)(void *);
// seccomp_export_bpf(3) and seccomp_syscall_resolve_num_arch(3).
typedef int (*export_bpf_fn)(void *, int);
typedef char *(*resolve_num_fn)(uint32_t, int);
// seccomp_version(3) and seccomp_api_get(3), looked up but not required.
struct library_version {
    unsigned int major, minor, micro;
};
typedef const struct library_version *(*version_fn)(void);
typedef unsigned int (*api_get_fn)(void);

static struct {
    init_fn init;
    rule_add_array_fn rule_add_array;
    resolve_name_fn resolve_name;
    arch_add_fn arch_add;
    arch_resolve_fn arch_resolve;
    arch_native_fn arch_native;
    attr_set_fn attr_set;
    load_fn load;
    release_fn release;
    export_bpf_fn export_bpf;
    resolve_num_fn resolve_num;
    version_fn version;
    api_get_fn api_get;
} functions;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int open_result = -1;
static char open_error[512];

static void *find(void *library, const char *name) {
    void *symbol = dlsym(library, name);
    if (symbol == NULL && open_error[0] == 0) {
        snprintf(open_error, sizeof open_error, "libseccomp.so.2 has no %s", name);
    }
    return symbol;
}

static void open_once(void) {
    void *library = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(open_error, sizeof open_error, "%s", reason ? reason : "libseccomp.so.2");
        return;
    }
    functions.init = (init_fn)find(library, "seccomp_init");
    functions.rule_add_array = (rule_add_array_fn)find(library, "seccomp_rule_add_array");
    functions.resolve_name = (resolve_name_fn)find(library, "seccomp_syscall_resolve_name");
    functions.arch_add = (arch_add_fn)find(library, "seccomp_arch_add");
    functions.arch_resolve = (arch_resolve_fn)find(library, "seccomp_arch_resolve_name");
    functions.arch_native = (arch_native_fn)find(library, "seccomp_arch_native");
    functions.attr_set = (attr_set_fn)find(library, "seccomp_attr_set");
    functions.load = (load_fn)find(library, "seccomp_load");
    functions.release = (release_fn)find(library, "seccomp_release");
    functions.export_bpf = (export_bpf_fn)find(library, "seccomp_export_bpf");
    functions.resolve_num = (resolve_num_fn)dlsym(library, "seccomp_syscall_resolve_num_arch");
    functions.version = (version_fn)dlsym(library, "seccomp_version");
    functions.api_get = (api_get_fn)dlsym(library, "seccomp_api_get");
    if (open_error[0] == 0) open_result = 0;
}

int crs_seccomp_open(void) {
    pthread_once(&once, open_once);
    return open_result;
}

const char *crs_seccomp_load_error(void) {
    return open_error[0] ? open_error : NULL;
}

void *crs_seccomp_init(uint32_t default_action) {
    return functions.init(default_action);
}

int crs_seccomp_rule_add_array(void *context, uint32_t action, int syscall,
                               unsigned int count, const struct crs_seccomp_arg *args) {
    return functions.rule_add_array(context, action, syscall, count, args);
}

int crs_seccomp_syscall_resolve_name(const char *name) {
    return functions.resolve_name(name);
}

int crs_seccomp_arch_add(void *context, uint32_t arch) {
    return functions.arch_add(context, arch);
}

uint32_t crs_seccomp_arch_resolve_name(const char *name) {
    return functions.arch_resolve(name);
}

uint32_t crs_seccomp_arch_native(void) {
    return functions.arch_native();
}

int crs_seccomp_attr_set(void *context, int attribute, uint32_t value) {
    return functions.attr_set(context, attribute, value);
}

int crs_seccomp_load(void *context) {
    return functions.load(context);
}

void crs_seccomp_release(void *context) {
    functions.release(context);
}

int crs_seccomp_version(unsigned int *major, unsigned int *minor, unsigned int *micro) {
    if (crs_seccomp_open() != 0 || functions.version == NULL) return -1;
    const struct library_version *version = functions.version();
    if (version == NULL) return -1;
    *major = version->major;
    *minor = version->minor;
    *micro = version->micro;
    return 0;
}

unsigned int crs_seccomp_api_level(void) {
    if (crs_seccomp_open() != 0 || functions.api_get == NULL) return 0;
    return functions.api_get();
}

int crs_seccomp_highest_known_syscall(void) {
    if (functions.resolve_num == NULL) return -1;
    uint32_t native = functions.arch_native();
    // Numbers run below 1024 on every architecture libseccomp knows, apart from the
    // x32 and MIPS offsets, which the native check leaves out.
    for (int number = 1023; number >= 0; number--) {
        char *name = functions.resolve_num(native, number);
        if (name != NULL) {
            free(name);
            return number;
        }
    }
    return -1;
}

// The compiled program, read back from libseccomp through a memfd. Returns the
// instruction count, or a negative errno; *program is malloc'd.
static int export_program(void *context, struct sock_filter **program) {
    int memfd = (int)syscall(SYS_memfd_create, "runcs-seccomp", MFD_CLOEXEC);
    if (memfd < 0) return -errno;
    int result = functions.export_bpf(context, memfd);
    struct stat status;
    if (result == 0 && fstat(memfd, &status) != 0) result = -errno;
    if (result == 0 && (status.st_size <= 0 || status.st_size % sizeof(struct sock_filter))) {
        result = -EINVAL;
    }
    if (result == 0) {
        *program = malloc((size_t)status.st_size);
        if (*program == NULL) result = -ENOMEM;
    }
    if (result == 0 && pread(memfd, *program, (size_t)status.st_size, 0) != status.st_size) {
        result = -EIO;
    }
    close(memfd);
    if (result < 0) {
        if (result != -ENOMEM) free(*program);
        *program = NULL;
        return result;
    }
    return (int)(status.st_size / sizeof(struct sock_filter));
}

int crs_seccomp_install(void *context, unsigned int flags, int enosys_above) {
    struct sock_filter *compiled = NULL;
    int count = export_program(context, &compiled);
    if (count < 0) return count;

    // The step before the filter proper: on the native architecture, a call numbered
    // above every call the library knows returns ENOSYS, so a libc newer than the
    // profile falls back to the older call. Calls with the x32 bit go on unchanged.
    struct sock_filter prefix[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, functions.arch_native(), 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)enosys_above, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    };
    size_t prefix_count = enosys_above >= 0 ? sizeof prefix / sizeof prefix[0] : 0;
    size_t total = prefix_count + (size_t)count;
    if (total > BPF_MAXINSNS) {
        prefix_count = 0;
        total = (size_t)count;
    }
    struct sock_filter *program = malloc(total * sizeof(struct sock_filter));
    if (program == NULL) {
        free(compiled);
        return -ENOMEM;
    }
    memcpy(program, prefix, prefix_count * sizeof(struct sock_filter));
    memcpy(program + prefix_count, compiled, (size_t)count * sizeof(struct sock_filter));
    free(compiled);

    struct sock_fprog fprog = {.len = (unsigned short)total, .filter = program};
    long result = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
    int saved = errno;
    free(program);
    return result < 0 ? -saved : (int)result;
}
