#define _GNU_SOURCE
#include <errno.h>
#include <sys/random.h>
#include <unistd.h>

#include "cshim_files.h"

ssize_t cshim_copy_file_range(int in_fd, long long *in_offset, int out_fd,
                              long long *out_offset, size_t length) {
    loff_t in = *in_offset;
    loff_t out = *out_offset;
    ssize_t copied = copy_file_range(in_fd, &in, out_fd, &out, length, 0);
    *in_offset = in;
    *out_offset = out;
    return copied;
}

int cshim_random_bytes(void *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t got = getrandom((char *)buffer + done, length - done, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        done += (size_t)got;
    }
    return 0;
}

int cshim_syncfs(int fd) {
    return syncfs(fd);
}
