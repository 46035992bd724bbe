#define _GNU_SOURCE
#include "cruntime_hook.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/// In the child: everything between fork and exec. Only async-signal-safe calls.
static void become_hook(const char *path, char *const argv[], char *const envp[],
                        const int stdio[3], int report) {
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    for (int signal_number = 1; signal_number < NSIG; signal_number++) {
        if (signal_number != SIGKILL && signal_number != SIGSTOP) {
            signal(signal_number, SIG_DFL);
        }
    }
    setpgid(0, 0);

    // Copy the three to fds above 2 first, so that dup2 cannot overwrite one of them.
    int staged[3];
    for (int index = 0; index < 3; index++) {
        staged[index] = fcntl(stdio[index], F_DUPFD, 3);
    }
    for (int index = 0; index < 3; index++) {
        if (staged[index] < 0 || dup2(staged[index], index) < 0) {
            int code = errno;
            (void)!write(report, &code, sizeof code);
            _exit(127);
        }
    }
    // Every other descriptor, the report pipe included, closes at the exec.
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        long last = sysconf(_SC_OPEN_MAX);
        for (int fd = 3; fd < last; fd++) {
            fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
    }
    umask(022);
    execve(path, argv, envp);
    int code = errno;
    (void)!write(report, &code, sizeof code);
    _exit(127);
}

pid_t cruntime_spawn_hook(const char *path, char *const argv[], char *const envp[],
                          int input, int output, int error) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(report[0]);
        close(report[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        close(report[0]);
        const int stdio[3] = {input, output, error};
        become_hook(path, argv, envp, stdio, report[1]);
    }

    close(report[1]);
    int code = 0;
    ssize_t got;
    do {
        got = read(report[0], &code, sizeof code);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof code) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        errno = code;
        return -1;
    }
    return pid;
}

int cruntime_set_pipe_size(int fd, int size) {
    return fcntl(fd, F_SETPIPE_SZ, size);
}

int cruntime_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
