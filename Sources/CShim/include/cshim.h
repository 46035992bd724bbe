// Small C helpers for calls that Swift cannot make directly: variadic functions
// (ioctl, fcntl, prctl, syscall) and control messages (SCM_RIGHTS, SCM_CREDENTIALS).
// Topic-specific helpers live in their own header beside this one.
#ifndef CSHIM_H
#define CSHIM_H

#include <stddef.h>
#include <sys/types.h>

/// Sets the window size of the terminal `fd`. Returns 0 or -1 with errno.
int cshim_set_winsize(int fd, unsigned short rows, unsigned short cols);

/// Reads the window size of the terminal `fd`. Returns 0 or -1 with errno.
int cshim_get_winsize(int fd, unsigned short *rows, unsigned short *cols);

/// Makes `fd` the controlling terminal of the calling process (TIOCSCTTY).
int cshim_set_controlling_tty(int fd);

/// Sends `len` bytes of `data` and, when `fd` >= 0, the descriptor `fd` with SCM_RIGHTS.
/// Returns the number of bytes sent or -1 with errno.
ssize_t cshim_send_fd(int sock, int fd, const void *data, size_t len);

/// Receives up to `cap` bytes into `data` and at most one descriptor into `*fd_out`
/// (-1 when none came). Returns the number of bytes received or -1 with errno.
ssize_t cshim_recv_fd(int sock, int *fd_out, void *data, size_t cap);

/// fcntl with an integer argument.
int cshim_fcntl_int(int fd, int cmd, int arg);

/// prctl with all five arguments spelled out.
int cshim_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
                unsigned long a5);

/// A raw system call with up to six arguments.
long cshim_syscall6(long number, long a1, long a2, long a3, long a4, long a5, long a6);

/// The peer's pid, uid and gid of a connected Unix socket (SO_PEERCRED).
int cshim_peer_credentials(int sock, pid_t *pid, uid_t *uid, gid_t *gid);

/// pipe2 with O_CLOEXEC on both ends.
int cshim_pipe_cloexec(int fds[2]);

/// Limits glibc's malloc to `count` arenas (mallopt M_ARENA_MAX); call it before any
/// thread starts. Returns 1 when set, 0 where there is no such setting (musl).
int cshim_set_malloc_arena_max(int count);

#endif
