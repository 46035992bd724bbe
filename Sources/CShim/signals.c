#define _GNU_SOURCE
#include "cshim_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

// The writing end of the pipe, read by the handler; only ever set before a handler runs.
static volatile int signal_pipe_writer = -1;

static void signal_pipe_handler(int number) {
    int saved = errno;
    unsigned char byte = (unsigned char)number;
    // A full pipe drops the byte: the reader already has a wake-up pending.
    ssize_t ignored = write(signal_pipe_writer, &byte, 1);
    (void)ignored;
    errno = saved;
}

int cshim_signal_pipe_install(const int *signals, int count) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        return -1;
    }
    signal_pipe_writer = fds[1];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = signal_pipe_handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigset_t caught;
    sigemptyset(&caught);
    for (int index = 0; index < count; index++) {
        if (sigaction(signals[index], &action, NULL) != 0) {
            int saved = errno;
            close(fds[0]);
            close(fds[1]);
            signal_pipe_writer = -1;
            errno = saved;
            return -1;
        }
        sigaddset(&caught, signals[index]);
    }
    // A parent may have left them blocked (the mask survives exec).
    sigprocmask(SIG_UNBLOCK, &caught, NULL);
    return fds[0];
}

void cshim_signal_pipe_restore(const int *signals, int count) {
    for (int index = 0; index < count; index++) {
        signal(signals[index], SIG_DFL);
    }
}
