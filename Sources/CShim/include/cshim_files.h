// File calls that Glibc's Swift module does not expose: extended attributes, kernel
// copies, hole seeking and random bytes.
#ifndef CSHIM_FILES_H
#define CSHIM_FILES_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>

/// lseek whence values for the next data and the next hole (Linux).
#define CSHIM_SEEK_DATA 3
#define CSHIM_SEEK_HOLE 4

/// copy_file_range(2). Returns the bytes copied or -1 with errno.
ssize_t cshim_copy_file_range(int in_fd, long long *in_offset, int out_fd,
                              long long *out_offset, size_t length);

/// syncfs(2): flushes the filesystem holding `fd`. Returns 0 or -1 with errno.
int cshim_syncfs(int fd);

/// Fills `buffer` with `length` random bytes from getrandom(2). Returns 0 or -1.
int cshim_random_bytes(void *buffer, size_t length);

/// The device number for `major` and `minor`.
static inline dev_t cshim_makedev(unsigned int major, unsigned int minor) {
    return makedev(major, minor);
}

#endif
