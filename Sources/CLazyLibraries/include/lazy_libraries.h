// libcurl, libarchive and libcrypto, loaded at their first use instead of at the start
// of the program. contaird needs them only to pull, import, export and unpack images;
// linked as usual they and their 40 dependencies were mapped into the idle daemon,
// half of its resident memory. libarchive is also unloaded again when no image is
// being read or written (`lazy_library_acquire`).
//
// Each function contaird calls in them is defined here under its own name (hidden, so
// that it neither leaves the executable nor stands in for the library's own), and
// forwards to the library's, which `dlopen` and `dlsym` find at the first call. Swift
// code calls the libraries as before, through the headers of CCurl, CArchive and
// CCrypto; it calls `lazy_library_load` or `lazy_library_acquire` first where a missing
// library should become an error rather than end the program. The names loaded are
// listed in the executable's `.note.dlopen` section (the ELF dlopen metadata of
// systemd.io), where packaging tools such as packaging/bundle-libraries.sh find them.
#ifndef LAZY_LIBRARIES_H
#define LAZY_LIBRARIES_H

#include <stddef.h>

/// A library loaded at its first use.
typedef enum {
    LAZY_LIBRARY_CURL = 0,
    LAZY_LIBRARY_ARCHIVE = 1,
    LAZY_LIBRARY_CRYPTO = 2,
} lazy_library;

/// Loads `library`, if it is not loaded, and resolves every function contaird calls in
/// it; the library then stays loaded for good. Returns 0, or -1 with a message naming
/// the file and the loader's reason in `message` (up to `capacity` bytes,
/// NUL-terminated). Thread-safe, as is everything here.
int lazy_library_load(lazy_library library, char *message, size_t capacity);

/// As `lazy_library_load`, but the library stays loaded only while references are
/// held: `lazy_library_release` drops one, and the last one unloads the library (and
/// its dependencies), unless a load for good came meanwhile. Every call into the
/// library must then be made while its caller holds a reference.
int lazy_library_acquire(lazy_library library, char *message, size_t capacity);

/// Drops a reference taken by `lazy_library_acquire`.
void lazy_library_release(lazy_library library);

/// The file name loaded for `library`, such as "libcurl.so.4".
const char *lazy_library_name(lazy_library library);

#endif
