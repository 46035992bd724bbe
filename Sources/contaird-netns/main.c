// contaird-netns: makes a container's network namespace.
//
//   contaird-netns PATH
//
// Unshares a new network namespace, brings its loopback interface up, and pins the
// namespace at PATH (a new file) with a bind mount of /proc/self/ns/net, so that it
// outlives this process and the runtime can join it by path. The daemon runs it for
// every container that does not share the host's network: a separate static program,
// because a multi-threaded daemon cannot unshare its own namespace, and one that starts
// in a millisecond, unlike the daemon's own binary with its libraries.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *call, const char *what) {
    fprintf(stderr, "contaird-netns: %s %s: %s\n", call, what, strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2 || argv[1][0] != '/') {
        fprintf(stderr, "contaird-netns: usage: contaird-netns /ABSOLUTE/PATH\n");
        return 2;
    }
    const char *path = argv[1];

    if (unshare(CLONE_NEWNET) < 0) return fail("unshare", "CLONE_NEWNET");

    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return fail("socket", "AF_INET");
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFFLAGS, &request) < 0) return fail("ioctl(SIOCGIFFLAGS)", "lo");
    request.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &request) < 0) return fail("ioctl(SIOCSIFFLAGS)", "lo");
    close(sock);

    int file = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (file < 0) return fail("open", path);
    close(file);
    if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0) {
        int saved = errno;
        unlink(path);
        errno = saved;
        return fail("mount", path);
    }
    return 0;
}
