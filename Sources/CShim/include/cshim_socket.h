// Unix stream socket helpers for the varlink layer: binding and connecting by path
// (struct sockaddr_un is awkward from Swift) and the peer's supplementary groups.
#ifndef CSHIM_SOCKET_H
#define CSHIM_SOCKET_H

#include <sys/types.h>

/// Binds `sock` to the filesystem path `path`. Returns 0, or -1 with errno
/// (ENAMETOOLONG when the path does not fit in sun_path).
int cshim_unix_bind(int sock, const char *path);

/// Connects `sock` to the socket at `path`. Returns 0, or -1 with errno.
int cshim_unix_connect(int sock, const char *path);

/// Stores up to `capacity` supplementary group ids of the peer of `sock`
/// (SO_PEERGROUPS) in `groups`. Returns how many the peer has (which may exceed
/// `capacity`), or -1 with errno.
int cshim_peer_groups(int sock, gid_t *groups, int capacity);

/// accept4 with SOCK_CLOEXEC. Returns the new descriptor, or -1 with errno.
int cshim_accept_cloexec(int sock);

/// Whether the peer of `sock` has hung up or shut down its writing side, without
/// waiting (poll with POLLRDHUP). Returns 1 or 0, or -1 with errno.
int cshim_peer_hung_up(int sock);

#endif
