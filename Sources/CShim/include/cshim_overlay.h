// Overlay mounts through the new mount API (fsopen, fsconfig, fsmount, move_mount),
// which takes lower directories one at a time and so is not bound by the one-page
// limit of mount(2)'s option string.
#ifndef CSHIM_OVERLAY_H
#define CSHIM_OVERLAY_H

/// Which step of an overlay mount failed, reported through `failed_step`.
enum cshim_overlay_step {
    CSHIM_OVERLAY_FSOPEN = 1,
    CSHIM_OVERLAY_LOWERDIR = 2,
    CSHIM_OVERLAY_UPPERDIR = 3,
    CSHIM_OVERLAY_WORKDIR = 4,
    CSHIM_OVERLAY_CREATE = 5,
    CSHIM_OVERLAY_FSMOUNT = 6,
    CSHIM_OVERLAY_MOVE_MOUNT = 7,
};

/// Mounts an overlay at `target` with `count` lower directories (topmost first) and,
/// when `upper` is not NULL, an upper and a work directory; otherwise the mount is
/// read-only. With `ephemeral` non-zero and an upper directory, the overlay is mounted
/// "volatile" where the kernel knows the flag (Linux 5.10): no sync of the upper file
/// system, neither for the container's fsync calls nor at unmount. Returns 0, or -1
/// with errno and `*failed_step` naming the failed step (and `*failed_index` the lower
/// directory when that step is LOWERDIR).
int cshim_overlay_mount(const char *target, const char *const *lowers, int count,
                        const char *upper, const char *work, int ephemeral,
                        int *failed_step, int *failed_index);

#endif
