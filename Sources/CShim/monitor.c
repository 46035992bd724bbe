#define _GNU_SOURCE
#include "cshim_monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int cshim_spawn(const char *path, char *const argv[], const int *fd_sources, int fd_count,
                int new_session, const char *directory, pid_t *pid_out) {
    // Copy every source above the range of target numbers first, so that placing one
    // descriptor can never overwrite a source that another placement still needs.
    int copies[64];
    if (fd_count > 64) return EINVAL;
    for (int i = 0; i < fd_count; i++) copies[i] = -1;
    int result = 0;
    for (int i = 0; i < fd_count && result == 0; i++) {
        if (fd_sources[i] < 0) continue;
        copies[i] = fcntl(fd_sources[i], F_DUPFD_CLOEXEC, fd_count < 10 ? 10 : fd_count);
        if (copies[i] < 0) result = errno;
    }

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    for (int i = 0; i < fd_count && result == 0; i++) {
        if (copies[i] >= 0) result = posix_spawn_file_actions_adddup2(&actions, copies[i], i);
        else result = posix_spawn_file_actions_addclose(&actions, i);
    }
    if (result == 0 && directory != NULL) {
        result = posix_spawn_file_actions_addchdir_np(&actions, directory);
    }

    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (new_session) flags |= POSIX_SPAWN_SETSID;
    if (result == 0) result = posix_spawnattr_setflags(&attributes, flags);
    if (result == 0) result = posix_spawnattr_setsigmask(&attributes, &empty);
    if (result == 0) result = posix_spawnattr_setsigdefault(&attributes, &all);
    if (result == 0) result = posix_spawn(pid_out, path, &actions, &attributes, argv, environ);

    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    for (int i = 0; i < fd_count; i++) {
        if (copies[i] >= 0) close(copies[i]);
    }
    return result;
}

int cshim_signal_descriptor(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int cshim_read_signal(int fd) {
    struct signalfd_siginfo info;
    ssize_t got;
    do {
        got = read(fd, &info, sizeof(info));
    } while (got < 0 && errno == EINTR);
    if (got < 0) return errno == EAGAIN ? 0 : -1;
    if (got != sizeof(info)) return 0;
    return (int)info.ssi_signo;
}

void cshim_ignore_sigpipe(void) {
    signal(SIGPIPE, SIG_IGN);
}

int cshim_accept_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int cshim_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int cshim_dup_cloexec(int fd, int minimum) {
    return fcntl(fd, F_DUPFD_CLOEXEC, minimum);
}

int cshim_pidfd_open(pid_t pid) {
    // pidfd descriptors are always close-on-exec.
    return (int)syscall(SYS_pidfd_open, pid, 0);
}
