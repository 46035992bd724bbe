// The C side of the runcs runtime: the window between clone and exec, where only
// async-signal-safe work is allowed, and the few Linux calls Swift cannot import
// (clone, setns, unshare, pivot_root, openat2, close_range, pty ioctls).
#ifndef CRUNTIME_H
#define CRUNTIME_H

#include <sys/types.h>

/// What the child of `cruntime_spawn_init` does before it becomes the container's init.
///
/// The parent fills this in completely before the clone; the child only reads it.
struct cruntime_spawn_request {
    /// The runtime binary to exec as the init, an absolute host path.
    const char *executable;
    /// argv and envp for that exec, NULL-terminated.
    char *const *argv;
    char *const *envp;
    /// CLONE_NEW* flags for the namespaces the clone creates.
    int clone_flags;
    /// Open namespace files the child joins with setns, in this order, and each one's
    /// CLONE_NEW* type. A join refused with EPERM while a user namespace is still ahead
    /// in the list is retried right after that one: an unprivileged caller may enter a
    /// namespace its user namespace owns only from inside it.
    const int *join_fds;
    const int *join_types;
    int join_count;
    /// CLONE_NEW* flags for namespaces the child makes with unshare after its joins, so
    /// that they belong to a user namespace joined or made first (CLONE_NEWUSER here is
    /// unshared before the others). With CLONE_NEWPID the child forks the init into the
    /// new pid namespace (CLONE_PARENT: it is the caller's child too), writes
    /// "init-pid <pid>" on the sync socket and exits 0.
    int unshare_flags;
    /// The child's end of the sync socket; it is moved to `sync_target` across the exec.
    int sync_fd;
    int sync_target;
    /// Nonzero: bind-mount `executable` read-only over itself before the exec, so that
    /// nothing in the container can write through /proc/<pid>/exe (CVE-2019-5736).
    int protect_executable;
    /// Nonzero: make "/" a recursive slave first, so no mount propagates to the host.
    /// Both mount steps act on the mount namespace the clone made, before any join, or
    /// else on the one joined or unshared.
    int make_root_slave;
    /// Nonzero: as soon as the child is in its new user namespace (made by the clone,
    /// or by unshare after the joins), it writes "userns" on the sync socket and blocks
    /// until the parent answers with one message; the parent writes the child's uid_map
    /// and gid_map in between.
    int wait_for_parent;
    /// Nonzero: a pid namespace is among the joins; after them (and any unshare) the
    /// child forks the init into it, reports "init-pid <pid>" and exits 0.
    int fork_after_joins;
};

/// Clones the container's init with `request->clone_flags | SIGCHLD` and, in the child,
/// joins namespaces, protects the executable and execs it. A failure in the child is
/// written to the sync socket as "child-error <step> <errno>" before it exits 127.
/// Returns the child's pid, or -1 with errno when the clone itself failed.
pid_t cruntime_spawn_init(const struct cruntime_spawn_request *request);

/// setns(2) and unshare(2), which Swift's Glibc module does not expose.
int cruntime_setns(int fd, int type);
int cruntime_unshare(int flags);

/// pivot_root(2).
int cruntime_pivot_root(const char *new_root, const char *put_old);

/// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS added to `resolve`: `path` is
/// resolved as if `root` were "/", symlinks included, never leaving it.
int cruntime_open_in_root(int root, const char *path, int flags, unsigned long long resolve);

/// A sealed, close-on-exec memfd holding a copy of the file at `path`: nothing can
/// write to it or resize it any more. Returns the descriptor, or -1 with errno.
int cruntime_sealed_copy(const char *path);

/// close_range(2) with CLOSE_RANGE_CLOEXEC: marks every descriptor >= `first` close-on-exec.
int cruntime_cloexec_from(unsigned int first);

/// Opens a new pty pair through the devpts behind `ptmx_path`: unlocks it and opens the
/// peer with TIOCGPTPEER. Returns 0 with both fds (close-on-exec) or -1 with errno.
int cruntime_open_pty(const char *ptmx_path, int *master, int *slave);

/// pidfd_open(2).
int cruntime_pidfd_open(pid_t pid);

/// The number of the signal named like "TERM", "SIGTERM", "RTMIN+3"; -1 when unknown.
int cruntime_signal_number(const char *name);

/// The signal set operations used by a parent waiting on its container.
/// Blocks the signals a foreground `run` forwards (and SIGCHLD); returns a signalfd.
int cruntime_forwarding_signalfd(void);
/// Reads one signal from `fd`: returns its number (and the sender pid) or -1 with errno.
int cruntime_read_signal(int fd, pid_t *sender);
/// Restores the signal mask that `cruntime_forwarding_signalfd` changed.
void cruntime_unblock_forwarded_signals(void);

/// The filesystem magic number (statfs f_type) of `path`, or -1 with errno.
long cruntime_filesystem_type(const char *path);

/// makedev(3).
unsigned long cruntime_makedev(unsigned int major, unsigned int minor);

#endif
