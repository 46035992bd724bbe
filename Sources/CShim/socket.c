#define _GNU_SOURCE
#include "cshim_socket.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static int fill_address(struct sockaddr_un *address, const char *path) {
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof(address->sun_path)) {
        errno = length == 0 ? EINVAL : ENAMETOOLONG;
        return -1;
    }
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path, path, length + 1);
    return 0;
}

int cshim_unix_bind(int sock, const char *path) {
    struct sockaddr_un address;
    if (fill_address(&address, path) < 0) return -1;
    return bind(sock, (struct sockaddr *)&address, sizeof(address));
}

int cshim_unix_connect(int sock, const char *path) {
    struct sockaddr_un address;
    if (fill_address(&address, path) < 0) return -1;
    return connect(sock, (struct sockaddr *)&address, sizeof(address));
}

int cshim_peer_groups(int sock, gid_t *groups, int capacity) {
    socklen_t length = (socklen_t)(capacity * (int)sizeof(gid_t));
    if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups, &length) < 0) {
        if (errno != ERANGE) return -1;
    }
    return (int)(length / sizeof(gid_t));
}

int cshim_accept_cloexec(int sock) {
    return accept4(sock, NULL, NULL, SOCK_CLOEXEC);
}

int cshim_peer_hung_up(int sock) {
    struct pollfd entry = {.fd = sock, .events = POLLRDHUP, .revents = 0};
    int ready = poll(&entry, 1, 0);
    if (ready < 0) return -1;
    return ready > 0 && (entry.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}
