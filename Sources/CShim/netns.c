#define _GNU_SOURCE
#include "cshim_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

/// The work of the namespace thread, and what became of it.
struct netns_job {
    const char *path;
    int failed_step;
    int error;
};

static void *fail(struct netns_job *job, int step) {
    job->failed_step = step;
    job->error = errno;
    return NULL;
}

// Runs on a thread of its own, which ends in the new namespace.
static void *make_namespace(void *argument) {
    struct netns_job *job = argument;
    if (unshare(CLONE_NEWNET) < 0) {
        return fail(job, CSHIM_NETNS_UNSHARE);
    }

    // Sockets belong to the namespace of the thread that opens them: this one.
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        return fail(job, CSHIM_NETNS_LOOPBACK);
    }
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFFLAGS, &request) < 0) {
        close(sock);
        return fail(job, CSHIM_NETNS_LOOPBACK);
    }
    request.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &request) < 0) {
        int saved = errno;
        close(sock);
        errno = saved;
        return fail(job, CSHIM_NETNS_LOOPBACK);
    }
    close(sock);

    int file = open(job->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (file < 0) {
        return fail(job, CSHIM_NETNS_CREATE_FILE);
    }
    close(file);
    // thread-self: /proc/self/ns/net is the namespace of the process's main thread.
    if (mount("/proc/thread-self/ns/net", job->path, NULL, MS_BIND, NULL) < 0) {
        int saved = errno;
        unlink(job->path);
        errno = saved;
        return fail(job, CSHIM_NETNS_MOUNT);
    }
    return NULL;
}

int cshim_network_namespace_create(const char *path, int *failed_step) {
    struct netns_job job = { path, 0, 0 };
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, 64 * 1024);
    pthread_t thread;
    int result = pthread_create(&thread, &attributes, make_namespace, &job);
    pthread_attr_destroy(&attributes);
    if (result != 0) {
        *failed_step = CSHIM_NETNS_THREAD;
        errno = result;
        return -1;
    }
    pthread_join(thread, NULL);
    if (job.failed_step != 0) {
        *failed_step = job.failed_step;
        errno = job.error;
        return -1;
    }
    return 0;
}
