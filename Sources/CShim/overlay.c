#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cshim_overlay.h"

static int fail(int fd, int step, int *failed_step) {
    int saved = errno;
    if (fd >= 0) {
        close(fd);
    }
    *failed_step = step;
    errno = saved;
    return -1;
}

int cshim_overlay_mount(const char *target, const char *const *lowers, int count,
                        const char *upper, const char *work, int ephemeral,
                        int *failed_step, int *failed_index) {
    *failed_index = -1;
    int context = fsopen("overlay", FSOPEN_CLOEXEC);
    if (context < 0) {
        return fail(-1, CSHIM_OVERLAY_FSOPEN, failed_step);
    }

    for (int index = 0; index < count; index++) {
        if (fsconfig(context, FSCONFIG_SET_STRING, "lowerdir+", lowers[index], 0) < 0) {
            *failed_index = index;
            return fail(context, CSHIM_OVERLAY_LOWERDIR, failed_step);
        }
    }
    if (upper != NULL) {
        if (fsconfig(context, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0) {
            return fail(context, CSHIM_OVERLAY_UPPERDIR, failed_step);
        }
        if (fsconfig(context, FSCONFIG_SET_STRING, "workdir", work, 0) < 0) {
            return fail(context, CSHIM_OVERLAY_WORKDIR, failed_step);
        }
        // A kernel without the flag refuses it (EINVAL): the mount is then an ordinary
        // one, which only syncs more.
        if (ephemeral) {
            (void)fsconfig(context, FSCONFIG_SET_FLAG, "volatile", NULL, 0);
        }
    }
    if (fsconfig(context, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        return fail(context, CSHIM_OVERLAY_CREATE, failed_step);
    }

    unsigned int attributes = upper == NULL ? MOUNT_ATTR_RDONLY : 0;
    int mounted = fsmount(context, FSMOUNT_CLOEXEC, attributes);
    if (mounted < 0) {
        return fail(context, CSHIM_OVERLAY_FSMOUNT, failed_step);
    }
    close(context);

    if (move_mount(mounted, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        return fail(mounted, CSHIM_OVERLAY_MOVE_MOUNT, failed_step);
    }
    close(mounted);
    return 0;
}
