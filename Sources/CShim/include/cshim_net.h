#ifndef CSHIM_NET_H
#define CSHIM_NET_H

/// Brings the network interface `name` (such as "lo") up in the calling process's
/// network namespace. Returns 0 or -1 with errno.
int cshim_interface_up(const char *name);

/// unshare(CLONE_NEWNET): moves the calling process into a new network namespace.
int cshim_unshare_network(void);

#endif
