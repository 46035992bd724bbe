#ifndef CSHIM_PTY_H
#define CSHIM_PTY_H

#include <stddef.h>

/// Opens a new pseudo-terminal master through `ptmx_path` (such as "/dev/ptmx" or
/// "/dev/pts/ptmx"), unlocks it and writes its peer's path into `peer` (capacity `cap`).
/// Returns the master descriptor (close-on-exec) or -1 with errno.
int cshim_open_pty_master(const char *ptmx_path, char *peer, size_t cap);

#endif
