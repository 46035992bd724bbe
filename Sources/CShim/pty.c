#define _GNU_SOURCE
#include "cshim_pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int cshim_open_pty_master(const char *ptmx_path, char *peer, size_t cap) {
    int master = open(ptmx_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return -1;
    if (unlockpt(master) < 0 || ptsname_r(master, peer, cap) != 0) {
        int saved = errno;
        close(master);
        errno = saved;
        return -1;
    }
    return master;
}
