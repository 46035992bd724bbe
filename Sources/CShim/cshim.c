#define _GNU_SOURCE
#include "cshim.h"

#include <errno.h>
#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

int cshim_set_winsize(int fd, unsigned short rows, unsigned short cols) {
    struct winsize size = {.ws_row = rows, .ws_col = cols};
    return ioctl(fd, TIOCSWINSZ, &size);
}

int cshim_get_winsize(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) < 0) return -1;
    *rows = size.ws_row;
    *cols = size.ws_col;
    return 0;
}

int cshim_set_controlling_tty(int fd) {
    return ioctl(fd, TIOCSCTTY, 0);
}

ssize_t cshim_send_fd(int sock, int fd, const void *data, size_t len) {
    char one = 0;
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    if (len == 0) {
        // A message must carry at least one byte for the control data to travel.
        iov.iov_base = &one;
        iov.iov_len = 1;
    }
    union {
        struct cmsghdr header;
        char buffer[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = sizeof(control.buffer);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    ssize_t sent;
    do {
        sent = sendmsg(sock, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent;
}

ssize_t cshim_recv_fd(int sock, int *fd_out, void *data, size_t cap) {
    *fd_out = -1;
    struct iovec iov = {.iov_base = data, .iov_len = cap};
    union {
        struct cmsghdr header;
        char buffer[CMSG_SPACE(sizeof(int) * 4)];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buffer,
        .msg_controllen = sizeof(control.buffer),
    };
    ssize_t received;
    do {
        received = recvmsg(sock, &message, MSG_CMSG_CLOEXEC);
    } while (received < 0 && errno == EINTR);
    if (received < 0) return -1;
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message); cmsg != NULL;
         cmsg = CMSG_NXTHDR(&message, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int *fds = (int *)CMSG_DATA(cmsg);
        for (size_t i = 0; i < count; i++) {
            // Keep the first descriptor; close any extra a peer pushed on us.
            if (*fd_out < 0) *fd_out = fds[i];
            else close(fds[i]);
        }
    }
    return received;
}

int cshim_fcntl_int(int fd, int cmd, int arg) {
    return fcntl(fd, cmd, arg);
}

int cshim_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
                unsigned long a5) {
    return prctl(option, a2, a3, a4, a5);
}

long cshim_syscall6(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
    return syscall(number, a1, a2, a3, a4, a5, a6);
}

int cshim_peer_credentials(int sock, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred credentials;
    socklen_t length = sizeof(credentials);
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &credentials, &length) < 0) return -1;
    *pid = credentials.pid;
    *uid = credentials.uid;
    *gid = credentials.gid;
    return 0;
}

int cshim_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int cshim_set_malloc_arena_max(int count) {
#if defined(__GLIBC__)
    return mallopt(M_ARENA_MAX, count);
#else
    (void)count;
    return 0;
#endif
}
