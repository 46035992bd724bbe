// A container's network namespace, made inside the multi-threaded daemon: unshare
// with CLONE_NEWNET moves only the calling thread into the new namespace (unlike
// CLONE_NEWUSER or CLONE_NEWNS, it is allowed in a threaded process), so a thread of its
// own makes it and ends, and no other thread ever leaves the host's namespace.
#ifndef CSHIM_NETNS_H
#define CSHIM_NETNS_H

/// Which step of `cshim_network_namespace_create` failed, reported in `failed_step`.
enum cshim_netns_step {
    CSHIM_NETNS_THREAD = 1,
    CSHIM_NETNS_UNSHARE = 2,
    CSHIM_NETNS_LOOPBACK = 3,
    CSHIM_NETNS_CREATE_FILE = 4,
    CSHIM_NETNS_MOUNT = 5,
};

/// Makes a new network namespace with its loopback interface up, and pins it at `path`
/// (a new file) with a bind mount of the namespace file, so that it outlives the thread
/// that made it and a runtime can join it by path. Returns 0, or -1 with errno and
/// `*failed_step`.
int cshim_network_namespace_create(const char *path, int *failed_step);

#endif
