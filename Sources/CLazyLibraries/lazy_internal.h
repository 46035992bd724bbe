// Shared by the files that define the forwarding functions: the table of one library's
// functions, and the lookup each forwarding function makes.
#ifndef LAZY_INTERNAL_H
#define LAZY_INTERNAL_H

#include "lazy_libraries.h"

/// Keeps a definition out of the executable's dynamic symbol table: the library's own
/// calls to its functions must reach the library, and nothing else may bind to ours.
#define LAZY_HIDDEN __attribute__((visibility("hidden")))

/// The functions of one library: their names, and the addresses `dlsym` gave for them
/// (filled once, by the load).
struct lazy_functions {
    const char *const *names;
    void **addresses;
    int count;
};

extern const struct lazy_functions lazy_curl_functions;
extern const struct lazy_functions lazy_archive_functions;
extern const struct lazy_functions lazy_crypto_functions;

/// The address of function `index` of `library`. A library not loaded is loaded for
/// good (the caller holds no reference); one that cannot be loaded ends the program with
/// the loader's message, as a missing library at start would have: callers that can
/// report an error call `lazy_library_load` or `lazy_library_acquire` before.
void *lazy_function(lazy_library library, int index);

// The X-macro list in each file gives, per function: the result type (none for a void
// function), the name, the parameter list and the argument list. These expand one list
// into an enumeration of indices, a table of names, and the forwarding definitions.
#define LAZY_INDEX(result, name, parameters, arguments) LAZY_INDEX_##name,
#define LAZY_INDEX_VOID(name, parameters, arguments) LAZY_INDEX_##name,
#define LAZY_NAME(result, name, parameters, arguments) #name,
#define LAZY_NAME_VOID(name, parameters, arguments) #name,
#define LAZY_FORWARD(library, result, name, parameters, arguments)                      \
    LAZY_HIDDEN result name parameters {                                                \
        return ((result(*) parameters)lazy_function(library, LAZY_INDEX_##name)) arguments; \
    }
#define LAZY_FORWARD_VOID(library, name, parameters, arguments)                         \
    LAZY_HIDDEN void name parameters {                                                  \
        ((void(*) parameters)lazy_function(library, LAZY_INDEX_##name)) arguments;      \
    }

#endif
