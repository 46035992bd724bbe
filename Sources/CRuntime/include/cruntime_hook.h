// Starting an OCI hook: fork and exec with a clean signal state and only the three
// descriptors it is given, the exec's failure reported back to the caller.
#ifndef CRUNTIME_HOOK_H
#define CRUNTIME_HOOK_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated) as a child in a process group
/// of its own, with `input`, `output` and `error` as its fds 0, 1 and 2, nothing else
/// open, an empty signal mask, default signal handlers and umask 022.
/// Returns its pid, or -1 with errno when the fork or the exec failed (an exec failure
/// travels back through a close-on-exec pipe, and the child is reaped).
pid_t cruntime_spawn_hook(const char *path, char *const argv[], char *const envp[],
                          int input, int output, int error);

/// pipe2(2) with O_CLOEXEC, which Swift's Glibc module does not export. Returns 0 or -1.
int cruntime_pipe(int fds[2]);

/// F_SETPIPE_SZ, which Swift's Glibc module does not export: makes the pipe `fd` hold at
/// least `size` bytes. Returns the new capacity or -1 with errno.
int cruntime_set_pipe_size(int fd, int size);

#endif
