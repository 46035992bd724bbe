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
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/// Writes "child-error <step> <errno>" on `fd` using only async-signal-safe calls.
static void report_child_error(int fd, const char *step, int code) {
    char message[128];
    size_t length = 0;
    const char *prefix = "child-error ";
    for (const char *p = prefix; *p && length < 64; p++) message[length++] = *p;
    for (const char *p = step; *p && length < 100; p++) message[length++] = *p;
    message[length++] = ' ';
    char digits[12];
    int count = 0;
    unsigned value = (unsigned)code;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && count < 11);
    while (count > 0) message[length++] = digits[--count];
    ssize_t ignored = write(fd, message, length);
    (void)ignored;
}

/// The child's side of `cruntime_spawn_init`; never returns.
static void run_child(const struct cruntime_spawn_request *request) {
    int sync = request->sync_fd;
    prctl(PR_SET_NAME, (unsigned long)"runcs:clone", 0, 0, 0);
    // The container must not outlive a parent that dies before it reports ready.
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

    if (request->wait_for_parent) {
        char go = 0;
        ssize_t got;
        do {
            got = read(sync, &go, 1);
        } while (got < 0 && errno == EINTR);
        if (got != 1) {
            report_child_error(sync, "wait-for-parent", got < 0 ? errno : EPIPE);
            _exit(127);
        }
    }

    for (int i = 0; i < request->join_count; i++) {
        if (setns(request->join_fds[i], request->join_types[i]) < 0) {
            report_child_error(sync, "setns", errno);
            _exit(127);
        }
    }

    if (request->make_root_slave &&
        mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) {
        report_child_error(sync, "make-root-slave", errno);
        _exit(127);
    }

    if (request->protect_executable) {
        const char *path = request->executable;
        if (mount(path, path, NULL, MS_BIND, NULL) < 0) {
            report_child_error(sync, "bind-executable", errno);
            _exit(127);
        }
        unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV;
        if (mount(NULL, path, NULL, flags, NULL) < 0) {
            report_child_error(sync, "protect-executable", errno);
            _exit(127);
        }
    }

    if (sync != request->sync_target) {
        if (dup2(sync, request->sync_target) < 0) {
            report_child_error(sync, "dup2-sync", errno);
            _exit(127);
        }
        sync = request->sync_target;
    } else {
        fcntl(sync, F_SETFD, 0);
    }

    execve(request->executable, request->argv, request->envp);
    report_child_error(sync, "exec-init", errno);
    _exit(127);
}

pid_t cruntime_spawn_init(const struct cruntime_spawn_request *request) {
    // A raw clone without CLONE_VM behaves like fork; the child only makes system
    // calls until it execs, so it needs none of glibc's fork bookkeeping.
    long pid = syscall(SYS_clone, (unsigned long)request->clone_flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) return -1;
    if (pid == 0) run_child(request);
    return (pid_t)pid;
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
