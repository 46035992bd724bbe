// The libarchive functions contaird calls (Sources/ImageStore), forwarded to
// libarchive.so.13.
#include <archive.h>
#include <archive_entry.h>

#include "lazy_internal.h"

typedef struct archive archive;
typedef struct archive_entry entry;

// F: a function with a result; V: one without.
#define ARCHIVE_FUNCTIONS(F, V)                                                          \
    F(archive *, archive_read_new, (void), ())                                          \
    F(int, archive_read_free, (archive *a), (a))                                        \
    F(int, archive_read_support_filter_all, (archive *a), (a))                          \
    F(int, archive_read_support_filter_gzip, (archive *a), (a))                         \
    F(int, archive_read_support_filter_zstd, (archive *a), (a))                         \
    F(int, archive_read_support_format_raw, (archive *a), (a))                          \
    F(int, archive_read_support_format_tar, (archive *a), (a))                          \
    F(int, archive_read_open_fd, (archive *a, int fd, size_t block_size),               \
      (a, fd, block_size))                                                              \
    F(int, archive_read_open,                                                           \
      (archive *a, void *client, archive_open_callback *open,                           \
       archive_read_callback *read, archive_close_callback *close),                     \
      (a, client, open, read, close))                                                   \
    F(int, archive_read_next_header, (archive *a, entry **next), (a, next))             \
    F(la_ssize_t, archive_read_data, (archive *a, void *buffer, size_t size),           \
      (a, buffer, size))                                                                \
    F(int, archive_read_data_block,                                                     \
      (archive *a, const void **buffer, size_t *size, la_int64_t *offset),              \
      (a, buffer, size, offset))                                                        \
    F(int, archive_read_data_skip, (archive *a), (a))                                   \
    F(const char *, archive_error_string, (archive *a), (a))                            \
    F(archive *, archive_write_new, (void), ())                                         \
    F(int, archive_write_set_format_pax_restricted, (archive *a), (a))                  \
    F(int, archive_write_open_filename, (archive *a, const char *file), (a, file))      \
    F(int, archive_write_header, (archive *a, entry *e), (a, e))                        \
    F(la_ssize_t, archive_write_data, (archive *a, const void *buffer, size_t size),    \
      (a, buffer, size))                                                                \
    F(int, archive_write_close, (archive *a), (a))                                      \
    F(int, archive_write_free, (archive *a), (a))                                       \
    F(entry *, archive_entry_new, (void), ())                                           \
    V(archive_entry_free, (entry *e), (e))                                              \
    F(const char *, archive_entry_pathname, (entry *e), (e))                            \
    F(const char *, archive_entry_hardlink, (entry *e), (e))                            \
    F(const char *, archive_entry_symlink, (entry *e), (e))                             \
    F(__LA_MODE_T, archive_entry_mode, (entry *e), (e))                                 \
    F(la_int64_t, archive_entry_uid, (entry *e), (e))                                   \
    F(la_int64_t, archive_entry_gid, (entry *e), (e))                                   \
    F(la_int64_t, archive_entry_size, (entry *e), (e))                                  \
    F(dev_t, archive_entry_rdevmajor, (entry *e), (e))                                  \
    F(dev_t, archive_entry_rdevminor, (entry *e), (e))                                  \
    F(time_t, archive_entry_atime, (entry *e), (e))                                     \
    F(long, archive_entry_atime_nsec, (entry *e), (e))                                  \
    F(int, archive_entry_atime_is_set, (entry *e), (e))                                 \
    F(time_t, archive_entry_mtime, (entry *e), (e))                                     \
    F(long, archive_entry_mtime_nsec, (entry *e), (e))                                  \
    F(int, archive_entry_xattr_reset, (entry *e), (e))                                  \
    F(int, archive_entry_xattr_next,                                                    \
      (entry *e, const char **name, const void **value, size_t *size),                  \
      (e, name, value, size))                                                           \
    V(archive_entry_set_pathname, (entry *e, const char *path), (e, path))              \
    V(archive_entry_set_filetype, (entry *e, unsigned int type), (e, type))             \
    V(archive_entry_set_perm, (entry *e, __LA_MODE_T mode), (e, mode))                  \
    V(archive_entry_set_size, (entry *e, la_int64_t size), (e, size))

enum { ARCHIVE_FUNCTIONS(LAZY_INDEX, LAZY_INDEX_VOID) LAZY_ARCHIVE_COUNT };
static const char *const names[] = { ARCHIVE_FUNCTIONS(LAZY_NAME, LAZY_NAME_VOID) };
static void *addresses[LAZY_ARCHIVE_COUNT];
const struct lazy_functions lazy_archive_functions = { names, addresses, LAZY_ARCHIVE_COUNT };

#define FORWARD(result, name, parameters, arguments) \
    LAZY_FORWARD(LAZY_LIBRARY_ARCHIVE, result, name, parameters, arguments)
#define FORWARD_VOID(name, parameters, arguments) \
    LAZY_FORWARD_VOID(LAZY_LIBRARY_ARCHIVE, name, parameters, arguments)
ARCHIVE_FUNCTIONS(FORWARD, FORWARD_VOID)
