// contaird-init: PID 1 of containers run with `--init`.
//
//   contaird-init -- COMMAND [ARG...]
//
// Starts COMMAND, forwards the signals it receives to it, reaps every orphan that the
// kernel hands to PID 1, and exits with COMMAND's status (128 + signal when a signal
// ended it). Statically linked, so it runs in any image, glibc or musl.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

int main(int argc, char **argv) {
    int first = 1;
    if (first < argc && strcmp(argv[first], "--") == 0) first++;
    if (first >= argc) {
        fprintf(stderr, "contaird-init: usage: contaird-init -- COMMAND [ARG...]\n");
        return 2;
    }

    sigset_t all, original;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &original);

    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "contaird-init: fork: %s\n", strerror(errno));
        return 1;
    }
    if (child == 0) {
        // The command gets its own process group, in the terminal's foreground, so that
        // Ctrl-C reaches it once, from the terminal, and not a second time through us.
        setpgid(0, 0);
        if (isatty(STDIN_FILENO)) {
            signal(SIGTTOU, SIG_IGN);
            tcsetpgrp(STDIN_FILENO, getpid());
            signal(SIGTTOU, SIG_DFL);
        }
        sigprocmask(SIG_SETMASK, &original, NULL);
        execvp(argv[first], &argv[first]);
        fprintf(stderr, "contaird-init: exec %s: %s\n", argv[first], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }

    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid == child) return exit_code(status);
        }
    }
}
