#define _GNU_SOURCE
#include "lazy_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// One library: its file, its functions, and whether (and for how long) it is loaded.
/// `handle` and `users` change under `lock`; the addresses are read without it.
struct lazy_state {
    const char *file;
    const struct lazy_functions *functions;
    pthread_mutex_t lock;
    void *handle;
    /// References taken by `lazy_library_acquire` and not yet released.
    int users;
    /// Loaded for good: `lazy_library_load`, or a call made without a reference.
    int permanent;
    char message[512];
};

// The sonames of Debian 12 and Alpine 3.20, the ones the program is linked against.
#define STATE(file, functions) { file, &functions, PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, "" }
static struct lazy_state states[] = {
    [LAZY_LIBRARY_CURL] = STATE("libcurl.so.4", lazy_curl_functions),
    [LAZY_LIBRARY_ARCHIVE] = STATE("libarchive.so.13", lazy_archive_functions),
    [LAZY_LIBRARY_CRYPTO] = STATE("libcrypto.so.3", lazy_crypto_functions),
};

// The ELF dlopen metadata (https://systemd.io/ELF_DLOPEN_METADATA/): a note of type
// 0x407c0c0a, owner "FDO", whose descriptor is a JSON array naming the sonames above.
#define DLOPEN_METADATA                                                                  \
    "[{\"feature\":\"pull\",\"description\":\"pulling images from registries\","         \
    "\"priority\":\"recommended\",\"soname\":[\"libcurl.so.4\"]},"                       \
    "{\"feature\":\"archive\",\"description\":\"importing, exporting and unpacking "     \
    "images\",\"priority\":\"recommended\",\"soname\":[\"libarchive.so.13\"]},"          \
    "{\"feature\":\"digest\",\"description\":\"SHA-256 of image content on CPUs "       \
    "without SHA extensions\",\"priority\":\"suggested\",\"soname\":[\"libcrypto.so.3\"]}]"

__attribute__((used, retain, section(".note.dlopen"), aligned(4)))
static const struct {
    unsigned int name_size;
    unsigned int descriptor_size;
    unsigned int type;
    char name[4];
    char descriptor[(sizeof(DLOPEN_METADATA) + 3) & ~3u];
} dlopen_metadata = {
    4, sizeof(DLOPEN_METADATA), 0x407c0c0a, "FDO", DLOPEN_METADATA,
};

// Loads the library unless it is loaded; under the lock. Returns 0 or -1.
static int load(struct lazy_state *state) {
    if (state->handle != NULL) {
        return 0;
    }
    // RTLD_LOCAL: the library's symbols bind nothing else in the process.
    void *handle = dlopen(state->file, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        snprintf(state->message, sizeof(state->message), "cannot load %s: %s", state->file,
                 dlerror());
        return -1;
    }
    const struct lazy_functions *functions = state->functions;
    for (int index = 0; index < functions->count; index++) {
        void *address = dlsym(handle, functions->names[index]);
        if (address == NULL) {
            snprintf(state->message, sizeof(state->message), "cannot load %s: no function %s",
                     state->file, functions->names[index]);
            dlclose(handle);
            return -1;
        }
        __atomic_store_n(&functions->addresses[index], address, __ATOMIC_RELEASE);
    }
    state->handle = handle;
    return 0;
}

// Unloads the library when nothing holds it; under the lock.
static void unload_if_unused(struct lazy_state *state) {
    if (state->handle == NULL || state->users > 0 || state->permanent) {
        return;
    }
    const struct lazy_functions *functions = state->functions;
    for (int index = 0; index < functions->count; index++) {
        __atomic_store_n(&functions->addresses[index], NULL, __ATOMIC_RELEASE);
    }
    dlclose(state->handle);
    state->handle = NULL;
}

// Loads `library` and takes a reference, or makes it permanent; copies any failure.
static int take(lazy_library library, int permanent, char *message, size_t capacity) {
    struct lazy_state *state = &states[library];
    pthread_mutex_lock(&state->lock);
    int result = load(state);
    if (result == 0) {
        if (permanent) {
            state->permanent = 1;
        } else {
            state->users++;
        }
    } else if (message != NULL && capacity > 0) {
        snprintf(message, capacity, "%s", state->message);
    }
    pthread_mutex_unlock(&state->lock);
    return result;
}

int lazy_library_load(lazy_library library, char *message, size_t capacity) {
    return take(library, 1, message, capacity);
}

int lazy_library_acquire(lazy_library library, char *message, size_t capacity) {
    return take(library, 0, message, capacity);
}

void lazy_library_release(lazy_library library) {
    struct lazy_state *state = &states[library];
    pthread_mutex_lock(&state->lock);
    if (state->users > 0) {
        state->users--;
    }
    unload_if_unused(state);
    pthread_mutex_unlock(&state->lock);
}

const char *lazy_library_name(lazy_library library) {
    return states[library].file;
}

void *lazy_function(lazy_library library, int index) {
    // Loaded (by a reference the caller holds, or for good): no lock.
    void *address = __atomic_load_n(&states[library].functions->addresses[index],
                                    __ATOMIC_ACQUIRE);
    if (address != NULL) {
        return address;
    }
    // Not loaded: a call without a reference, which keeps the library for good.
    char message[512];
    if (take(library, 1, message, sizeof(message)) != 0) {
        fprintf(stderr, "%s: %s\n", program_invocation_short_name, message);
        abort();
    }
    return __atomic_load_n(&states[library].functions->addresses[index], __ATOMIC_ACQUIRE);
}
