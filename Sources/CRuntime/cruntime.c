#define _GNU_SOURCE
#include "cruntime.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/// Writes "<prefix><word> <number>" on `fd` as one message, using only
/// async-signal-safe calls.
static void report(int fd, const char *prefix, const char *word, long number) {
    char message[128];
    size_t length = 0;
    for (const char *p = prefix; *p && length < 64; p++) message[length++] = *p;
    for (const char *p = word; *p && length < 100; p++) message[length++] = *p;
    if (*word) message[length++] = ' ';
    char digits[24];
    int count = 0;
    unsigned long value = (unsigned long)number;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && count < 20);
    while (count > 0) message[length++] = digits[--count];
    ssize_t ignored = write(fd, message, length);
    (void)ignored;
}

/// Says "child-error <step> <errno>" on the sync socket and exits 127.
__attribute__((noreturn)) static void fail(int sync, const char *step, int code) {
    report(sync, "child-error ", step, code);
    _exit(127);
}

/// Tells the parent that our new user namespace exists and waits for its answer, which
/// comes once it has written our uid_map and gid_map.
static void await_id_maps(int sync) {
    static const char announce[] = "userns";
    if (write(sync, announce, sizeof(announce) - 1) < 0) fail(sync, "announce-userns", errno);
    char answer[16];
    ssize_t got;
    do {
        got = read(sync, answer, sizeof(answer));
    } while (got < 0 && errno == EINTR);
    if (got <= 0) fail(sync, "wait-for-parent", got < 0 ? errno : EPIPE);
}

/// Takes the ids of root in the user namespace we just made or joined. Ours are still
/// the caller's host ids, which its maps may not cover: the init's exec would then drop
/// every capability we hold in it. Raw system calls: glibc's wrappers would try to
/// reach threads of the parent. The groups go too, unless setgroups is denied there.
static void become_namespace_root(int sync) {
    if (syscall(SYS_setgroups, 0, NULL) < 0 && errno != EPERM) fail(sync, "setgroups", errno);
    if (syscall(SYS_setresgid, 0, 0, 0) < 0) fail(sync, "setresgid", errno);
    if (syscall(SYS_setresuid, 0, 0, 0) < 0) fail(sync, "setresuid", errno);
}

/// Joins the request's namespaces in order, each refused with EPERM before the user
/// namespace again right after it (see `join_fds`).
static void join_namespaces(const struct cruntime_spawn_request *request) {
    int sync = request->sync_fd;
    int refused[16];
    int refused_count = 0;
    int user_ahead = 0;
    for (int i = 0; i < request->join_count; i++) {
        if (request->join_types[i] == CLONE_NEWUSER) user_ahead = 1;
    }
    for (int i = 0; i < request->join_count; i++) {
        int type = request->join_types[i];
        if (setns(request->join_fds[i], type) < 0) {
            int deferrable = errno == EPERM && user_ahead && type != CLONE_NEWUSER;
            if (!deferrable || refused_count == 16) fail(sync, "setns", errno);
            refused[refused_count++] = i;
            continue;
        }
        if (type != CLONE_NEWUSER) continue;
        become_namespace_root(sync);
        user_ahead = 0;
        for (int r = 0; r < refused_count; r++) {
            int index = refused[r];
            if (setns(request->join_fds[index], request->join_types[index]) < 0) {
                fail(sync, "setns", errno);
            }
        }
        refused_count = 0;
    }
}

/// Forks the init into the pid namespace entered for our children (CLONE_PARENT: it is
/// the caller's child too); we report its pid and exit, only the init goes on.
static void fork_init(int sync) {
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), 0, 0, 0, 0);
    if (pid < 0) fail(sync, "fork-init", errno);
    if (pid > 0) {
        report(sync, "init-pid ", "", pid);
        _exit(0);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

/// Makes the namespaces of `unshare_flags`, the user namespace first; a new pid
/// namespace takes a fork, after which only the child goes on (see `unshare_flags`).
static void unshare_namespaces(const struct cruntime_spawn_request *request) {
    int sync = request->sync_fd;
    int flags = request->unshare_flags;
    if (flags & CLONE_NEWUSER) {
        if (unshare(CLONE_NEWUSER) < 0) fail(sync, "unshare-user", errno);
        if (request->wait_for_parent) await_id_maps(sync);
        become_namespace_root(sync);
    }
    int others = flags & ~(CLONE_NEWUSER | CLONE_NEWPID);
    if (others && unshare(others) < 0) fail(sync, "unshare", errno);
    if (!(flags & CLONE_NEWPID)) return;

    if (unshare(CLONE_NEWPID) < 0) fail(sync, "unshare-pid", errno);
    fork_init(sync);
}

/// Bind-mounts `path` read-only over itself. The remount keeps the flags of the mount
/// underneath that a user namespace locks (noexec and the atime mode), which would
/// otherwise make it fail with EPERM.
static void protect_executable(int sync, const char *path) {
    if (mount(path, path, NULL, MS_BIND, NULL) < 0) fail(sync, "bind-executable", errno);
    struct statfs underneath;
    if (statfs(path, &underneath) < 0) fail(sync, "statfs-executable", errno);
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV;
    if (underneath.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
    if (underneath.f_flags & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (underneath.f_flags & ST_NOATIME) {
        flags |= MS_NOATIME;
    } else if (underneath.f_flags & ST_RELATIME) {
        flags |= MS_RELATIME;
    } else {
        flags |= MS_STRICTATIME;
    }
    if (mount(NULL, path, NULL, flags, NULL) < 0) fail(sync, "protect-executable", errno);
}

/// The mount steps of the request in the child's mount namespace: "/" made a recursive
/// slave, then the executable protected.
static void prepare_mounts(const struct cruntime_spawn_request *request) {
    int sync = request->sync_fd;
    if (request->make_root_slave &&
        mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) {
        fail(sync, "make-root-slave", errno);
    }
    if (request->protect_executable) protect_executable(sync, request->executable);
}

/// The child's side of `cruntime_spawn_init`; never returns.
static void run_child(const struct cruntime_spawn_request *request) {
    int sync = request->sync_fd;
    prctl(PR_SET_NAME, (unsigned long)"runcs:clone", 0, 0, 0);
    // The container must not outlive a parent that dies before it reports ready.
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

    if (request->clone_flags & CLONE_NEWUSER) {
        if (request->wait_for_parent) await_id_maps(sync);
        become_namespace_root(sync);
    }
    // A mount namespace the clone made is worked on before the joins: a user namespace
    // joined next (an exec into a container that has one) holds no power over it.
    // Otherwise the mount namespace is the one joined or unshared below.
    int clone_made_mounts = (request->clone_flags & CLONE_NEWNS) != 0;
    if (clone_made_mounts) prepare_mounts(request);
    join_namespaces(request);
    if (request->unshare_flags) unshare_namespaces(request);
    if (request->fork_after_joins) fork_init(sync);
    if (!clone_made_mounts) prepare_mounts(request);

    if (sync != request->sync_target) {
        if (dup2(sync, request->sync_target) < 0) fail(sync, "dup2-sync", errno);
        sync = request->sync_target;
    } else {
        fcntl(sync, F_SETFD, 0);
    }

    execve(request->executable, request->argv, request->envp);
    fail(sync, "exec-init", errno);
}

pid_t cruntime_spawn_init(const struct cruntime_spawn_request *request) {
    // A raw clone without CLONE_VM behaves like fork; the child only makes system
    // calls until it execs, so it needs none of glibc's fork bookkeeping.
    long pid = syscall(SYS_clone, (unsigned long)request->clone_flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) return -1;
    if (pid == 0) run_child(request);
    return (pid_t)pid;
}

int cruntime_sealed_copy(const char *path) {
    int source = open(path, O_RDONLY | O_CLOEXEC);
    if (source < 0) return -1;
    int copy = memfd_create("runcs", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    struct stat status;
    int failed = copy < 0 || fstat(source, &status) < 0;
    off_t left = failed ? 0 : status.st_size;
    while (!failed && left > 0) {
        ssize_t sent = sendfile(copy, source, NULL, (size_t)left);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) failed = 1;
        else left -= sent;
    }
    int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    if (!failed && fcntl(copy, F_ADD_SEALS, seals) < 0) failed = 1;
    int saved = errno;
    close(source);
    if (!failed) return copy;
    if (copy >= 0) close(copy);
    errno = saved ? saved : EIO;
    return -1;
}

int cruntime_setns(int fd, int type) {
    return setns(fd, type);
}

int cruntime_unshare(int flags) {
    return unshare(flags);
}

int cruntime_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int cruntime_open_in_root(int root, const char *path, int flags, unsigned long long resolve) {
    struct open_how how;
    memset(&how, 0, sizeof(how));
    how.flags = (unsigned long long)(flags | O_CLOEXEC);
    how.resolve = resolve | RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd;
    do {
        fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
    } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    return fd;
}

int cruntime_cloexec_from(unsigned int first) {
    return (int)syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC);
}

int cruntime_open_pty(const char *ptmx_path, int *master, int *slave) {
    int primary = open(ptmx_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (primary < 0) return -1;
    int unlock = 0;
    if (ioctl(primary, TIOCSPTLCK, &unlock) < 0) {
        int saved = errno;
        close(primary);
        errno = saved;
        return -1;
    }
    int peer = ioctl(primary, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (peer < 0) {
        int saved = errno;
        close(primary);
        errno = saved;
        return -1;
    }
    *master = primary;
    *slave = peer;
    return 0;
}

int cruntime_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int cruntime_signal_number(const char *name) {
    if (strncasecmp(name, "SIG", 3) == 0) name += 3;
    if (*name == 0) return -1;
    if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
        int base = strncasecmp(name, "RTMIN", 5) == 0 ? SIGRTMIN : SIGRTMAX;
        const char *rest = name + 5;
        if (*rest == 0) return base;
        char *end = NULL;
        long offset = strtol(rest, &end, 10);
        if (end == rest || *end != 0) return -1;
        long number = base + offset;
        return number >= SIGRTMIN && number <= SIGRTMAX ? (int)number : -1;
    }
    for (int number = 1; number < SIGRTMIN; number++) {
        const char *abbreviation = sigabbrev_np(number);
        if (abbreviation != NULL && strcasecmp(abbreviation, name) == 0) return number;
    }
    return -1;
}

/// Signals a foreground `run` passes on to the container; the ones that stop or
/// kill the runtime itself (SIGKILL, SIGSTOP) cannot be caught anyway.
static void forwarded_set(sigset_t *set) {
    sigfillset(set);
    sigdelset(set, SIGKILL);
    sigdelset(set, SIGSTOP);
    sigdelset(set, SIGSEGV);
    sigdelset(set, SIGBUS);
    sigdelset(set, SIGILL);
    sigdelset(set, SIGFPE);
    sigdelset(set, SIGTRAP);
}

int cruntime_forwarding_signalfd(void) {
    sigset_t set;
    forwarded_set(&set);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC);
}

int cruntime_read_signal(int fd, pid_t *sender) {
    struct signalfd_siginfo info;
    ssize_t got;
    do {
        got = read(fd, &info, sizeof(info));
    } while (got < 0 && errno == EINTR);
    if (got != (ssize_t)sizeof(info)) {
        if (got >= 0) errno = EIO;
        return -1;
    }
    *sender = (pid_t)info.ssi_pid;
    return (int)info.ssi_signo;
}

void cruntime_unblock_forwarded_signals(void) {
    sigset_t set;
    forwarded_set(&set);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

long cruntime_filesystem_type(const char *path) {
    struct statfs info;
    if (statfs(path, &info) < 0) return -1;
    return (long)info.f_type;
}

unsigned long cruntime_makedev(unsigned int major, unsigned int minor) {
    return (unsigned long)makedev(major, minor);
}
