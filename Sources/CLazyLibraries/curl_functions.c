// The libcurl functions contaird calls (Sources/Distribution), forwarded to libcurl.so.4.
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <stdarg.h>

#include "lazy_internal.h"

// F: a function with a result; V: one without.
#define CURL_FUNCTIONS(F, V)                                                             \
    F(CURLcode, curl_global_init, (long flags), (flags))                                \
    F(CURL *, curl_easy_init, (void), ())                                               \
    V(curl_easy_cleanup, (CURL *handle), (handle))                                      \
    V(curl_easy_reset, (CURL *handle), (handle))                                        \
    F(CURLcode, curl_easy_perform, (CURL *handle), (handle))                            \
    F(const char *, curl_easy_strerror, (CURLcode code), (code))                        \
    F(struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *text), \
      (list, text))                                                                     \
    V(curl_slist_free_all, (struct curl_slist *list), (list))

// The two that take a variable argument, written out below.
#define CURL_VARIADIC_FUNCTIONS(F)                                                       \
    F(CURLcode, curl_easy_setopt, (CURL *handle, CURLoption option, ...), ())           \
    F(CURLcode, curl_easy_getinfo, (CURL *handle, CURLINFO info, ...), ())

enum {
    CURL_FUNCTIONS(LAZY_INDEX, LAZY_INDEX_VOID) CURL_VARIADIC_FUNCTIONS(LAZY_INDEX)
    LAZY_CURL_COUNT
};
static const char *const names[] = {
    CURL_FUNCTIONS(LAZY_NAME, LAZY_NAME_VOID) CURL_VARIADIC_FUNCTIONS(LAZY_NAME)
};
static void *addresses[LAZY_CURL_COUNT];
const struct lazy_functions lazy_curl_functions = { names, addresses, LAZY_CURL_COUNT };

#define FORWARD(result, name, parameters, arguments) \
    LAZY_FORWARD(LAZY_LIBRARY_CURL, result, name, parameters, arguments)
#define FORWARD_VOID(name, parameters, arguments) \
    LAZY_FORWARD_VOID(LAZY_LIBRARY_CURL, name, parameters, arguments)
CURL_FUNCTIONS(FORWARD, FORWARD_VOID)

typedef CURLcode (*setopt_function)(CURL *, CURLoption, ...);

// An option's number says the type of its one argument (curl.h, CURLOPTTYPE_*): a long
// below OBJECTPOINT, a function from FUNCTIONPOINT to OFF_T, a curl_off_t from OFF_T to
// BLOB, a data pointer otherwise.
LAZY_HIDDEN CURLcode curl_easy_setopt(CURL *handle, CURLoption option, ...) {
    setopt_function real =
        (setopt_function)lazy_function(LAZY_LIBRARY_CURL, LAZY_INDEX_curl_easy_setopt);
    va_list arguments;
    va_start(arguments, option);
    CURLcode code;
    if (option < CURLOPTTYPE_OBJECTPOINT) {
        long value = va_arg(arguments, long);
        code = real(handle, option, value);
    } else if (option >= CURLOPTTYPE_FUNCTIONPOINT && option < CURLOPTTYPE_OFF_T) {
        void (*value)(void) = va_arg(arguments, void (*)(void));
        code = real(handle, option, value);
    } else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB) {
        curl_off_t value = va_arg(arguments, curl_off_t);
        code = real(handle, option, value);
    } else {
        void *value = va_arg(arguments, void *);
        code = real(handle, option, value);
    }
    va_end(arguments);
    return code;
}

typedef CURLcode (*getinfo_function)(CURL *, CURLINFO, ...);

// Every CURLINFO takes one pointer, to where the value goes.
LAZY_HIDDEN CURLcode curl_easy_getinfo(CURL *handle, CURLINFO info, ...) {
    getinfo_function real =
        (getinfo_function)lazy_function(LAZY_LIBRARY_CURL, LAZY_INDEX_curl_easy_getinfo);
    va_list arguments;
    va_start(arguments, info);
    void *destination = va_arg(arguments, void *);
    va_end(arguments);
    return real(handle, info, destination);
}
