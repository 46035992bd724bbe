// Helpers for the per-container monitor and its launcher: spawning a program with a
// chosen set of descriptors, and receiving signals through a descriptor.
#ifndef CSHIM_MONITOR_H
#define CSHIM_MONITOR_H

#include <sys/types.h>

/// Spawns `path` with `argv` (NULL-terminated) and the caller's environment.
///
/// Descriptor `i` of the child is `fd_sources[i]` for `i` in 0..<`fd_count`; a source of
/// -1 leaves that number closed. Every other descriptor of the caller must be
/// close-on-exec. The child starts with an empty signal mask and default dispositions,
/// in a new session when `new_session` is non-zero, in `directory` when it is not NULL.
/// Returns 0 and the pid in `*pid_out`, or an errno value.
int cshim_spawn(const char *path, char *const argv[], const int *fd_sources, int fd_count,
                int new_session, const char *directory, pid_t *pid_out);

/// Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP in the calling thread and returns a
/// non-blocking, close-on-exec signalfd that reports them, or -1 with errno.
int cshim_signal_descriptor(void);

/// Reads one pending signal from a descriptor made by `cshim_signal_descriptor`.
/// Returns the signal number, 0 when none is pending, or -1 with errno.
int cshim_read_signal(int fd);

/// Ignores SIGPIPE, so that writing to a closed socket fails with EPIPE instead.
void cshim_ignore_sigpipe(void);

/// Accepts a connection on `fd` as a non-blocking, close-on-exec socket (accept4),
/// or returns -1 with errno.
int cshim_accept_nonblocking(int fd);

/// Makes the calling process the subreaper of its descendants (PR_SET_CHILD_SUBREAPER).
int cshim_set_child_subreaper(void);

/// Duplicates `fd` onto the lowest free number at or above `minimum`, close-on-exec.
int cshim_dup_cloexec(int fd, int minimum);

/// A close-on-exec descriptor that becomes readable when process `pid` exits
/// (pidfd_open(2), Linux 5.3), or -1 with errno.
int cshim_pidfd_open(pid_t pid);

#endif
